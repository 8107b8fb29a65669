import fc from 'fast-check';
import { acquire, BucketMap, TokenBucket, type RateLimiterClock } from '../../lib/admin/rate-limiter';

function fakeClock(): RateLimiterClock & { advance(ms: number): void } {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

describe('token bucket', () => {
  test('starts full with burstSeconds of refill and refills at the per-minute rate', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ unitsPerMinute: 6000, burstSeconds: 2 }, clock);
    expect(bucket.capacity).toBe(200);
    bucket.take(200);
    expect(bucket.waitFor(100)).toBe(1000);
    clock.advance(500);
    expect(bucket.available).toBeCloseTo(50);
    clock.advance(60_000);
    expect(bucket.available).toBe(200);
  });

  test('a cost above the capacity waits for a full bucket instead of forever', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ unitsPerMinute: 60, burstSeconds: 1 }, clock);
    expect(bucket.capacity).toBe(1);
    expect(bucket.waitFor(100)).toBe(0);
    bucket.take(100);
    expect(bucket.waitFor(100)).toBe(1000);
  });

  test('an infinite rate never waits', () => {
    const bucket = new TokenBucket({ unitsPerMinute: Infinity }, fakeClock());
    bucket.take(1e9);
    expect(bucket.waitFor(1e9)).toBe(0);
  });

  test('fails on a rate that is not positive', () => {
    expect(() => new TokenBucket({ unitsPerMinute: 0 }, fakeClock())).toThrow(
      /unitsPerMinute must be a positive number/,
    );
  });
});

describe('acquire', () => {
  test('sendAs creates for one user are paced at the per-user rate (6000 units/min = one create per second)', async () => {
    const clock = fakeClock();
    const project = new TokenBucket({ unitsPerMinute: 1_200_000 }, clock);
    const users = new BucketMap({ unitsPerMinute: 6000 }, clock);
    const startTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      await acquire(
        [
          { bucket: project, cost: 100 },
          { bucket: users.get('a@example.com'), cost: 100 },
        ],
        clock,
      );
      startTimes.push(clock.now());
    }
    expect(startTimes).toEqual([0, 0, 1000, 2000, 3000]);
    // Another user has a bucket of their own.
    await acquire(
      [
        { bucket: project, cost: 100 },
        { bucket: users.get('b@example.com'), cost: 100 },
      ],
      clock,
    );
    expect(clock.now()).toBe(3000);
  });

  test('over any run, units granted never exceed burst plus rate × elapsed time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 60, max: 100_000 }),
        fc.array(fc.record({ cost: fc.integer({ min: 1, max: 100 }), gap: fc.nat(2000) }), { maxLength: 50 }),
        async (perMinute, calls) => {
          const clock = fakeClock();
          const bucket = new TokenBucket({ unitsPerMinute: perMinute, burstSeconds: 2 }, clock);
          let granted = 0;
          for (const { cost, gap } of calls) {
            clock.advance(gap);
            await acquire([{ bucket, cost }], clock);
            granted += Math.min(cost, bucket.capacity);
          }
          return granted <= bucket.capacity + (perMinute / 60_000) * clock.now() + 1e-6;
        },
      ),
    );
  });

  test('the map of per-user buckets forgets full buckets when it grows', () => {
    const clock = fakeClock();
    const users = new BucketMap({ unitsPerMinute: 6000 }, clock, 3);
    users.get('a').take(10);
    users.get('b');
    users.get('c');
    users.get('d');
    expect(users.size).toBe(2);
  });
});
