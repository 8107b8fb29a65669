/**
 * Google's error envelopes. Gmail and Directory answer the legacy shape `{ error: { code, message, errors:
 * [{ domain, reason, message }], status } }`; Cloud Identity answers a `google.rpc.Status`: `{ error: { code,
 * message, status, details: [...] } }` without `errors`. Handlers throw `ApiError`; the router renders it for
 * the API family of the call.
 */
import type { ApiFamily } from './methods';

const STATUS_BY_CODE: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

const SERVICES: Record<ApiFamily, string> = {
  gmail: 'gmail.googleapis.com',
  directory: 'admin.googleapis.com',
  policy: 'cloudidentity.googleapis.com',
};

const API_ERROR = Symbol.for('workspace-mail-policy.emulator.ApiError');

export interface ApiErrorOptions {
  /** Google's `status` string. @default - derived from the HTTP code */
  readonly status?: string;
  /** `errors[0].domain`. @default 'global' */
  readonly domain?: string;
  /** `errors[0].message`. @default - the error's message */
  readonly itemMessage?: string;
  /** Extra HTTP headers (e.g. Retry-After). */
  readonly headers?: Record<string, string>;
  readonly location?: string;
  readonly locationType?: string;
  /** A `google.rpc.ErrorInfo` reason with domain `googleapis.com` (authentication and scope errors). */
  readonly errorInfoReason?: string;
  /** Typed `details` (e.g. `google.rpc.BadRequest`); they replace the default ErrorInfo. */
  readonly details?: readonly object[];
}

/** `badRequest` → `BAD_REQUEST`. */
function upperSnake(reason: string): string {
  return reason.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export class ApiError extends Error {
  public static isApiError(x: unknown): x is ApiError {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[API_ERROR] === true;
  }

  public constructor(
    public readonly code: number,
    public readonly reason: string,
    message: string,
    public readonly options: ApiErrorOptions = {},
  ) {
    super(message);
    Object.defineProperty(this, API_ERROR, { value: true });
  }

  /** The JSON answer for a call of `family` (Gmail/Directory shape when the family is unknown). */
  public body(family: ApiFamily | undefined): object {
    const status = this.options.status ?? STATUS_BY_CODE[this.code] ?? 'UNKNOWN';
    const service = SERVICES[family ?? 'gmail'];
    const errorInfo = this.options.errorInfoReason
      ? [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: this.options.errorInfoReason,
            domain: 'googleapis.com',
            metadata: { service },
          },
        ]
      : undefined;
    const details = this.options.details ?? errorInfo;
    if (family === 'policy') {
      return {
        error: {
          code: this.code,
          message: this.message,
          status,
          details: details ?? [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: upperSnake(this.reason),
              domain: service,
              metadata: { service },
            },
          ],
        },
      };
    }
    const item: Record<string, string> = {
      message: this.options.itemMessage ?? this.message,
      domain: this.options.domain ?? 'global',
      reason: this.reason,
    };
    if (this.options.location) item.location = this.options.location;
    if (this.options.locationType) item.locationType = this.options.locationType;
    return {
      error: { code: this.code, message: this.message, errors: [item], status, ...(details ? { details } : {}) },
    };
  }
}

/** 400 `invalidArgument` (Gmail style). */
export function invalidArgument(message: string): ApiError {
  return new ApiError(400, 'invalidArgument', message);
}

/** 400 `failedPrecondition`, status FAILED_PRECONDITION (Gmail style). */
export function failedPrecondition(message: string): ApiError {
  return new ApiError(400, 'failedPrecondition', message, { status: 'FAILED_PRECONDITION' });
}

export function notFound(message: string): ApiError {
  return new ApiError(404, 'notFound', message);
}

const AUTH_HEADERS = { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/"' };

/** 401 for a request that carries no credential at all (morelab #17, google-api-php-client #2479). */
export function credentialsMissing(): ApiError {
  return new ApiError(
    401,
    'required',
    'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    {
      itemMessage: 'Login Required.',
      location: 'Authorization',
      locationType: 'header',
      errorInfoReason: 'CREDENTIALS_MISSING',
      headers: AUTH_HEADERS,
    },
  );
}

/** 401 for an unknown or expired bearer token. */
export function unauthenticated(expired: boolean): ApiError {
  return new ApiError(
    401,
    'authError',
    'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    {
      itemMessage: 'Invalid Credentials',
      location: 'Authorization',
      locationType: 'header',
      errorInfoReason: expired ? 'ACCESS_TOKEN_EXPIRED' : 'ACCESS_TOKEN_TYPE_UNSUPPORTED',
      headers: AUTH_HEADERS,
    },
  );
}

export function insufficientScopes(): ApiError {
  return new ApiError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.', {
    itemMessage: 'Insufficient Permission',
    errorInfoReason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
    headers: { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/", error="insufficient_scope"' },
  });
}

export function forbidden(message: string): ApiError {
  return new ApiError(403, 'forbidden', message);
}

/** One `google.rpc.BadRequest` field violation. */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

/** 400 INVALID_ARGUMENT listing every violation: `errors[]` reason `invalid` and a `google.rpc.BadRequest`. */
export function badRequestFields(violations: readonly FieldViolation[]): ApiError {
  return new ApiError(400, 'invalid', violations.map((v) => v.description).join('\n'), {
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: violations.map((v) => (v.field === '' ? { description: v.description } : v)),
      },
    ],
  });
}
