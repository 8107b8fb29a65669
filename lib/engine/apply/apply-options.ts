import type { WorkspaceAdmin } from '../../admin/workspace-admin';
import type { FingerprintKey } from '../../model/secret-ref';
import type { ManagedObject, StackState } from '../../state/stack-state';
import type { ManagedObjectInput } from '../../state/state-store';
import type { Change } from '../change';

/** What apply needs of the stack's state (`StateStore` is one). */
export interface ApplyState {
  /** The state in memory, updates of this run included. */
  readonly state: StackState;
  /** The record of an object, if the state has it. */
  object(id: string): ManagedObject | undefined;
  recordObject(id: string, object: ManagedObjectInput): Promise<void>;
  forgetObject(id: string): Promise<void>;
  /** Records that the Policy API refused a write of the gateway setting. */
  markPolicyWritesRefused(): Promise<void>;
}

/** Options of {@link applyPlan}. */
export interface ApplyOptions {
  /** The client, with write access. Its own retry and rate limiting stay in force. */
  readonly admin: WorkspaceAdmin;
  /**
   * The stack's state, loaded (and so checked) by the caller: each object is recorded once its change is done
   * (with the fingerprints of the credentials sent), forgotten once deleted or forgotten.
   */
  readonly state: ApplyState;
  /** Key of the credential fingerprints recorded in the state. */
  readonly fingerprintKey: FingerprintKey;
  /**
   * Environment that `env:NAME` secret references resolve in, at the moment of each call (never stored).
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Folder that `file:PATH` secret references resolve against.
   * @default process.cwd()
   */
  readonly cwd?: string;
  /**
   * Changes in flight at once (independent changes only; one user's send-as changes always run one at a time).
   * The client's own concurrency bound and rate limits still apply underneath.
   * @default 50 (the client's default concurrency)
   */
  readonly concurrency?: number;
  /**
   * How long to keep retrying an identity that Gmail refuses because the gateway setting has not propagated yet;
   * past it the identity is reported pending (exit code 3) and the next apply finishes it.
   * @default 900000 (15 minutes)
   */
  readonly propagationTimeoutMs?: number;
  /**
   * How long to wait for a manual step (a person changing the setting in the Admin console), polling the
   * policy; `0` does not wait: the changes that depend on the step are skipped and reported.
   * @default 0
   */
  readonly waitForManualMs?: number;
  /**
   * Interval between polls while waiting for a manual step.
   * @default 15000
   */
  readonly pollIntervalMs?: number;
  /**
   * First delay between retries of an identity refused for propagation; doubles up to 60 s.
   * @default 5000
   */
  readonly propagationRetryMs?: number;
  /**
   * Sleeps `ms` milliseconds (tests inject a fake clock).
   * @default setTimeout-based sleep
   */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Current time in milliseconds.
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * Receives progress events.
   * @default - events are dropped
   */
  readonly onEvent?: (event: ApplyEvent) => void;
  /**
   * Stops the run: no new call starts once aborted; unfinished changes are reported as failed or skipped.
   * @default - never aborted
   */
  readonly signal?: AbortSignal;
}

/** A send-as identity Gmail created `pending`: usable once the address's owner clicks the verification link. */
export interface AwaitingVerification {
  readonly userEmail: string;
  readonly sendAsEmail: string;
}

/** What happened to each change of the plan. Every change appears in exactly one of the five lists. */
export interface ApplyResult {
  readonly done: Change[];
  readonly failed: Array<{ readonly change: Change; readonly error: Error }>;
  /**
   * Changes Gmail does not accept yet: identities still refused when the propagation timeout passed, and
   * default switches to an identity still waiting for verification.
   */
  readonly pending: Change[];
  readonly skipped: Array<{ readonly change: Change; readonly reason: string }>;
  /**
   * Manual steps not confirmed done (a person must act, then apply again). A manual step apply saw take effect
   * while waiting (`waitForManualMs`) is in `done`.
   */
  readonly manual: Change[];
  /**
   * Identities this run created (or converged) that Gmail holds as `pending` until the owner of the address
   * confirms the verification mail; `mailpolicy verify` sends it again.
   */
  readonly awaitingVerification: AwaitingVerification[];
  /** Calls sent per method during this run, retries included (from the client's stats). */
  readonly calls: Readonly<Record<string, number>>;
  /** Whether the run was stopped through `signal` before it finished. */
  readonly aborted: boolean;
}

/** Progress of a run, in order. Events never carry a secret. */
export type ApplyEvent =
  | { readonly type: 'started'; readonly total: number }
  | { readonly type: 'change-started'; readonly change: Change }
  | { readonly type: 'change-done'; readonly change: Change; readonly note?: string }
  | { readonly type: 'change-failed'; readonly change: Change; readonly error: Error }
  | { readonly type: 'change-pending'; readonly change: Change; readonly reason: string }
  | { readonly type: 'change-skipped'; readonly change: Change; readonly reason: string }
  | { readonly type: 'manual-step'; readonly change: Change; readonly steps: readonly string[] }
  | { readonly type: 'waiting'; readonly change: Change; readonly reason: string; readonly elapsedMs: number }
  | { readonly type: 'finished'; readonly result: ApplyResult };

/** Exit codes of `mailpolicy apply`. */
export const ApplyExitCodes = {
  /** Every change of the plan is done. */
  DONE: 0,
  /** At least one change failed (or the run was aborted); what failed and what was done is listed. */
  FAILED: 1,
  /**
   * Nothing failed, but identities are pending: Gmail refused them until the gateway setting propagates (past
   * the propagation timeout), and the changes depending on them were skipped. Run apply again later.
   */
  PENDING: 3,
  /**
   * Nothing failed, but manual steps are not confirmed (a person must change the setting in the Admin console)
   * and the changes depending on them were skipped. Do the steps, then apply again (or use `waitForManualMs`).
   */
  MANUAL: 4,
} as const;

/**
 * The exit code of a run: 0 all done; 1 a change failed or the run was aborted; 4 manual steps wait for a person;
 * 3 identities wait for the gateway setting to propagate. When several apply, the first in that order wins.
 */
export function applyExitCode(result: ApplyResult): 0 | 1 | 3 | 4 {
  if (result.failed.length > 0 || result.aborted) return ApplyExitCodes.FAILED;
  if (result.manual.length > 0) return ApplyExitCodes.MANUAL;
  if (result.pending.length > 0 || result.skipped.length > 0) return ApplyExitCodes.PENDING;
  return ApplyExitCodes.DONE;
}
