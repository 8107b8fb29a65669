import { declaredObjects, recordOf, type DeclaredObject } from '../engine/managed-objects';
import { ErrorCodes, MailPolicyError } from '../model/errors';
import type { Manifest } from '../model/manifest';
import {
  acquireLock,
  assertStackName,
  readLegacyLedger,
  StateStore,
  type ManagedObjectKind,
  type StateBackend,
  type StateLock,
} from '../state';

/**
 * What `mailpolicy import` does to the stack's state: every object the generated code declares and the tenant
 * already has is recorded as **adopted**, with the digest of its generated spec, so the first plan knows the stack
 * manages it (a later removal from code is a delete, or a forget under `RemovalPolicy.RETAIN`), and a difference
 * from the tenant reads as a change made outside the code. No credential fingerprint is recorded: Gmail never
 * returns SMTP credentials, so the first apply sends each identity's once and records them.
 *
 * The state is locked from before the tenant is read until the records are written; a state that already records
 * objects of the stack is refused unless the caller merges on purpose.
 */

/** Options of {@link prepareAdoption}. */
export interface PrepareAdoptionOptions {
  readonly backend: StateBackend;
  readonly stack: string;
  /**
   * Record into a state that already has objects (kept as they are unless the import declares them too).
   * @default false - such a state is refused with MP5001 before anything is read or written
   */
  readonly merge?: boolean;
  /**
   * How long to wait for the stack's lock held by an apply or destroy, in milliseconds.
   * @default 0 (fail at once)
   */
  readonly lockTimeoutMs?: number;
  /**
   * The app's `ledger.json` of an earlier version: a ledger listing objects of the stack counts as a state in use.
   * @default - not checked
   */
  readonly ledgerFile?: string;
}

/** What an adoption recorded. */
export interface AdoptionResult {
  /** Where the state lives. */
  readonly where: string;
  /** State keys recorded as adopted, sorted. */
  readonly adopted: readonly string[];
  /** Declared objects the tenant does not have: not recorded, so the first plan creates them. */
  readonly notInTenant: readonly string[];
  /** Adopted objects by kind. */
  readonly counts: Readonly<Record<ManagedObjectKind, number>>;
}

/** A locked, checked state, ready to record the import's objects. */
export interface PreparedAdoption {
  readonly where: string;
  /**
   * Records every object `manifest` declares for which `inTenant` is true, as adopted (an object the state had
   * already keeps its origin). Writes once, under the lock.
   */
  record(manifest: Manifest, inTenant: (object: DeclaredObject) => boolean): Promise<AdoptionResult>;
  /** Releases the lock; safe to call more than once. */
  release(): Promise<void>;
}

/**
 * Takes the stack's lock (operation `import`) and loads its state. Throws MP3005 when an apply or destroy holds the
 * lock, MP5001 when the state (or a legacy ledger) already records objects and `merge` is not set; the lock is
 * released on every failure.
 */
export async function prepareAdoption(options: PrepareAdoptionOptions): Promise<PreparedAdoption> {
  assertStackName(options.stack);
  const { backend, stack } = options;
  const lock: StateLock = await acquireLock(backend, stack, { operation: 'import', timeoutMs: options.lockTimeoutMs });
  try {
    const store = await StateStore.load(backend, stack, { lock });
    const existing = Object.keys(store.state.objects).length;
    if (existing > 0 && !options.merge) {
      throw new MailPolicyError(
        ErrorCodes.IMPORT_STATE_IN_USE,
        `the state ${store.where} already records ${existing} object${existing === 1 ? '' : 's'} of stack '${stack}': ` +
          'an import would mix two histories. Nothing was read or written. Pass --merge to record the imported ' +
          'objects into it (the objects it has stay as they are), choose another --stack or --state, or pass ' +
          '--code-only to write the code without touching the state.',
        { stack, where: store.where, objects: existing },
      );
    }
    if (store.missing && options.ledgerFile && !options.merge) {
      const ledger = await readLegacyLedger(options.ledgerFile);
      const listed = ledger?.inPlace?.[stack]?.length ?? 0;
      if (listed > 0) {
        throw new MailPolicyError(
          ErrorCodes.IMPORT_STATE_IN_USE,
          `${options.ledgerFile} of an earlier version lists ${listed} object${listed === 1 ? '' : 's'} of stack ` +
            `'${stack}', which the next plan or apply carries over into its state: an import would mix two ` +
            'histories. Nothing was read or written. Pass --merge, choose another --stack, or pass --code-only.',
          { stack, ledger: options.ledgerFile },
        );
      }
    }
    return {
      where: store.where,
      release: () => lock.release(),
      record: async (manifest, inTenant) => {
        const counts: Record<ManagedObjectKind, number> = {
          orgUnit: 0,
          gatewayPolicy: 0,
          userPlacement: 0,
          sendAs: 0,
          alias: 0,
        };
        const adopted: string[] = [];
        const notInTenant: string[] = [];
        const writes: Array<Promise<void>> = [];
        for (const [id, object] of declaredObjects(manifest)) {
          if (!inTenant(object)) {
            notInTenant.push(id);
            continue;
          }
          // Updates are coalesced by the store: started together, they go out in one write.
          writes.push(store.recordObject(id, recordOf(object, 'adopted', store.object(id))));
          adopted.push(id);
          counts[object.kind]++;
        }
        await Promise.all(writes);
        await store.flush();
        return { where: store.where, adopted: adopted.sort(), notInTenant: notInTenant.sort(), counts };
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}
