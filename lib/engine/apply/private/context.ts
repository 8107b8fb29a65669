import { AdminApiError, type AdminErrorKind } from '../../../admin/admin-error';
import type { OrgUnitRecord, WorkspaceAdmin } from '../../../admin/workspace-admin';
import { orgUnitKey } from '../../../model/org-unit-path';
import type { FingerprintKey } from '../../../model/secret-ref';
import { Semaphore } from '../../../util/concurrency';
import type { Learnt } from '../../managed-objects';
import type { ApplyEvent, ApplyState, AwaitingVerification } from '../apply-options';

/** What one change's executor reports back to the scheduler. Failures are thrown. */
export type ChangeOutcome =
  | {
      readonly status: 'done';
      readonly note?: string;
      readonly learnt?: Learnt;
      /** The identity this change created is held by Gmail until its owner confirms the verification mail. */
      readonly awaitingVerification?: AwaitingVerification;
    }
  | { readonly status: 'pending'; readonly reason: string }
  | { readonly status: 'manual'; readonly steps: readonly string[] };

/** Everything an executor needs, shared by all changes of one run. */
export interface RunContext {
  readonly admin: WorkspaceAdmin;
  readonly state: ApplyState;
  readonly fingerprintKey: FingerprintKey;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly propagationTimeoutMs: number;
  readonly propagationRetryMs: number;
  readonly waitForManualMs: number;
  readonly pollIntervalMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  readonly emit: (event: ApplyEvent) => void;
  /** Bounds the calls in flight: every API call of an executor runs inside `slot`. */
  readonly slot: <T>(fn: () => Promise<T>) => Promise<T>;
  /** OUs created or moved in this run, by lower-cased path: their ids for policies set right after. */
  readonly orgUnits: Map<string, OrgUnitRecord>;
}

const ABORTED_SYM = Symbol.for('workspace-mail-policy.ApplyAbortedError');

/** An error marking a run stopped through its abort signal. */
export class ApplyAbortedError extends Error {
  public static isApplyAborted(x: unknown): x is ApplyAbortedError {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[ABORTED_SYM] === true;
  }

  public constructor() {
    super('apply was aborted before this change finished');
    this.name = 'ApplyAbortedError';
    Object.defineProperty(this, ABORTED_SYM, { value: true });
  }
}

/** Whether `error` is an `AdminApiError` of one of `kinds`. */
export function isAdminError(error: unknown, ...kinds: AdminErrorKind[]): error is AdminApiError {
  return AdminApiError.isAdminApiError(error) && kinds.includes(error.kind);
}

/** Creates the `slot` function of a run. */
export function createSlot(concurrency: number): <T>(fn: () => Promise<T>) => Promise<T> {
  const semaphore = new Semaphore(concurrency);
  return (fn) => semaphore.run(fn);
}

/**
 * Wraps a client so that no call starts once `signal` is aborted (simulates a killed process in tests and stops
 * a run cleanly on Ctrl-C).
 */
export function guardAdmin(admin: WorkspaceAdmin, signal: AbortSignal | undefined): WorkspaceAdmin {
  if (!signal) return admin;
  return new Proxy(admin, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'stats') return value;
      return (...args: unknown[]): unknown => {
        if (signal.aborted) return Promise.reject(new ApplyAbortedError());
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/**
 * Retries `fn` a few times while it fails with `notFound`: right after an OU is created, Google may not find it
 * for a moment.
 */
export async function retryNotFound<T>(ctx: RunContext, fn: () => Promise<T>, attempts = 5): Promise<T> {
  let delay = 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.slot(fn);
    } catch (error) {
      if (attempt >= attempts || !isAdminError(error, 'notFound')) throw error;
      await ctx.sleep(delay);
      delay = Math.min(delay * 2, 8000);
    }
  }
}

/**
 * The id of the OU at `path` (the client's records carry ids without Google's `id:` prefix): the id the plan observed, else from this run's creates and moves, else from a fresh
 * list (retried briefly: an OU created a moment ago may not be listed yet).
 */
export async function resolveOrgUnitId(ctx: RunContext, path: string, knownId?: string): Promise<string> {
  if (knownId !== undefined && knownId.length > 0) return knownId;
  const known = ctx.orgUnits.get(orgUnitKey(path));
  if (known) return known.orgUnitId;
  const found = await retryNotFound(ctx, async () => {
    const all = await ctx.admin.listOrgUnits();
    const match = all.find((ou) => orgUnitKey(ou.orgUnitPath) === orgUnitKey(path));
    if (!match) {
      throw new AdminApiError('notFound', 'directory.orgunits.list', `organisational unit ${path} is not in the list`);
    }
    return match;
  });
  ctx.orgUnits.set(orgUnitKey(found.orgUnitPath), found);
  return found.orgUnitId;
}
