/**
 * Traffic shaping: seeded randomness, latency (a non-blocking timer), injected faults and token-bucket quotas.
 */
import type { FaultRates, Knobs } from '../emulator-types';
import { ApiError } from './google-error';
import type { ApiFamily, MethodInfo } from './methods';

/** mulberry32: a small, fast, seedable generator (deterministic under a seed). */
export class Random {
  private state: number;
  public constructor(seed: number) {
    this.state = seed >>> 0;
  }
  public next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

export type FaultOutcome = 'none' | 'reset' | ApiError;

/** The fault drawn for one call of `method` (one draw per call, in call order). */
export function drawFault(knobs: Knobs, method: MethodInfo, random: Random): FaultOutcome {
  const rates: FaultRates = knobs.faults.methods?.[method.id] ?? knobs.faults;
  const r = random.next();
  let acc = 0;
  for (const kind of ['reset', '429', '500', '503'] as const) {
    acc += rates[kind] ?? 0;
    if (r < acc) {
      if (kind === 'reset') return 'reset';
      if (kind === '429') return rateLimited(method.family, 'user', 1, true);
      if (kind === '500') return new ApiError(500, 'backendError', 'Internal error encountered.');
      return new ApiError(503, 'backendError', 'The service is currently unavailable.');
    }
  }
  return 'none';
}

/** The rate-limit answer of each API family (Gmail and Policy: 429; Directory: 403). */
export function rateLimited(
  family: ApiFamily,
  who: 'user' | 'project',
  retryAfterSeconds: number,
  injected = false,
): ApiError {
  const headers = { 'Retry-After': String(retryAfterSeconds) };
  if (family === 'directory' && !injected) {
    return who === 'user'
      ? new ApiError(403, 'userRateLimitExceeded', 'User Rate Limit Exceeded', { domain: 'usageLimits', headers })
      : new ApiError(
          403,
          'quotaExceeded',
          "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute'.",
          { domain: 'usageLimits', headers },
        );
  }
  return who === 'user'
    ? new ApiError(429, 'userRateLimitExceeded', 'User-rate limit exceeded.', { domain: 'usageLimits', headers })
    : new ApiError(429, 'rateLimitExceeded', 'Rate Limit Exceeded', { domain: 'usageLimits', headers });
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets per project and per user, refilled continuously at `perMinute / 60000` units per ms. */
export class Quotas {
  private readonly buckets = new Map<string, Bucket>();

  public reset(): void {
    this.buckets.clear();
  }

  /** Takes `units` from the project's and the user's buckets, or throws the family's rate-limit error. */
  public take(knobs: Knobs, method: MethodInfo, project: string, user: string, now = Date.now()): void {
    const checks: ['project' | 'user', string, number | undefined][] = [
      ['project', `p:${project}`, knobs.quotaProjectPerMinute],
      ['user', `u:${project}:${user}`, knobs.quotaUserPerMinute],
    ];
    const ready: [Bucket, number][] = [];
    for (const [who, key, perMinute] of checks) {
      if (perMinute === undefined || !(perMinute > 0)) continue;
      const rate = perMinute / 60_000;
      let b = this.buckets.get(key);
      if (!b) {
        b = { tokens: perMinute, at: now };
        this.buckets.set(key, b);
      }
      b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * rate);
      b.at = now;
      const need = Math.min(method.units, perMinute);
      if (b.tokens < need) {
        throw rateLimited(method.family, who, Math.max(1, Math.ceil((need - b.tokens) / rate / 1000)));
      }
      ready.push([b, need]);
    }
    for (const [b, units] of ready) b.tokens -= units;
  }
}

/** Waits `ms` without blocking the event loop. */
export function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
