/**
 * Client-side rate limiting in Google's quota units: token buckets that refill continuously at the
 * per-minute rate and hold a short burst, so the client stays under the quota instead of bouncing off it.
 */

/** Clock used by the buckets, injectable for tests. */
export interface RateLimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface TokenBucketProps {
  /** Units refilled per minute. `Infinity` disables the bucket. */
  readonly unitsPerMinute: number;
  /**
   * Most units held at once, as seconds of refill. Small, so that any 60 s window stays close to the rate.
   * @default 2
   */
  readonly burstSeconds?: number;
}

/** One token bucket. Starts full. */
export class TokenBucket {
  public readonly capacity: number;
  private readonly perMs: number;
  private tokens: number;
  private updatedAt: number;

  public constructor(
    props: TokenBucketProps,
    private readonly clock: Pick<RateLimiterClock, 'now'>,
  ) {
    if (!(props.unitsPerMinute > 0)) {
      throw new RangeError(`unitsPerMinute must be a positive number or Infinity, got ${props.unitsPerMinute}`);
    }
    const burstSeconds = props.burstSeconds ?? 2;
    this.perMs = props.unitsPerMinute / 60_000;
    // At least one unit, so a bucket below 30 units per minute still lets calls through.
    this.capacity = Math.max(1, (props.unitsPerMinute / 60) * burstSeconds);
    this.tokens = this.capacity;
    this.updatedAt = clock.now();
  }

  /** Units available now. */
  public get available(): number {
    this.refill();
    return this.tokens;
  }

  /** Milliseconds until `cost` units are available (0 = now). A cost above the capacity waits for a full bucket. */
  public waitFor(cost: number): number {
    if (this.capacity === Infinity) return 0;
    this.refill();
    const need = Math.min(cost, this.capacity) - this.tokens;
    return need <= 0 ? 0 : Math.ceil(need / this.perMs);
  }

  /** Takes `cost` units (the balance may not go below zero; a cost above capacity empties the bucket). */
  public take(cost: number): void {
    if (this.capacity === Infinity) return;
    this.refill();
    this.tokens = Math.max(0, this.tokens - Math.min(cost, this.capacity));
  }

  /** Whether the bucket is full (nothing to remember about it). */
  public get full(): boolean {
    return this.available >= this.capacity;
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.updatedAt) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.updatedAt) * this.perMs);
      this.updatedAt = now;
    }
  }
}

/** One bucket and what a call costs in it. */
export interface BucketCharge {
  readonly bucket: TokenBucket;
  readonly cost: number;
}

/**
 * Takes units from several buckets at once (for example the project's Gmail bucket and the user's): waits
 * until every bucket can pay, then charges them all, so a call never holds units it cannot use.
 */
export async function acquire(charges: readonly BucketCharge[], clock: RateLimiterClock): Promise<number> {
  let waited = 0;
  for (;;) {
    let wait = 0;
    for (const { bucket, cost } of charges) wait = Math.max(wait, bucket.waitFor(cost));
    if (wait === 0) {
      for (const { bucket, cost } of charges) bucket.take(cost);
      return waited;
    }
    waited += wait;
    await clock.sleep(wait);
  }
}

/** Buckets keyed by a name (one per user), created on demand; full buckets are forgotten when the map grows. */
export class BucketMap {
  private readonly buckets = new Map<string, TokenBucket>();

  public constructor(
    private readonly props: TokenBucketProps,
    private readonly clock: Pick<RateLimiterClock, 'now'>,
    private readonly maxIdle = 10_000,
  ) {}

  public get size(): number {
    return this.buckets.size;
  }

  public get(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxIdle) this.prune();
      bucket = new TokenBucket(this.props, this.clock);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  private prune(): void {
    for (const [key, bucket] of this.buckets) if (bucket.full) this.buckets.delete(key);
  }
}
