/**
 * The gs:// backend through the official @google-cloud/storage client against the storage emulator.
 */
import { Storage } from '@google-cloud/storage';

import { startStorageEmulator, type RunningStorageEmulator } from '../../lib/emulator/storage-emulator';
import { ErrorCodes } from '../../lib/model/errors';
import {
  GcsStateBackend,
  StateStore,
  acquireLock,
  findLock,
  forceUnlock,
  parseStateUrl,
  stateBackendFor,
} from '../../lib/state';
import { orgUnit, sendAs, stateWith } from './helpers/states';

let emulator: RunningStorageEmulator;
let storage: Storage;
let bucketCount = 0;
let bucket: string;

beforeAll(async () => {
  emulator = await startStorageEmulator();
  storage = new Storage({ apiEndpoint: emulator.url, projectId: 'test-project' });
});
afterAll(() => emulator.close());
beforeEach(async () => {
  bucket = `states-${++bucketCount}`;
  await storage.createBucket(bucket);
});

function backend(prefix = 'mail/prod'): GcsStateBackend {
  return new GcsStateBackend({ bucket, prefix, storage });
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('gs backend: state objects', () => {
  test('one object per stack under the prefix, read back with its generation', async () => {
    const b = backend();
    expect(await b.read('prod')).toEqual({ found: false });
    const state = stateWith('prod', [orgUnit('/Sales'), sendAs('u@example.com', 'a@partner.com')]);
    const generation = await b.write('prod', state, undefined);
    expect(generation).toMatch(/^[0-9]+$/);
    expect(await b.read('prod')).toEqual({ found: true, state, version: generation });
    const [files] = await storage.bucket(bucket).getFiles();
    expect(files.map((f) => f.name)).toEqual(['mail/prod/prod.json']);
    const [metadata] = await storage.bucket(bucket).file('mail/prod/prod.json').getMetadata();
    expect(metadata.contentType).toBe('application/json');
  });

  test('two writers from the same generation: one wins, the other gets a conflict and overwrites nothing', async () => {
    const b = backend();
    const g1 = await b.write('prod', stateWith('prod', [], 1), undefined);
    const mine = stateWith('prod', [orgUnit('/Mine')], 2);
    const theirs = stateWith('prod', [orgUnit('/Theirs')], 2);
    const results = await Promise.allSettled([b.write('prod', mine, g1), backend().write('prod', theirs, g1)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(lost?.reason.code).toBe(ErrorCodes.STATE_CONFLICT);
    expect(lost?.reason.message).toContain(`gs://${bucket}/mail/prod/prod.json`);
    const read = await b.read('prod');
    expect(read.found && read.state).toEqual(results[0].status === 'fulfilled' ? mine : theirs);
  });

  test('two first writes (ifGenerationMatch 0): one creates the state, the other is refused', async () => {
    const results = await Promise.allSettled([
      backend().write('prod', stateWith('prod', [orgUnit('/A')], 1), undefined),
      backend().write('prod', stateWith('prod', [orgUnit('/B')], 1), undefined),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  test('two stores from the same read: the second write fails and the first update is kept', async () => {
    await backend().write('prod', stateWith('prod', [], 1), undefined);
    const a = await StateStore.load(backend(), 'prod');
    const b = await StateStore.load(backend(), 'prod');
    await a.recordObject('orgUnit:/a', { kind: 'orgUnit', path: '/A', origin: 'created', removalPolicy: 'destroy' });
    const error = await rejection(
      b.recordObject('orgUnit:/b', { kind: 'orgUnit', path: '/B', origin: 'created', removalPolicy: 'destroy' }),
    );
    expect(error.code).toBe(ErrorCodes.STATE_CONFLICT);
    const read = await backend().read('prod');
    expect(read.found && Object.keys(read.state.objects)).toEqual(['orgUnit:/a']);
  });

  test('a corrupt object is refused; a state with a secret is never uploaded', async () => {
    await storage.bucket(bucket).file('mail/prod/prod.json').save('not json', { resumable: false });
    expect((await rejection(backend().read('prod'))).code).toBe(ErrorCodes.STATE_UNREADABLE);
    const bad = stateWith('staging', [
      sendAs('u@example.com', 'a@partner.com', {
        credentials: { passwordFingerprint: 'hunter2', usernameFingerprint: 'x', endpoint: 'smtp.partner.com:465/ssl' },
      } as never),
    ]);
    const error = await rejection(backend().write('staging', bad, undefined));
    expect(error.code).toBe(ErrorCodes.STATE_UNREADABLE);
    expect(error.message).not.toContain('hunter2');
    const [exists] = await storage.bucket(bucket).file('mail/prod/staging.json').exists();
    expect(exists).toBe(false);
  });

  test('a missing bucket is a clear error and is never created', async () => {
    const missing = new GcsStateBackend({ bucket: 'no-such-bucket', prefix: 'x', storage });
    const read = await rejection(missing.read('prod'));
    expect(read.code).toBe(ErrorCodes.STATE_BACKEND);
    expect(read.message).toContain('the bucket gs://no-such-bucket does not exist; mailpolicy never creates buckets');
    const write = await rejection(missing.write('prod', stateWith('prod', [], 1), undefined));
    expect(write.message).toContain('does not exist');
    const lock = await rejection(acquireLock(missing, 'prod', { operation: 'apply' }));
    expect(lock.message).toContain('does not exist');
    expect(emulator.bucketNames()).not.toContain('no-such-bucket');
  });

  test('STORAGE_EMULATOR_HOST points a backend made from a gs:// URL at the emulator, without credentials', async () => {
    const saved = process.env.STORAGE_EMULATOR_HOST;
    process.env.STORAGE_EMULATOR_HOST = emulator.url;
    try {
      const fromUrl = stateBackendFor(parseStateUrl(`gs://${bucket}/team`, { appDir: '/app' }));
      const version = await fromUrl.write('prod', stateWith('prod', [orgUnit('/Sales')], 1), undefined);
      expect(await fromUrl.read('prod')).toMatchObject({ found: true, version });
      const [files] = await storage.bucket(bucket).getFiles({ prefix: 'team/' });
      expect(files.map((f) => f.name)).toEqual(['team/prod.json']);
    } finally {
      if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST;
      else process.env.STORAGE_EMULATOR_HOST = saved;
    }
  });
});

describe('gs backend: locks', () => {
  test('a second holder fails naming the first; the lock object holds who, when, what and the id', async () => {
    const lock = await acquireLock(backend(), 'prod', { operation: 'apply', who: 'alice@ci-7' });
    const [bytes] = await storage.bucket(bucket).file('mail/prod/prod.lock').download();
    expect(JSON.parse(bytes.toString())).toEqual({
      id: lock.info.id,
      who: 'alice@ci-7',
      operation: 'apply',
      created: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      version: expect.any(String),
    });
    const error = await rejection(acquireLock(backend(), 'prod', { operation: 'destroy' }));
    expect(error.code).toBe(ErrorCodes.STATE_LOCKED);
    expect(error.message).toContain("the state of stack 'prod' is locked: apply by alice@ci-7 since");
    expect(error.message).toContain(`mailpolicy force-unlock ${lock.info.id}`);
    expect(error.message).toContain(`gs://${bucket}/mail/prod/prod.lock`);
    await lock.release();
    const [exists] = await storage.bucket(bucket).file('mail/prod/prod.lock').exists();
    expect(exists).toBe(false);
  });

  test('with a timeout the second waits, and gets the lock after the first releases it', async () => {
    const first = await acquireLock(backend(), 'prod', { operation: 'apply' });
    const order: string[] = [];
    const second = acquireLock(backend(), 'prod', { operation: 'apply', timeoutMs: 60_000, pollMs: 25 }).then((l) => {
      order.push('second acquired');
      return l;
    });
    await new Promise((r) => setTimeout(r, 150));
    order.push('first released');
    await first.release();
    const lock = await second;
    expect(order).toEqual(['first released', 'second acquired']);
    await lock.release();
  });

  test('force-unlock by id; the old holder releasing later leaves the new lock alone', async () => {
    const stale = await acquireLock(backend(), 'prod', { operation: 'apply' });
    expect((await findLock(backend(), stale.info.id))?.stack).toBe('prod');
    const wrong = await rejection(forceUnlock(backend(), 'prod', '00000000-0000-4000-8000-000000000000'));
    expect(wrong.code).toBe(ErrorCodes.STATE_LOCKED);
    await forceUnlock(backend(), 'prod', stale.info.id);
    const next = await acquireLock(backend(), 'prod', { operation: 'destroy' });
    await expect(stale.assertHeld()).rejects.toThrow(/was lost while held/);
    await expect(next.assertHeld()).resolves.toBeUndefined();
    await stale.release(); // deletes with ifGenerationMatch of its own lock object: refused, nothing removed
    expect((await backend().readLock('prod'))?.info?.id).toBe(next.info.id);
    expect((await backend().listLocks()).map((l) => l.stack)).toEqual(['prod']);
    await next.release();
    expect(await backend().listLocks()).toEqual([]);
  });

  test('a store bound to a lock stops writing once the lock was force-unlocked', async () => {
    const lock = await acquireLock(backend(), 'prod', { operation: 'apply' });
    const store = await StateStore.load(backend(), 'prod', { lock });
    await store.recordObject('orgUnit:/a', {
      kind: 'orgUnit',
      path: '/A',
      origin: 'created',
      removalPolicy: 'destroy',
    });
    await forceUnlock(backend(), 'prod', lock.info.id);
    const error = await rejection(
      store.recordObject('orgUnit:/b', { kind: 'orgUnit', path: '/B', origin: 'created', removalPolicy: 'destroy' }),
    );
    expect(error.code).toBe(ErrorCodes.STATE_LOCKED);
    const read = await backend().read('prod');
    expect(read.found && Object.keys(read.state.objects)).toEqual(['orgUnit:/a']);
  });
});
