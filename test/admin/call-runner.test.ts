/**
 * The call runner in isolation: the function it runs stands in for one HTTP attempt, so bounded concurrency,
 * rate limiting, retries and counters can be observed exactly. (The emulator tests cover the real clients.)
 */
import { generateKeyPairSync } from 'node:crypto';
import { AuthClientCache, createTransporter } from '../../lib/admin/private/auth-clients';
import { CallRunner, type CallRunnerProps } from '../../lib/admin/private/call-runner';
import { AdminApiError } from '../../lib/admin/admin-error';
import { mapLimited } from '../../lib/util/concurrency';

const pem = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

function runner(overrides: Partial<CallRunnerProps> = {}): { runner: CallRunner; clock: () => number } {
  let t = 0;
  const auth = new AuthClientCache(
    { type: 'service_account', client_email: 'sa@p', private_key: pem },
    createTransporter(),
  );
  const r = new CallRunner({
    access: 'write',
    auth,
    concurrency: 4,
    rateLimit: {},
    retry: {},
    env: {
      now: () => t,
      sleep: async (ms) => {
        t += ms;
      },
      random: () => 0.5,
    },
    ...overrides,
  });
  return { runner: r, clock: () => t };
}

const http503 = { response: { status: 503, data: { error: { code: 503, message: 'Backend Error' } }, headers: {} } };

describe('call runner', () => {
  test('never has more calls in flight than the concurrency limit', async () => {
    const { runner: r } = runner({ concurrency: 4 });
    let inFlight = 0;
    let peak = 0;
    await mapLimited(
      Array.from({ length: 40 }, (_, i) => i),
      40,
      (i) =>
        r.run('gmail.users.settings.sendAs.list', `u${i}@example.com`, async () => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((resolve) => setImmediate(resolve));
          inFlight--;
          return i;
        }),
    );
    expect(peak).toBe(4);
  });

  test('paces sendAs creates for one user at the per-user quota', async () => {
    const { runner: r, clock } = runner({ rateLimit: { gmailUserUnitsPerMinute: 6000 } });
    for (let i = 0; i < 6; i++) await r.run('gmail.users.settings.sendAs.create', 'user@example.com', async () => i);
    // 200 units of burst, then 100 units per second: creates 3..6 each wait a second.
    expect(clock()).toBe(4000);
  });

  test('an infinite rate limit never waits', async () => {
    const { runner: r, clock } = runner({
      rateLimit: { gmailUserUnitsPerMinute: Infinity, gmailUnitsPerMinute: Infinity },
    });
    for (let i = 0; i < 50; i++) await r.run('gmail.users.settings.sendAs.create', 'user@example.com', async () => i);
    expect(clock()).toBe(0);
  });

  test('counts calls and retries per method', async () => {
    const { runner: r } = runner();
    let n = 0;
    const out = await r.run('directory.users.get', 'admin@example.com', async () => {
      if (n++ < 2) throw http503;
      return 'ok';
    });
    expect(out).toBe('ok');
    expect(r.stats()).toEqual({ calls: { 'directory.users.get': 3 }, retries: { 'directory.users.get': 2 } });
  });

  test('fails a non-retryable answer at once as an AdminApiError', async () => {
    const { runner: r } = runner();
    const error = await r
      .run('directory.orgunits.delete', 'admin@example.com', async () => {
        throw {
          response: {
            status: 404,
            data: { error: { code: 404, message: 'Org unit not found', errors: [{ reason: 'notFound' }] } },
          },
        };
      })
      .catch((e: unknown) => e);
    expect(AdminApiError.isAdminApiError(error)).toBe(true);
    expect((error as AdminApiError).kind).toBe('notFound');
    expect(r.stats().calls['directory.orgunits.delete']).toBe(1);
  });

  test('fails writes of a read client before any call', async () => {
    const { runner: r } = runner({ access: 'read' });
    let called = false;
    const error = await r
      .run('cloudidentity.policies.create', 'admin@example.com', async () => {
        called = true;
      })
      .catch((e: unknown) => e);
    expect(called).toBe(false);
    expect((error as AdminApiError).message).toMatch(/needs write access \(scope cloud-identity\.policies\)/);
  });

  test('asks one token per call family and subject, with only that family’s scopes', async () => {
    const auth = new AuthClientCache(
      { type: 'service_account', client_email: 'sa@p', private_key: pem },
      createTransporter(),
    );
    const { runner: r } = runner({ access: 'read', auth });
    const seen = new Set<unknown>();
    await r.run('directory.users.get', 'admin@example.com', async (jwt) => seen.add(jwt));
    await r.run('directory.users.list', 'admin@example.com', async (jwt) => seen.add(jwt));
    await r.run('directory.orgunits.list', 'admin@example.com', async (jwt) => seen.add(jwt));
    await r.run('gmail.users.settings.sendAs.list', 'user@example.com', async (jwt) => seen.add(jwt));
    expect(seen.size).toBe(3);
    expect(auth.size).toBe(3);
    const gmail = auth.get('user@example.com', ['https://www.googleapis.com/auth/gmail.settings.basic']);
    expect(gmail.scopes).toEqual(['https://www.googleapis.com/auth/gmail.settings.basic']);
    expect(gmail.subject).toBe('user@example.com');
  });
});
