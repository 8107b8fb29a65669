import { ErrorCodes, MailPolicyError, type ErrorCode } from '../model/errors';

/**
 * How the engine tells failures apart. Every failure of a `WorkspaceAdmin` call is an `AdminApiError` with
 * one of these kinds; retryable ones have already been retried by the client when they surface.
 */
export type AdminErrorKind =
  | 'credentials' // token endpoint refused (bad key, unknown client, sub not a user)
  | 'permission' // 401/403 not about rate limits: missing scope, grant or admin role
  | 'notFound'
  | 'alreadyExists'
  | 'failedPrecondition' // 400 failedPrecondition / 412 conditionNotMet (e.g. gateway not allowed yet)
  | 'invalid' // other 400s
  | 'policyWriteRefused' // the Policy API refuses writes to this setting
  | 'retriesExhausted'; // 429/5xx/reset kept happening until the deadline

const CODE_OF: Record<AdminErrorKind, ErrorCode> = {
  credentials: ErrorCodes.CREDENTIALS,
  permission: ErrorCodes.PERMISSION_DENIED,
  notFound: ErrorCodes.NOT_FOUND,
  alreadyExists: ErrorCodes.ALREADY_EXISTS,
  failedPrecondition: ErrorCodes.REQUEST_REFUSED,
  invalid: ErrorCodes.REQUEST_REFUSED,
  policyWriteRefused: ErrorCodes.POLICY_WRITE_REFUSED,
  retriesExhausted: ErrorCodes.RETRIES_EXHAUSTED,
};

const ADMIN_ERROR_SYM = Symbol.for('workspace-mail-policy.AdminApiError');

export class AdminApiError extends MailPolicyError {
  public static isAdminApiError(x: unknown): x is AdminApiError {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[ADMIN_ERROR_SYM] === true;
  }

  public readonly kind: AdminErrorKind;
  /** Method id, for example `gmail.users.settings.sendAs.create`. */
  public readonly method: string;
  public readonly status?: number;
  /** Google's `errors[0].reason` or OAuth `error`, when present. */
  public readonly reason?: string;

  public constructor(
    kind: AdminErrorKind,
    method: string,
    message: string,
    options: { status?: number; reason?: string } = {},
  ) {
    super(CODE_OF[kind], `${method}: ${message}`, { kind, method, status: options.status, reason: options.reason });
    this.name = 'AdminApiError';
    this.kind = kind;
    this.method = method;
    this.status = options.status;
    this.reason = options.reason;
    Object.defineProperty(this, ADMIN_ERROR_SYM, { value: true });
  }
}
