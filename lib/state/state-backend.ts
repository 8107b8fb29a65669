import { z } from 'zod';

import type { StackState } from './stack-state';

/**
 * The contract between the state store and where states live. A backend keeps one state document per stack
 * and one lock per stack. Every write is a compare-and-swap on the version token of the read it is based on,
 * so a writer that lost a race gets a conflict (MP3006) instead of silently replacing the other's update.
 *
 * Implementations: `FileStateBackend` (`file:PATH`) and `GcsStateBackend` (`gs://BUCKET/PREFIX`); a test may
 * bring its own.
 */

/**
 * An opaque token naming one stored version of a stack's state (a content hash for files, the object generation
 * for Cloud Storage). Only compared for equality by the backend that issued it.
 */
export type StateVersion = string;

/** What {@link StateBackend.read} found. */
export type StateReadResult =
  { readonly found: false } | { readonly found: true; readonly state: StackState; readonly version: StateVersion };

/** Who holds a lock, since when, for what. Readable by every process that can read the backend. */
export interface LockInfo {
  /** A UUID naming this lock; `force-unlock` needs it. */
  readonly id: string;
  /** `user@host` of the process that took the lock. */
  readonly who: string;
  /** What the holder is doing: `apply`, `destroy`, `migrate`… */
  readonly operation: string;
  /** When the lock was taken (ISO 8601). */
  readonly created: string;
  /** Version of the tool that took it. */
  readonly version: string;
}

/** A lock found in a backend. */
export interface HeldLock {
  readonly stack: string;
  /** The holder's details; undefined when the lock exists but its details cannot be read (yet). */
  readonly info: LockInfo | undefined;
  /** Where the lock lives, for messages (a path or a `gs://` URL). */
  readonly where: string;
}

/** A lock taken by {@link StateBackend.tryLock}. */
export interface AcquiredBackendLock {
  readonly acquired: true;
  /** Releases the lock; a lock meanwhile force-unlocked (or replaced by another holder's) is left alone. */
  release(): Promise<void>;
  /**
   * Why the lock was lost while held (another process force-unlocked it, or took it over as stale), if it was;
   * undefined while it is still this holder's.
   */
  check(): Promise<Error | undefined>;
}

/** The outcome of one attempt to take a lock. */
export type LockAttempt = AcquiredBackendLock | { readonly acquired: false; readonly holder: HeldLock };

/** Storage of per-stack states and locks. */
export interface StateBackend {
  /** The backend's URL (`file:/abs/path`, `gs://bucket/prefix`), for messages. */
  readonly url: string;
  /** Where the state of `stack` lives, for messages. */
  describe(stack: string): string;
  /** Reads the state of `stack`; `found: false` when it was never written. Corrupt or unreadable → MP3007/MP3008. */
  read(stack: string): Promise<StateReadResult>;
  /**
   * Writes `state` as the state of `stack` if the stored version is still `expected` (`undefined`: only if no
   * state exists yet). Returns the new version. Another version stored meanwhile → MP3006, nothing written.
   * The state is validated first (MP3007 for a secret or any bad value).
   */
  write(stack: string, state: StackState, expected: StateVersion | undefined): Promise<StateVersion>;
  /** One attempt to take the lock of `stack`, recording `info`; never waits. */
  tryLock(stack: string, info: LockInfo): Promise<LockAttempt>;
  /** The lock of `stack`, or undefined when it is not locked. */
  readLock(stack: string): Promise<HeldLock | undefined>;
  /** Every lock held in the backend (to find a lock by its id). */
  listLocks(): Promise<HeldLock[]>;
  /**
   * Removes the lock of `stack` whoever holds it, but only if its id is `id` (MP3005 otherwise, nothing
   * removed). For a holder that is gone; the holder, if alive, loses its lock.
   */
  forceUnlock(stack: string, id: string): Promise<void>;
}

/** Schema of {@link LockInfo}, closed like the state. */
export const LockInfoSchema = z.strictObject({
  id: z.uuid(),
  who: z.string().min(1).max(512),
  operation: z.string().regex(/^[a-z][a-z-]{0,31}$/),
  created: z.iso.datetime({ offset: true }),
  version: z.string().min(1).max(64),
});

/** Parses a lock file's or lock object's text; undefined when it is not a valid {@link LockInfo}. */
export function parseLockInfo(text: string): LockInfo | undefined {
  try {
    const parsed = LockInfoSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
