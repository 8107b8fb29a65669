/**
 * The storage emulator on the wire: the JSON API answers the gs backend relies on, as BEHAVIOUR.md states them.
 */
import { CRC32C } from '@google-cloud/storage';
import { createHash } from 'node:crypto';

import { startStorageEmulator, type RunningStorageEmulator } from '../../lib/emulator/storage-emulator';

let emulator: RunningStorageEmulator;
beforeAll(async () => {
  emulator = await startStorageEmulator({ buckets: ['seeded'] });
});
afterAll(() => emulator.close());

const PRECONDITION_FAILED = {
  error: {
    code: 412,
    message: 'At least one of the pre-conditions you specified did not hold.',
    errors: [
      {
        message: 'At least one of the pre-conditions you specified did not hold.',
        domain: 'global',
        reason: 'conditionNotMet',
        locationType: 'header',
        location: 'If-Match',
      },
    ],
  },
};

async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${emulator.url}${path}`, { method, body, headers });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as Record<string, unknown> };
}

function upload(name: string, data: string, query = '') {
  return call('POST', `/upload/storage/v1/b/seeded/o?uploadType=media&name=${encodeURIComponent(name)}${query}`, data, {
    'Content-Type': 'text/plain',
  });
}

test('buckets: insert needs a project, a second insert of a name is 409, get of a missing one 404', async () => {
  expect((await call('POST', '/storage/v1/b', JSON.stringify({ name: 'x-bucket' }))).status).toBe(400);
  const made = await call('POST', '/storage/v1/b?project=p', JSON.stringify({ name: 'made-here' }));
  expect(made.status).toBe(200);
  expect(made.json).toMatchObject({ kind: 'storage#bucket', name: 'made-here', metageneration: '1' });
  const again = await call('POST', '/storage/v1/b?project=p', JSON.stringify({ name: 'made-here' }));
  expect(again.status).toBe(409);
  expect((await call('POST', '/storage/v1/b?project=p', JSON.stringify({ name: 'Bad_Name!' }))).status).toBe(400);
  expect((await call('GET', '/storage/v1/b/made-here')).json).toMatchObject({ name: 'made-here' });
  const missing = await call('GET', '/storage/v1/b/nope');
  expect(missing.status).toBe(404);
  expect(missing.json).toEqual({
    error: {
      code: 404,
      message: 'The specified bucket does not exist.',
      errors: [{ message: 'The specified bucket does not exist.', domain: 'global', reason: 'notFound' }],
    },
  });
});

test('objects: ifGenerationMatch=0 creates once, then 412 conditionNotMet; generations are strings', async () => {
  const first = await upload('locks/a.lock', 'one', '&ifGenerationMatch=0');
  expect(first.status).toBe(200);
  expect(first.json).toMatchObject({
    kind: 'storage#object',
    name: 'locks/a.lock',
    bucket: 'seeded',
    metageneration: '1',
    size: '3',
    contentType: 'text/plain',
  });
  expect(first.json.generation).toEqual(expect.stringMatching(/^[0-9]+$/));
  const second = await upload('locks/a.lock', 'two', '&ifGenerationMatch=0');
  expect(second.status).toBe(412);
  expect(second.json).toEqual(PRECONDITION_FAILED);
  const media = await call('GET', `/storage/v1/b/seeded/o/${encodeURIComponent('locks/a.lock')}?alt=media`);
  expect(media.text).toBe('one');
  expect(media.headers.get('x-goog-generation')).toBe(first.json.generation);
  expect(media.headers.get('x-goog-hash')).toBe(`crc32c=${first.json.crc32c},md5=${first.json.md5Hash}`);
  const crc = new CRC32C();
  crc.update(Buffer.from('one'));
  expect(first.json.crc32c).toBe(crc.toString());
  expect(first.json.md5Hash).toBe(createHash('md5').update('one').digest('base64'));
});

test('objects: a write or delete from a stale generation is 412 and changes nothing', async () => {
  const v1 = (await upload('state.json', 'v1')).json.generation as string;
  const v2 = (await upload('state.json', 'v2', `&ifGenerationMatch=${v1}`)).json.generation as string;
  expect(BigInt(v2)).toBeGreaterThan(BigInt(v1));
  expect((await upload('state.json', 'v3', `&ifGenerationMatch=${v1}`)).json).toEqual(PRECONDITION_FAILED);
  expect((await upload('state.json', 'v3', '&ifMetagenerationMatch=2')).status).toBe(412);
  expect((await call('DELETE', `/storage/v1/b/seeded/o/state.json?ifGenerationMatch=${v1}`)).status).toBe(412);
  expect((await call('GET', '/storage/v1/b/seeded/o/state.json?alt=media')).text).toBe('v2');
  expect((await call('GET', `/storage/v1/b/seeded/o/state.json?ifGenerationNotMatch=${v2}`)).status).toBe(304);
  expect((await call('GET', `/storage/v1/b/seeded/o/state.json?ifGenerationMatch=${v1}`)).status).toBe(412);
  expect((await call('GET', `/storage/v1/b/seeded/o/state.json?generation=${v1}&alt=media`)).status).toBe(404);
  expect((await call('DELETE', `/storage/v1/b/seeded/o/state.json?ifGenerationMatch=${v2}`)).status).toBe(204);
  const gone = await call('GET', '/storage/v1/b/seeded/o/state.json');
  expect(gone.status).toBe(404);
  expect(gone.json).toMatchObject({ error: { code: 404, message: 'No such object: seeded/state.json' } });
  expect((await upload('never.json', 'x', '&ifGenerationMatch=5')).status).toBe(412);
  expect((await upload('bad.json', 'x', '&ifGenerationMatch=abc')).status).toBe(400);
});

test('objects: the same API without the /storage/v1 prefix (as the Node client calls STORAGE_EMULATOR_HOST), and listing', async () => {
  await upload('list/a.json', 'a');
  await upload('list/b.json', 'b');
  await upload('list/sub/c.json', 'c');
  expect((await call('GET', '/b/seeded/o/list%2Fa.json')).json).toMatchObject({ name: 'list/a.json' });
  const page1 = await call('GET', '/storage/v1/b/seeded/o?prefix=list/&maxResults=2');
  expect((page1.json.items as { name: string }[]).map((i) => i.name)).toEqual(['list/a.json', 'list/b.json']);
  const page2 = await call(
    'GET',
    `/storage/v1/b/seeded/o?prefix=list/&maxResults=2&pageToken=${page1.json.nextPageToken}`,
  );
  expect((page2.json.items as { name: string }[]).map((i) => i.name)).toEqual(['list/sub/c.json']);
  expect(page2.json.nextPageToken).toBeUndefined();
  const folded = await call('GET', '/storage/v1/b/seeded/o?prefix=list/&delimiter=/');
  expect(folded.json.prefixes).toEqual(['list/sub/']);
  expect((await call('GET', '/storage/v1/b/nope/o')).status).toBe(404);
});

test('uploads: multipart carries the metadata; resumable is refused by this emulator', async () => {
  const boundary = 'b0undary';
  const body =
    `--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ name: 'multi.json', contentType: 'application/json' })}\r\n` +
    `--${boundary}\r\nContent-Type: application/json\r\n\r\n{"a":1}\r\n--${boundary}--\r\n`;
  const made = await call('POST', '/upload/storage/v1/b/seeded/o?uploadType=multipart', body, {
    'Content-Type': `multipart/related; boundary=${boundary}`,
  });
  expect(made.status).toBe(200);
  expect(made.json).toMatchObject({ name: 'multi.json', contentType: 'application/json', size: '7' });
  expect((await call('GET', '/storage/v1/b/seeded/o/multi.json?alt=media')).text).toBe('{"a":1}');
  const resumable = await call('POST', '/upload/storage/v1/b/seeded/o?uploadType=resumable&name=r', '');
  expect(resumable.status).toBe(400);
  expect(resumable.text).toContain('((resumable uploads are not served by this emulator');
  expect((await call('POST', '/upload/storage/v1/b/nope/o?uploadType=media&name=x', 'x')).status).toBe(404);
});
