/**
 * Google's error envelope: `{ error: { code, message, status, errors: [{ domain, reason, message }] } }`.
 * Handlers throw `ApiError`; the router turns it into the HTTP answer.
 */

const STATUS_BY_CODE: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

const API_ERROR = Symbol.for('workspace-mail-policy.emulator.ApiError');

export interface ApiErrorOptions {
  /** Google's `status` string. @default - derived from the HTTP code */
  readonly status?: string;
  /** `errors[0].domain`. @default 'global' */
  readonly domain?: string;
  /** Extra HTTP headers (e.g. Retry-After). */
  readonly headers?: Record<string, string>;
  readonly location?: string;
  readonly locationType?: string;
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

  public body(): object {
    const item: Record<string, string> = {
      message: this.message,
      domain: this.options.domain ?? 'global',
      reason: this.reason,
    };
    if (this.options.location) item.location = this.options.location;
    if (this.options.locationType) item.locationType = this.options.locationType;
    return {
      error: {
        code: this.code,
        message: this.message,
        errors: [item],
        status: this.options.status ?? STATUS_BY_CODE[this.code] ?? 'UNKNOWN',
      },
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

export function unauthenticated(): ApiError {
  return new ApiError(
    401,
    'authError',
    'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    {
      location: 'Authorization',
      locationType: 'header',
      headers: { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/"' },
    },
  );
}

export function insufficientScopes(): ApiError {
  return new ApiError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.', {
    headers: { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/", error="insufficient_scope"' },
  });
}

export function forbidden(message: string): ApiError {
  return new ApiError(403, 'forbidden', message);
}
