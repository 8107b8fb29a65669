/**
 * Reads a failed request (a GaxiosError from an API call or the token exchange, or a network error) into
 * plain facts, decides whether it is retryable, and maps it to an `AdminApiError`. Only the response's own
 * status, reason and message are used: request bodies (which hold SMTP passwords) never reach an error.
 */
import { AdminApiError, type AdminErrorKind } from '../admin-error';
import type { RetryVerdict } from '../retry';
import { parseRetryAfter } from '../retry';

/** Facts about one failed attempt. */
export interface FailureFacts {
  /** HTTP status, when a response came back. */
  readonly status?: number;
  /** Google's `errors[0].reason`, or the OAuth `error` of a token response. */
  readonly reason?: string;
  /** Google's `error.status` (`FAILED_PRECONDITION`, `RESOURCE_EXHAUSTED`, …). */
  readonly apiStatus?: string;
  /** The server's message, shortened. */
  readonly message: string;
  /** True when the token endpoint answered (OAuth error shape). */
  readonly oauth: boolean;
  /** Node/fetch error code for failures without a response (`ECONNRESET`, …) or `TIMEOUT`. */
  readonly network?: string;
  readonly retryAfterMs?: number;
}

/** 403 reasons that mean "slow down", not "forbidden". */
export const RETRYABLE_403_REASONS: ReadonlySet<string> = new Set([
  'rateLimitExceeded',
  'userRateLimitExceeded',
  'quotaExceeded',
]);
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'TIMEOUT',
]);
const PERMISSION_OAUTH_ERRORS = new Set(['unauthorized_client', 'access_denied', 'invalid_scope']);
const MAX_MESSAGE = 300;

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_MESSAGE ? `${oneLine.slice(0, MAX_MESSAGE)}…` : oneLine;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function headerValue(headers: unknown, name: string): string | undefined {
  const h = asRecord(headers);
  if (!h) return undefined;
  if (typeof h.get === 'function') return (h.get as (n: string) => string | null).call(headers, name) ?? undefined;
  const v = h[name] ?? h[name.toLowerCase()];
  return typeof v === 'string' ? v : undefined;
}

/** Extracts the facts of a failure; `undefined` when `error` is not an HTTP or network failure (a bug). */
export function readFailure(error: unknown, nowMs: number): FailureFacts | undefined {
  const e = asRecord(error);
  if (!e) return undefined;
  const response = asRecord(e.response);
  if (response && typeof response.status === 'number') {
    let data: unknown = response.data;
    if (typeof data === 'string') {
      try {
        data = JSON.parse(data);
      } catch {
        // A plain-text body (GAM has seen "Quota exceeded for the current request"): keep it as the message.
      }
    }
    const body = asRecord(data);
    const retryAfterMs = parseRetryAfter(headerValue(response.headers, 'retry-after'), nowMs);
    if (body && typeof body.error === 'string') {
      const description = typeof body.error_description === 'string' ? `: ${body.error_description}` : '';
      return {
        status: response.status,
        reason: body.error,
        message: shorten(`${body.error}${description}`),
        oauth: true,
        retryAfterMs,
      };
    }
    const apiError = asRecord(body?.error);
    const errors = Array.isArray(apiError?.errors) ? apiError.errors : [];
    const first = asRecord(errors[0]);
    let reason = typeof first?.reason === 'string' ? first.reason : undefined;
    const details = Array.isArray(apiError?.details) ? apiError.details : [];
    for (const detail of details) {
      const d = asRecord(detail);
      if (!reason && typeof d?.reason === 'string') reason = d.reason;
    }
    const rawMessage =
      typeof apiError?.message === 'string'
        ? apiError.message
        : typeof data === 'string'
          ? data
          : `HTTP ${response.status}`;
    return {
      status: response.status,
      reason,
      apiStatus: typeof apiError?.status === 'string' ? apiError.status : undefined,
      message: shorten(rawMessage),
      oauth: false,
      retryAfterMs,
    };
  }
  // Network failures: the code sits on the error or a few causes down (undici: TypeError('fetch failed').cause).
  let code: string | undefined;
  for (let link: Record<string, unknown> | undefined = e, depth = 0; link && depth < 5; depth++) {
    if (link.name === 'AbortError' || link.name === 'TimeoutError') {
      return { network: 'TIMEOUT', message: 'the request timed out', oauth: false };
    }
    if (code === undefined && typeof link.code === 'string' && /^[A-Z_]+$/.test(link.code)) code = link.code;
    link = asRecord(link.cause);
  }
  return code === undefined ? undefined : { network: code, message: `connection failed (${code})`, oauth: false };
}

/** Whether a failure is worth another attempt, honouring `Retry-After`. */
export function retryVerdict(facts: FailureFacts | undefined): RetryVerdict {
  if (!facts) return { retry: false };
  if (facts.network !== undefined) return NETWORK_CODES.has(facts.network) ? { retry: true } : { retry: false };
  const status = facts.status ?? 0;
  const retry =
    RETRYABLE_STATUSES.has(status) ||
    (status === 403 && facts.reason !== undefined && RETRYABLE_403_REASONS.has(facts.reason));
  return retry ? { retry: true, retryAfterMs: facts.retryAfterMs } : { retry: false };
}

/** What the mapper needs to know about the call to write a useful message. */
export interface CallContext {
  readonly method: string;
  /** The impersonated user. */
  readonly subject: string;
  /** Scope names the token asked for. */
  readonly scopes: readonly string[];
  /** The one scope this method needs (named in permission errors). */
  readonly requiredScope: string;
  readonly write: boolean;
  /** The service account's client ID, for the delegation grant. */
  readonly clientId?: string;
  /** Directory and Policy calls need an admin role too. */
  readonly adminCall: boolean;
}

function grantHint(ctx: CallContext, scopes: readonly string[]): string {
  const client = ctx.clientId ? ` (client ID ${ctx.clientId})` : '';
  return (
    `it must be in the service account's${client} domain-wide delegation grant ` +
    `(Admin console > Security > Access and data control > API controls > Domain-wide delegation): ` +
    scopes.map((s) => `https://www.googleapis.com/auth/${s}`).join(', ')
  );
}

function isPolicyWriteRefusal(facts: FailureFacts, ctx: CallContext): boolean {
  if (!ctx.method.startsWith('cloudidentity.policies.') || !ctx.write) return false;
  if (facts.status === 401 || facts.status === 404 || facts.status === 409) return false;
  return /mutat|not supported|unsupported|read[- ]?only|not (writable|modifiable|editable)/i.test(facts.message);
}

/** Maps a non-retryable failure to the engine's error kinds. */
export function toAdminApiError(facts: FailureFacts, ctx: CallContext): AdminApiError {
  const opts = { status: facts.status, reason: facts.reason };
  const said = `${facts.status !== undefined ? `${facts.status} ` : ''}${facts.reason ? `${facts.reason}: ` : ''}${facts.message}`;
  const make = (kind: AdminErrorKind, message: string): AdminApiError =>
    new AdminApiError(kind, ctx.method, message, opts);

  if (facts.oauth) {
    if (facts.reason !== undefined && PERMISSION_OAUTH_ERRORS.has(facts.reason)) {
      return make(
        'permission',
        `the token endpoint refused scopes ${ctx.scopes.join(', ')} for ${ctx.subject} (${facts.message}); ${grantHint(ctx, ctx.scopes)}`,
      );
    }
    return make(
      'credentials',
      `the token endpoint refused the service account's grant for ${ctx.subject} (${facts.message}); ` +
        `check that the key is current and not revoked and that ${ctx.subject} is a user of the domain`,
    );
  }
  if (facts.network !== undefined) return make('invalid', `the request failed: ${facts.message}`);
  const status = facts.status ?? 0;
  const reason = facts.reason ?? '';
  if (isPolicyWriteRefusal(facts, ctx)) {
    return make(
      'policyWriteRefused',
      `the Policy API refused to write this setting (${said}); change it in the Admin console: Apps > Google Workspace > Gmail > End User Access > Allow per-user outbound gateways`,
    );
  }
  if (status === 401 || status === 403) {
    const role = ctx.adminCall
      ? ` and ${ctx.subject} must be an admin allowed to make this call${ctx.method.startsWith('cloudidentity.') ? ' (the Policy API requires a super admin)' : ''}`
      : '';
    return make(
      'permission',
      `permission denied for ${ctx.subject} (${said}); this call needs the scope ${ctx.requiredScope}${role}; ${grantHint(ctx, [ctx.requiredScope])}`,
    );
  }
  if (status === 404 || reason === 'notFound') return make('notFound', `not found (${said})`);
  if (status === 409 || reason === 'alreadyExists' || reason === 'duplicate' || facts.apiStatus === 'ALREADY_EXISTS') {
    return make('alreadyExists', `already exists (${said})`);
  }
  if (
    status === 412 ||
    reason === 'failedPrecondition' ||
    reason === 'conditionNotMet' ||
    facts.apiStatus === 'FAILED_PRECONDITION'
  ) {
    return make('failedPrecondition', `precondition failed (${said})`);
  }
  return make('invalid', `the request was refused (${said})`);
}

/** The error thrown when retries ran out; names the last failure. */
export function exhaustedError(
  facts: FailureFacts | undefined,
  ctx: CallContext,
  attempts: number,
  elapsedMs: number,
): AdminApiError {
  const last = facts
    ? facts.network !== undefined
      ? facts.message
      : `${facts.status}${facts.reason ? ` ${facts.reason}` : ''}: ${facts.message}`
    : 'unknown failure';
  return new AdminApiError(
    'retriesExhausted',
    ctx.method,
    `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} in ${Math.round(elapsedMs / 1000)} s; last failure ${last}. Try again later or raise the retry deadline`,
    { status: facts?.status, reason: facts?.reason },
  );
}
