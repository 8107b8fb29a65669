/**
 * Retry, done once: exponential backoff with full jitter, a floor from the server's `Retry-After`, and a
 * deadline per call. What is retryable is decided by the caller's `classify`; gaxios' own retry is off.
 */

/** How long and how hard a call is retried. */
export interface RetryOptions {
  /**
   * Time budget of one call, retries and waits included, in milliseconds. A retry whose wait would end after
   * the deadline is not attempted; the call fails with `retriesExhausted` instead.
   * @default 120000
   */
  readonly deadlineMs?: number;
  /**
   * Cap of the first backoff; the cap doubles per attempt (full jitter: the wait is uniform in [0, cap]).
   * @default 1000
   */
  readonly baseDelayMs?: number;
  /**
   * Largest backoff cap, as in Google's guidance (32 s). A longer `Retry-After` is still honoured.
   * @default 32000
   */
  readonly maxDelayMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = { deadlineMs: 120_000, baseDelayMs: 1_000, maxDelayMs: 32_000 };

/** Time and randomness, injectable so tests never wait. */
export interface RetryEnvironment {
  /** Milliseconds, monotonic enough for deadlines. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
}

/** What `classify` says about a failure. */
export type RetryVerdict = { readonly retry: false } | { readonly retry: true; readonly retryAfterMs?: number };

/** Facts about a call that ran out of retries, for the caller's error. */
export interface RetryExhaustion {
  readonly lastError: unknown;
  readonly attempts: number;
  readonly elapsedMs: number;
}

export interface RunWithRetryOptions {
  readonly retry?: RetryOptions;
  readonly env: RetryEnvironment;
  readonly classify: (error: unknown) => RetryVerdict;
  /** Called before each wait (for counters). */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Builds the error thrown when the deadline forbids another attempt. */
  readonly giveUp: (exhaustion: RetryExhaustion) => Error;
}

/**
 * The wait before retry number `attempt + 1` (attempt 0 = after the first failure): full jitter over
 * `min(maxDelayMs, baseDelayMs · 2^attempt)`, never shorter than `retryAfterMs`.
 */
export function backoffDelay(attempt: number, options: RetryOptions, random: number, retryAfterMs?: number): number {
  const base = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const max = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const cap = Math.min(max, base * 2 ** Math.min(attempt, 30));
  const jittered = Math.floor(Math.min(Math.max(random, 0), 1) * cap);
  return retryAfterMs === undefined ? jittered : Math.max(Math.ceil(retryAfterMs), jittered);
}

/**
 * Parses an HTTP `Retry-After` value (delta seconds or an HTTP date) into milliseconds from `nowMs`;
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Runs `attempt` until it succeeds, `classify` says stop (the error is rethrown), or the deadline passes. */
export async function runWithRetry<T>(
  attempt: (attemptIndex: number) => Promise<T>,
  options: RunWithRetryOptions,
): Promise<T> {
  const deadline = options.retry?.deadlineMs ?? DEFAULT_RETRY.deadlineMs;
  const start = options.env.now();
  for (let index = 0; ; index++) {
    try {
      return await attempt(index);
    } catch (error) {
      const verdict = options.classify(error);
      if (!verdict.retry) throw error;
      const elapsedMs = options.env.now() - start;
      const delay = backoffDelay(index, options.retry ?? {}, options.env.random(), verdict.retryAfterMs);
      if (elapsedMs + delay > deadline) {
        throw options.giveUp({ lastError: error, attempts: index + 1, elapsedMs });
      }
      options.onRetry?.(error, index, delay);
      await options.env.sleep(delay);
    }
  }
}
