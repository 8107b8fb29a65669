/**
 * Options of `createWorkspaceAdmin`: credentials, target endpoints, and the limits that keep the client under
 * Google's quotas.
 */
import type { RetryOptions } from './retry';
import type { GmailReadScope } from './scopes';
import type { ServiceAccountKey } from './service-account-key';
import type { AccessLevel, TargetInfo } from './workspace-admin';

/** Where the client sends API and token requests. Absent = Google. */
export interface AdminEndpoint {
  /** Replaces scheme, host and port of every API URL, for example `http://127.0.0.1:8085/`. */
  readonly rootUrl: string;
  /** Where the JWT-bearer token exchange goes instead of `https://oauth2.googleapis.com/token`. */
  readonly tokenUrl: string;
}

/**
 * Client-side rate limits, in Google's quota units per minute. Each limit is a token bucket that refills
 * continuously and holds `burstSeconds` of refill. `Infinity` turns a bucket off (for example against an
 * emulator without quotas). The defaults are Google's published figures (google-apis.md §5).
 */
export interface RateLimitOptions {
  /**
   * Gmail units per minute for the whole project (sendAs create/patch/update/verify 100, delete 5, get/list 1).
   * @default 1200000 (Gmail "per minute per project")
   */
  readonly gmailUnitsPerMinute?: number;
  /**
   * Gmail units per minute per user (the mailbox being changed).
   * @default 6000 (Gmail "per minute per user per project", the current generation; older projects have 15000)
   */
  readonly gmailUserUnitsPerMinute?: number;
  /**
   * Directory API queries per minute (all made as the admin, so one bucket).
   * @default 2400 (Directory "queries per minute per user per Google Cloud project")
   */
  readonly directoryQueriesPerMinute?: number;
  /**
   * Cloud Identity Policy API queries per minute. Google publishes no figure; 429s beyond it are retried.
   * @default 600
   */
  readonly policyQueriesPerMinute?: number;
  /**
   * Seconds of refill a bucket holds, i.e. the largest burst. Any 60 s window sees at most
   * (60 + burstSeconds) / 60 of the rate.
   * @default 2
   */
  readonly burstSeconds?: number;
}

export const DEFAULT_RATE_LIMITS: Required<RateLimitOptions> = {
  gmailUnitsPerMinute: 1_200_000,
  gmailUserUnitsPerMinute: 6_000,
  directoryQueriesPerMinute: 2_400,
  policyQueriesPerMinute: 600,
  burstSeconds: 2,
};

export interface WorkspaceAdminOptions {
  /** A parsed service-account key, or the path of its JSON file. */
  readonly credentials: ServiceAccountKey | string;
  /** The admin the client impersonates for Directory and Policy calls (a super admin for the Policy API). */
  readonly adminEmail: string;
  /**
   * Directory customer id.
   * @default 'my_customer'
   */
  readonly customerId?: string;
  /** `read` asks only read-only scopes (plan); `write` asks the write scopes (apply). */
  readonly access: AccessLevel;
  /**
   * The scope a `read` client reads send-as addresses with: `basic` (`gmail.settings.basic`, which could also
   * change settings) or `readonly` (`gmail.readonly`, which changes nothing but could read mail). Gmail has no
   * scope that only reads settings.
   * @default 'basic'
   */
  readonly gmailReadScope?: GmailReadScope;
  /**
   * API root and token URL of an emulator.
   * @default - Google's endpoints
   */
  readonly endpoint?: AdminEndpoint;
  /**
   * What commands print about the target.
   * @default - derived from `endpoint`, `customerId` and `adminEmail`
   */
  readonly target?: TargetInfo;
  /**
   * Retry deadline and backoff.
   * @default - see `DEFAULT_RETRY` (120 s deadline, 1 s base, 32 s cap)
   */
  readonly retry?: RetryOptions;
  /**
   * Most API calls in flight at once, over all methods and users.
   * @default 50
   */
  readonly concurrency?: number;
  /**
   * Calls per Gmail batch request in `listSendAsMany` (Google allows 100 and recommends at most 50 for Gmail);
   * 1 sends every call on its own.
   * @default 50
   */
  readonly gmailBatchParts?: number;
  /**
   * Client-side quotas.
   * @default - see `DEFAULT_RATE_LIMITS`
   */
  readonly rateLimit?: RateLimitOptions;
  /**
   * Time budget of one HTTP attempt in milliseconds; a timeout counts as a retryable failure.
   * @default 60000
   */
  readonly attemptTimeoutMs?: number;
  /**
   * Waits, for backoff and rate limiting.
   * @default - a `setTimeout` promise
   */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Uniform random in [0, 1), for jitter.
   * @default Math.random
   */
  readonly random?: () => number;
  /**
   * Clock in milliseconds, for deadlines and buckets.
   * @default Date.now
   */
  readonly now?: () => number;
}
