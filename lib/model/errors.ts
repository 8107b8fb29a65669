/**
 * The catalogue of errors: every error the library raises on purpose has a stable code listed here, so that
 * users and pipelines can match on it. Messages say what went wrong, the value received, what is allowed
 * and what to do. No message ever contains a secret value.
 *
 * Ranges: MP1xxx manifest and synth · MP2xxx Admin API · MP3xxx plan and apply · MP4xxx command line ·
 * MP5xxx import.
 */

export const ErrorCodes = {
  /** The manifest (or the construct tree) breaks one or more validation rules. */
  MANIFEST_INVALID: 'MP1000',
  /** A secret reference does not resolve (missing environment variable or file). */
  SECRET_UNRESOLVED: 'MP1100',
  /** Two stacks of one app declare the same object. */
  DUPLICATE_ACROSS_STACKS: 'MP1200',
  /** Unacknowledged warning-level findings or error-level findings stop synth. */
  FINDINGS_BLOCK_SYNTH: 'MP1300',
  /** A construct is in no stack of an installed framework (cdktf or cdktn), or neither is installed. */
  FRAMEWORK_UNAVAILABLE: 'MP1400',

  /** The credentials are missing, unreadable or rejected by the token endpoint. */
  CREDENTIALS: 'MP2000',
  /** The caller lacks a scope, a delegation grant or an admin role. Never retried. */
  PERMISSION_DENIED: 'MP2001',
  /** The object does not exist. */
  NOT_FOUND: 'MP2002',
  /** The object exists already. */
  ALREADY_EXISTS: 'MP2003',
  /** The API refused a request for a reason other than permissions (400, 412). */
  REQUEST_REFUSED: 'MP2004',
  /** The call kept failing with retryable errors until the retry deadline passed. */
  RETRIES_EXHAUSTED: 'MP2005',
  /** The API refuses writes to this policy setting; a person must change it in the Admin console. */
  POLICY_WRITE_REFUSED: 'MP2006',
  /** An SMTP endpoint fails a check Gmail makes when it saves a send-as address (DNS, connect, TLS, certificate, AUTH). */
  SMTP_ENDPOINT_FAILED: 'MP2007',

  /** The live state changed since the plan was saved. */
  PLAN_STALE: 'MP3000',
  /** A saved plan file cannot be read. */
  PLAN_FILE_INVALID: 'MP3001',
  /** An earlier version's ledger.json, to be carried over into the states, is unreadable or corrupt. */
  LEDGER_CORRUPT: 'MP3002',
  /** Some changes of an apply failed; the rest were done. */
  APPLY_INCOMPLETE: 'MP3003',
  /** The stack's state is locked by another apply or destroy (or a stale lock awaits `force-unlock`). */
  STATE_LOCKED: 'MP3005',
  /** Someone else wrote the stack's state since it was read; nothing of theirs was overwritten. */
  STATE_CONFLICT: 'MP3006',
  /** The stack's state is unreadable or breaks its format, or an update would put a secret or bad value in it. */
  STATE_UNREADABLE: 'MP3007',
  /** The state backend cannot be used: missing bucket, refused access, I/O error. */
  STATE_BACKEND: 'MP3008',
  /** A change breaks the plan's contract (a kind or action no executor knows, a target that does not fit). */
  PLAN_INVARIANT: 'MP3020',
  /** A saved plan is not what its manifests produce now (edited after review, or other code than was reviewed). */
  PLAN_NOT_REVIEWED: 'MP3021',

  /** The command line is wrong (unknown flag, missing value). */
  USAGE: 'MP4000',
  /** The cdktf app could not be run or produced no manifest. */
  APP_FAILED: 'MP4001',

  /** Import could not read or write what it needed. */
  IMPORT_FAILED: 'MP5000',
  /** The stack's state already records objects: an import would mix two histories (`--merge` records into it). */
  IMPORT_STATE_IN_USE: 'MP5001',
  /** A Terraform state or a GAM export cannot be read as one (not JSON or CSV, wrong format, missing columns). */
  IMPORT_SOURCE_INVALID: 'MP5002',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

const ERROR_SYM = Symbol.for('workspace-mail-policy.MailPolicyError');

/** An error raised on purpose, with a stable code from `ErrorCodes`. */
export class MailPolicyError extends Error {
  /** Whether `x` is a `MailPolicyError`, also across duplicate copies of the library. */
  public static isMailPolicyError(x: unknown): x is MailPolicyError {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[ERROR_SYM] === true;
  }

  public readonly code: ErrorCode;
  /** Structured facts for machines (never a secret). */
  public readonly details: Readonly<Record<string, unknown>>;

  public constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'MailPolicyError';
    this.code = code;
    this.details = details;
    Object.defineProperty(this, ERROR_SYM, { value: true });
  }

  /** `[MP1000] message`: how the command line prints it. */
  public format(): string {
    return `[${this.code}] ${this.message}`;
  }
}
