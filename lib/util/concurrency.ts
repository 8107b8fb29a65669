/**
 * Bounded concurrency: a semaphore and a bounded `map`. Used wherever many API calls could start at once,
 * so no code path fans out without a limit.
 */

/** A counting semaphore with FIFO hand-off. */
export class Semaphore {
  private available: number;
  private readonly waiters: Array<() => void> = [];

  public constructor(public readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`semaphore limit must be an integer ≥ 1, got ${limit}`);
    this.available = limit;
  }

  /** Number of holders right now. */
  public get inUse(): number {
    return this.limit - this.available;
  }

  public async acquire(): Promise<void> {
    if (this.available > 0) {
      this.available--;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  public release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.available++;
  }

  /** Runs `fn` while holding one permit. */
  public async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
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
