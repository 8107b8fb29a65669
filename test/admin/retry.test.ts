import fc from 'fast-check';
import {
  backoffDelay,
  parseRetryAfter,
  runWithRetry,
  type RetryEnvironment,
  type RetryVerdict,
} from '../../lib/admin/retry';

/** A fake clock: sleeping advances time, nothing really waits. */
function fakeEnv(random = 0.5): RetryEnvironment & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    random: () => random,
  };
}

const retryAll = (): RetryVerdict => ({ retry: true });

describe('backoff', () => {
  test('the cap doubles per attempt and stops at maxDelayMs', () => {
    const opts = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, opts, 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
  });

  test('full jitter: the wait is anywhere between 0 and the cap', () => {
    fc.assert(
      fc.property(fc.nat(40), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const d = backoffDelay(attempt, { baseDelayMs: 1000, maxDelayMs: 32000 }, r);
        return d >= 0 && d <= 32000 && Number.isInteger(d);
      }),
    );
  });

  test('Retry-After is a floor under the jittered wait', () => {
    expect(backoffDelay(0, { baseDelayMs: 100 }, 0, 3000)).toBe(3000);
    expect(backoffDelay(6, { baseDelayMs: 1000, maxDelayMs: 32000 }, 0.5, 10)).toBe(16000);
  });

  test('Retry-After is read as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter('1.5', 0)).toBe(1500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
});

describe('runWithRetry', () => {
  test('retries until the call succeeds and counts the retries', async () => {
    const env = fakeEnv();
    let calls = 0;
    const retries: number[] = [];
    const result = await runWithRetry(
      async () => {
        calls++;
        if (calls < 3) throw new Error('transient');
        return 'ok';
      },
      { env, classify: retryAll, onRetry: (_e, n) => retries.push(n), giveUp: () => new Error('gave up') },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(retries).toEqual([0, 1]);
    expect(env.slept).toEqual([500, 1000]);
  });

  test('waits at least Retry-After before the next attempt', async () => {
    const env = fakeEnv(0);
    let calls = 0;
    await runWithRetry(
      async () => {
        if (calls++ === 0) throw new Error('429');
        return 1;
      },
      { env, classify: () => ({ retry: true, retryAfterMs: 2000 }), giveUp: () => new Error('gave up') },
    );
    expect(env.slept).toEqual([2000]);
  });

  test('fails at once, without waiting, when the failure is not retryable', async () => {
    const env = fakeEnv();
    let calls = 0;
    await expect(
      runWithRetry(
        async () => {
          calls++;
          throw new Error('403 forbidden');
        },
        { env, classify: () => ({ retry: false }), giveUp: () => new Error('gave up') },
      ),
    ).rejects.toThrow('403 forbidden');
    expect(calls).toBe(1);
    expect(env.slept).toEqual([]);
  });

  test('fails with the give-up error when the next wait would pass the deadline', async () => {
    const env = fakeEnv(0.999);
    let calls = 0;
    const error = await runWithRetry(
      async () => {
        calls++;
        throw new Error('503');
      },
      {
        env,
        retry: { deadlineMs: 10_000, baseDelayMs: 1000, maxDelayMs: 4000 },
        classify: retryAll,
        giveUp: ({ attempts, elapsedMs }) => new Error(`gave up after ${attempts} attempts in ${elapsedMs} ms`),
      },
    ).catch((e: Error) => e);
    // Waits 999 + 1998 + 3996 = 6993 ms; the next 3996 ms would end after 10 s.
    expect(String(error)).toContain('gave up after 4 attempts in 6993 ms');
    expect(calls).toBe(4);
    expect(env.now()).toBeLessThanOrEqual(10_000);
  });

  test('never waits past the deadline, whatever the failures and random draws', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.nat(20_000)), { minLength: 1, maxLength: 30 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 0, max: 60_000 }),
        async (retryAfters, r, deadlineMs) => {
          const env = fakeEnv(r);
          let i = 0;
          await runWithRetry(
            async () => {
              if (i < retryAfters.length) {
                i++;
                throw new Error('x');
              }
              return 0;
            },
            {
              env,
              retry: { deadlineMs },
              classify: () => ({ retry: true, retryAfterMs: retryAfters[i - 1] ?? undefined }),
              giveUp: () => new Error('gave up'),
            },
          ).catch(() => undefined);
          return env.now() <= deadlineMs;
        },
      ),
    );
  });
});
