import { ErrorCodes, MailPolicyError } from '../model/errors';
import { canonicalJson } from '../util/canonical-json';
import {
  checkManagedObject,
  emptyStackState,
  type ManagedObject,
  type SendAsCredentials,
  type StackState,
} from './stack-state';
import type { StateBackend, StateVersion } from './state-backend';
import type { StateLock } from './state-lock';

/**
 * The state of one stack as apply uses it: loaded once, updated in memory as changes succeed, written back after
 * every update. Writes are serialised and coalesced (updates arriving during a write go out together in the next
 * one); each update's promise resolves once a write containing it is stored. Every write is a compare-and-swap
 * against the version this store last read or wrote, so an update by another writer is never overwritten: the
 * write fails with MP3006 and so does every later one.
 */

/** A record to store: like {@link ManagedObject}, with `updatedAt` stamped by the store when left out. */
export type ManagedObjectInput = ManagedObject extends infer O
  ? O extends ManagedObject
    ? Omit<O, 'updatedAt'> & { readonly updatedAt?: string }
    : never
  : never;

/** Options of {@link StateStore.load}. */
export interface StateStoreOptions {
  /**
   * The stack's lock, held by the caller; checked before every write so that a lock lost meanwhile (force-unlocked)
   * stops further writes.
   * @default - no check (for callers that do not lock, such as tests)
   */
  readonly lock?: StateLock;
  /**
   * Clock stamping `updatedAt`.
   * @default () => new Date()
   */
  readonly now?: () => Date;
}

export class StateStore {
  /**
   * Reads the state of `stack`. A state never written (or lost) gives an empty state with {@link missing} set; an
   * unreadable or corrupt one throws (MP3007, MP3008) before anything changes.
   */
  public static async load(backend: StateBackend, stack: string, options: StateStoreOptions = {}): Promise<StateStore> {
    const read = await backend.read(stack);
    return read.found
      ? new StateStore(backend, stack, read.state, read.version, false, options)
      : new StateStore(backend, stack, emptyStackState(stack), undefined, true, options);
  }

  /** Whether no state was stored when it was loaded: removals cannot be detected, credentials will be sent. */
  public readonly missing: boolean;
  public readonly backend: StateBackend;
  public readonly stack: string;
  /** The state in memory but its objects (`objects` holds them); `serial` is that of the last stored write. */
  private current: StackState;
  /**
   * The objects, changed in place: copying the whole map on every record made an apply of N objects O(N²) (an
   * apply of 10,000 send-as creates spent most of its CPU there). `state` hands out a copy, made once per change.
   */
  private objects: Record<string, ManagedObject>;
  /** The last copy `state` handed out, until the next change. */
  private snapshot: StackState | undefined;
  private stored: { readonly serial: number; readonly version: StateVersion | undefined };
  private readonly options: StateStoreOptions;
  /** Number of in-memory updates so far, and how many of them are stored. */
  private updates = 0;
  private written = 0;
  private flushing: { readonly includes: number; readonly done: Promise<void> } | undefined;
  /** A conflict or a lost lock: every later write fails with it. */
  private broken: MailPolicyError | undefined;

  private constructor(
    backend: StateBackend,
    stack: string,
    state: StackState,
    version: StateVersion | undefined,
    missing: boolean,
    options: StateStoreOptions,
  ) {
    this.backend = backend;
    this.stack = stack;
    this.current = state;
    this.objects = { ...state.objects };
    this.snapshot = state;
    this.stored = { serial: state.serial, version };
    this.missing = missing;
    this.options = options;
  }

  /** The state in memory, including updates not yet stored. `serial` is that of the last stored write. */
  public get state(): StackState {
    this.snapshot ??= { ...this.current, objects: { ...this.objects } };
    return this.snapshot;
  }

  /** Where the state lives, for messages. */
  public get where(): string {
    return this.backend.describe(this.stack);
  }

  /** The record of an object, if the state has it. */
  public object(id: string): ManagedObject | undefined {
    return Object.prototype.hasOwnProperty.call(this.objects, id) ? this.objects[id] : undefined;
  }

  /**
   * Records an object under its key `id` (which must be `stateObjectId(object)`), replacing its previous record.
   * A send-as record given without a `credentials` property keeps the credentials already recorded; pass
   * `credentials: undefined` explicitly, or use {@link recordCredentials}, to change them. Nothing is written when
   * only `updatedAt` would change. Invalid records (a secret where a fingerprint belongs) → MP3007, nothing recorded.
   */
  public async recordObject(id: string, object: ManagedObjectInput): Promise<void> {
    const previous = this.object(id);
    const merged: Record<string, unknown> = { ...object, updatedAt: object.updatedAt ?? this.now() };
    if (object.kind === 'sendAs' && !('credentials' in object) && previous?.kind === 'sendAs' && previous.credentials) {
      merged.credentials = previous.credentials;
    }
    const record = checkManagedObject(id, merged, this.where);
    if (previous && sameExceptTime(previous, record)) return;
    await this.updateObject(id, record);
  }

  /** Removes an object from the state (deleted from the tenant, or no longer managed). */
  public async forgetObject(id: string): Promise<void> {
    if (!this.object(id)) return;
    await this.updateObject(id, undefined);
  }

  /**
   * Records the fingerprints of the credentials just sent to the send-as identity `id` (which must be in the
   * state), or forgets them with `undefined`. Anything but keyed fingerprints → MP3007, nothing recorded.
   */
  public async recordCredentials(id: string, credentials: SendAsCredentials | undefined): Promise<void> {
    const previous = this.object(id);
    if (previous?.kind !== 'sendAs') {
      throw new MailPolicyError(
        ErrorCodes.STATE_UNREADABLE,
        `refusing to record credentials for '${id}' in the state ${this.where}: the state has no send-as identity ` +
          'with that key; record the identity first',
        { objectId: id },
      );
    }
    const next: Record<string, unknown> = { ...previous, updatedAt: this.now() };
    if (credentials) {
      next.credentials = {
        passwordFingerprint: credentials.passwordFingerprint,
        usernameFingerprint: credentials.usernameFingerprint,
        endpoint: credentials.endpoint,
        ...(credentials.passwordRef !== undefined ? { passwordRef: credentials.passwordRef } : {}),
        ...(credentials.usernameRef !== undefined ? { usernameRef: credentials.usernameRef } : {}),
      };
    } else {
      delete next.credentials;
    }
    const record = checkManagedObject(id, next, this.where);
    if (sameExceptTime(previous, record)) return;
    await this.updateObject(id, record);
  }

  /** Records that the Policy API refused a write of the gateway setting. */
  public async markPolicyWritesRefused(): Promise<void> {
    if (this.current.facts.policyWritesRefused) return;
    await this.update((state) => ({ ...state, facts: { ...state.facts, policyWritesRefused: true } }));
  }

  /** Resolves once every update so far is stored (rejects as the write that carried the last one did). */
  public async flush(): Promise<void> {
    const target = this.updates;
    await this.waitFor(target);
  }

  private async update(change: (state: StackState) => StackState): Promise<void> {
    if (this.broken) throw this.broken;
    const next = change(this.state);
    this.current = next;
    this.objects = { ...next.objects };
    this.snapshot = next;
    await this.waitFor(++this.updates);
  }

  /** Records (or, with `undefined`, removes) one object in place. */
  private async updateObject(id: string, record: ManagedObject | undefined): Promise<void> {
    if (this.broken) throw this.broken;
    if (record) this.objects[id] = record;
    else delete this.objects[id];
    this.snapshot = undefined;
    await this.waitFor(++this.updates);
  }

  /** Waits until a write including update number `target` is stored, starting writes as needed. */
  private async waitFor(target: number): Promise<void> {
    while (this.written < target) {
      if (this.broken) throw this.broken;
      if (!this.flushing) this.flushing = this.startWrite();
      const flushing = this.flushing;
      try {
        await flushing.done;
      } catch (error) {
        // A failed write that carried this update fails it; one that predates it is retried with it.
        if (flushing.includes >= target) throw error;
      }
    }
  }

  private startWrite(): { includes: number; done: Promise<void> } {
    const includes = this.updates;
    const done = (async () => {
      await Promise.resolve(); // run after `this.flushing` is set, so that `finally` clears this write
      try {
        await this.options.lock?.assertHeld();
        const next: StackState = { ...this.state, serial: this.stored.serial + 1 };
        const version = await this.backend.write(this.stack, next, this.stored.version);
        this.stored = { serial: next.serial, version };
        this.current = { ...this.current, serial: next.serial };
        if (this.snapshot) this.snapshot = { ...this.snapshot, serial: next.serial };
        this.written = Math.max(this.written, includes);
      } catch (error) {
        if (
          MailPolicyError.isMailPolicyError(error) &&
          (error.code === ErrorCodes.STATE_CONFLICT || error.code === ErrorCodes.STATE_LOCKED)
        ) {
          this.broken = error;
        }
        throw error;
      } finally {
        this.flushing = undefined;
      }
    })();
    return { includes, done };
  }

  private now(): string {
    return (this.options.now?.() ?? new Date()).toISOString();
  }
}

function sameExceptTime(a: ManagedObject, b: ManagedObject): boolean {
  return canonicalJson({ ...a, updatedAt: '' }) === canonicalJson({ ...b, updatedAt: '' });
}
