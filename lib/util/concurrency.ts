/**
 * Bounded concurrency: a semaphore and a bounded `map`. Used wherever many API calls could start at once,
 * so no code path fans out without a limit.
 */

/** A counting semaphore with FIFO hand-off. */
export class Semaphore {
  private available: number;
  private readonly waiters: Array<() => void> = [];
  /** How many of `waiters`, at its front, asked to go first. */
  private firstWaiters = 0;

  public constructor(public readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`semaphore limit must be an integer ≥ 1, got ${limit}`);
    this.available = limit;
  }

  /** Number of holders right now. */
  public get inUse(): number {
    return this.limit - this.available;
  }

  /** Waits for a permit; `first` puts the caller ahead of every waiter (FIFO among `first` callers). */
  public async acquire(first = false): Promise<void> {
    if (this.available > 0) {
      this.available--;
      return;
    }
    if (!first) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      return;
    }
    await new Promise<void>((resolve) => this.waiters.splice(this.firstWaiters++, 0, resolve));
  }

  public release(): void {
    if (this.firstWaiters > 0) this.firstWaiters--;
    const next = this.waiters.shift();
    if (next) next();
    else this.available++;
  }

  /** Runs `fn` while holding one permit; `first` as in `acquire`. */
  public async run<T>(fn: () => Promise<T>, first = false): Promise<T> {
    await this.acquire(first);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

/**
 * Maps `items` through `fn` with at most `limit` calls in flight; results keep the input order. The first
 * rejection rejects the whole map after in-flight calls settle (no new calls start).
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
  };
  const workers: Array<Promise<void>> = [];
  for (let i = 0; i < Math.min(Math.max(1, limit), items.length); i++) workers.push(worker());
  // The number of workers is bounded by `limit`.
  await Promise.all(workers);
  if (failed) throw failure;
  return results;
}
