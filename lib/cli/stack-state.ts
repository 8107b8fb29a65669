import { declaredObjects, recordOf } from '../engine/managed-objects';
import type { Manifest } from '../model/manifest';
import {
  acquireLock,
  migrateLedger,
  openStateBackend,
  readLegacyLedger,
  stateFromLedger,
  StateStore,
  type DeclaredObject,
  type StackState,
  type StateBackend,
  type StateLock,
} from '../state';
import type { WorkspaceDir } from './workspace-dir';

/**
 * Where each command finds a stack's state: `--state URL`, else `MAILPOLICY_STATE`, else the `file:` backend in
 * the app's `.mailpolicy/state/`. `plan` and `drift` only read it (never lock it); `apply` and `destroy` take the
 * stack's lock first and hold it to the end. A `.mailpolicy/ledger.json` of an earlier version is carried over once,
 * under the lock; a plan reads it as the state would be, without writing.
 */

/** The state a plan is computed against. */
export interface PlanningState {
  readonly state: StackState;
  /** No state was found (nor a ledger to carry over): removals cannot be detected, credentials are sent. */
  readonly missing: boolean;
  /** Where the state lives, for messages. */
  readonly where: string;
  /** Set for apply and destroy: the store to record into, bound to the held lock. */
  readonly store?: StateStore;
  /** Set for apply and destroy: releases the lock. Safe to call more than once. */
  release(): Promise<void>;
}

/** Options of the state of a command. */
export interface StateOptions {
  /** `--state URL`. @default - `MAILPOLICY_STATE`, else `file:.mailpolicy/state` of the app */
  readonly url?: string;
}

/** The declared objects of a manifest as the ledger migration wants them (fields and removal policy). */
function declaredForMigration(manifest: Manifest): Map<string, DeclaredObject> {
  const out = new Map<string, DeclaredObject>();
  for (const [id, object] of declaredObjects(manifest)) {
    const {
      origin: _origin,
      appliedDigest: _digest,
      updatedAt: _at,
      ...fields
    } = recordOf(object, 'adopted', undefined);
    const { credentials: _credentials, ...identity } = fields as typeof fields & { credentials?: unknown };
    out.set(id, identity as DeclaredObject);
  }
  return out;
}

function backendOf(workspace: WorkspaceDir, env: NodeJS.ProcessEnv, options: StateOptions): StateBackend {
  return openStateBackend({ appDir: workspace.appDir, url: options.url, env });
}

/** Reads the state of a stack for a plan: no lock, nothing written. */
export async function readStateForPlan(
  manifest: Manifest,
  workspace: WorkspaceDir,
  env: NodeJS.ProcessEnv,
  options: StateOptions = {},
): Promise<PlanningState> {
  const backend = backendOf(workspace, env, options);
  const store = await StateStore.load(backend, manifest.stack);
  const release = async (): Promise<void> => undefined;
  if (store.missing) {
    const ledger = await readLegacyLedger(workspace.ledgerFile);
    if (ledger) {
      const { state } = stateFromLedger(ledger, manifest.stack, { declared: declaredForMigration(manifest) });
      return {
        state,
        missing: false,
        where: `${store.where} (to be carried over from ${workspace.ledgerFile})`,
        release,
      };
    }
  }
  return { state: store.state, missing: store.missing, where: store.where, release };
}

/**
 * Takes the stack's lock for `operation` (waiting up to `lockTimeoutMs`), carries a ledger over if the stack has no
 * state yet, and loads the state into a store bound to the lock. The caller must `release()`.
 */
export async function lockStateForApply(
  manifest: Manifest,
  workspace: WorkspaceDir,
  env: NodeJS.ProcessEnv,
  operation: 'apply' | 'destroy',
  options: StateOptions & { readonly lockTimeoutMs?: number } = {},
): Promise<PlanningState> {
  const backend = backendOf(workspace, env, options);
  const lock: StateLock = await acquireLock(backend, manifest.stack, { operation, timeoutMs: options.lockTimeoutMs });
  try {
    let store = await StateStore.load(backend, manifest.stack, { lock });
    if (store.missing && (await readLegacyLedger(workspace.ledgerFile))) {
      await migrateLedger({
        backend,
        ledgerPath: workspace.ledgerFile,
        stacks: [manifest.stack],
        declared: (stack) => (stack === manifest.stack ? declaredForMigration(manifest) : undefined),
      });
      store = await StateStore.load(backend, manifest.stack, { lock });
    }
    return { state: store.state, missing: store.missing, where: store.where, store, release: () => lock.release() };
  } catch (error) {
    await lock.release();
    throw error;
  }
}
