import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  DEMO_TENANT,
  runEmulatorCommand,
  sanitiseSignature,
  startEmulator,
  type RunningEmulator,
} from '../../lib/emulator';
import { clientsFor, googleError } from './emulator-clients';

describe('persistence, control API, faults and quotas', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailpolicy-emulator-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a restart on the same data file keeps the tenant and the written credentials', async () => {
    const dataFile = join(dir, 'tenant.db');
    const credentials = join(dir, 'creds.json');
    let emulator = await startEmulator({
      dataFile,
      seed: { ...DEMO_TENANT, users: [{ primaryEmail: 'user@example.com', aliases: ['kept@example.com'] }] },
    });
    emulator.writeCredentials(credentials);
    const key = JSON.parse(readFileSync(credentials, 'utf8'));
    await clientsFor(emulator, key, 'user@example.com').gmail.users.settings.sendAs.create({
      userId: 'me',
      requestBody: { sendAsEmail: 'kept@example.com' },
    });
    await emulator.close();
    emulator = await startEmulator({ dataFile });
    try {
      const list = await clientsFor(emulator, key, 'user@example.com').gmail.users.settings.sendAs.list({
        userId: 'me',
      });
      expect(list.data.sendAs?.map((s) => s.sendAsEmail)).toContain('kept@example.com');
    } finally {
      await emulator.close();
    }
  });

  describe('on one emulator', () => {
    let emulator: RunningEmulator;
    beforeAll(async () => {
      emulator = await startEmulator({ randomSeed: 7 });
    });
    afterAll(() => emulator.close());

    test('reset over HTTP clears the tenant', async () => {
      emulator.control.seed('demo');
      const reset = await fetch(`${emulator.url}/emulator/v1/reset`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
      });
      expect(reset.status).toBe(200);
      const snapshot = (await (await fetch(`${emulator.url}/emulator/v1/snapshot`)).json()) as Record<
        string,
        unknown[]
      >;
      expect(snapshot).toMatchObject({ domains: [], orgUnits: [], users: [], policies: [], sendAs: [] });
    });

    test('the control API is not reachable on Google paths', async () => {
      for (const path of [
        '/gmail/v1/emulator/v1/reset',
        '/v1/emulator/v1/reset',
        '/admin/directory/v1/emulator/v1/reset',
      ]) {
        expect((await fetch(`${emulator.url}${path}`, { method: 'POST' })).status).toBe(404);
      }
    });

    test('fails to seed an invalid tenant, naming the field', async () => {
      const res = await fetch(`${emulator.url}/emulator/v1/seed`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ customerId: 'X1', domains: [] }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/\$\.customerId/);
    });

    test('injected faults repeat exactly under the same random seed', async () => {
      emulator.control.seed('demo');
      const key = emulator.createServiceAccountKey();
      const { gmail } = clientsFor(emulator, key, 'user@example.com');
      const run = async (): Promise<number[]> => {
        emulator.control.setKnobs({ randomSeed: 42, faults: { '503': 0.3, '500': 0.2, '429': 0.2 } });
        const statuses: number[] = [];
        for (let i = 0; i < 15; i++) {
          statuses.push(
            await gmail.users.settings.sendAs.list({ userId: 'me' }).then(
              () => 200,
              async (e: { response?: { status: number } }) => e.response?.status ?? 0,
            ),
          );
        }
        return statuses;
      };
      const first = await run();
      expect(await run()).toEqual(first);
      expect(new Set(first)).toEqual(new Set([200, 429, 500, 503]));
      emulator.control.setKnobs({ faults: {} });
    });

    test('a user quota answers 429 userRateLimitExceeded with Retry-After for Gmail and 403 for Directory', async () => {
      emulator.control.seed({
        ...DEMO_TENANT,
        users: [
          { primaryEmail: 'admin@example.com', isAdmin: true },
          { primaryEmail: 'user@example.com', aliases: ['q@example.com', 'q2@example.com'] },
        ],
      });
      const key = emulator.createServiceAccountKey();
      emulator.control.setKnobs({ quotaUserPerMinute: 150 });
      try {
        const { gmail } = clientsFor(emulator, key, 'user@example.com');
        await gmail.users.settings.sendAs.create({ userId: 'me', requestBody: { sendAsEmail: 'q@example.com' } });
        const err = await googleError(
          gmail.users.settings.sendAs.create({ userId: 'me', requestBody: { sendAsEmail: 'q2@example.com' } }),
        );
        expect(err).toMatchObject({ status: 429, reason: 'userRateLimitExceeded' });
        expect(Number(err.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        emulator.control.setKnobs({ quotaUserPerMinute: 1 });
        const { directory } = clientsFor(emulator, key, 'admin@example.com');
        await directory.orgunits.list({ customerId: 'my_customer' });
        expect(await googleError(directory.orgunits.list({ customerId: 'my_customer' }))).toMatchObject({
          status: 403,
          reason: 'userRateLimitExceeded',
        });
      } finally {
        emulator.control.setKnobs({ quotaUserPerMinute: undefined });
      }
    });
  });

  test('the emulator command prints its help and refuses unknown flags', async () => {
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await runEmulatorCommand(['--help'])).toBe(0);
      expect(String(out.mock.calls[0][0])).toMatch(/--faults 503=0.10/);
      expect(await runEmulatorCommand(['--bogus'])).toBe(2);
      expect(String(err.mock.calls[0][0])).toMatch(/Unknown option --bogus/);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });

  test('the emulator command serves until SIGINT and writes credentials', async () => {
    const lines: string[] = [];
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (lines.push(String(s)), true));
    try {
      const running = runEmulatorCommand(['--write-credentials', join(dir, 'cli.json'), '--latency', '1:2']);
      while (!lines.join('').includes('Press Ctrl+C')) await new Promise((r) => setTimeout(r, 10));
      const url = /listening on (\S+)/.exec(lines.join(''))![1];
      expect((await fetch(`${url}/emulator/v1/callCounts`)).status).toBe(200);
      process.emit('SIGINT');
      expect(await running).toBe(0);
      expect(JSON.parse(readFileSync(join(dir, 'cli.json'), 'utf8'))).toMatchObject({ type: 'service_account' });
    } finally {
      out.mockRestore();
    }
  });

  test('signature sanitisation leaves text without tags, scripts or handlers unchanged', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('<')),
        (s) => sanitiseSignature(s) === s,
      ),
    );
    expect(
      sanitiseSignature('<p style="x" onmouseover=\'y\'>a</p>\n<style>p{}</style><img src=" javascript:z" alt=1>'),
    ).toBe('<p style="x">a</p>\n<img alt=1>');
  });
});
