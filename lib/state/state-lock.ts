import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

import { ErrorCodes, MailPolicyError } from '../model/errors';
import { describeHolder, lockedError } from './private/state-errors';
import { toolVersion } from './private/tool-version';
import { assertStackName } from './stack-state';
import type { HeldLock, LockInfo, StateBackend } from './state-backend';

/**
 * The lock of a stack's state, held while an apply or destroy runs (plan and drift never take it). One holder at
 * a time per stack and backend; a second one fails at once (or waits up to `timeoutMs`) with MP3005 naming the
 * holder, since when, for what, and the id that `mailpolicy force-unlock` needs.
 */

/** Options of {@link acquireLock}. */
export interface AcquireLockOptions {
  /** What the holder will do, shown to whoever finds the stack locked: `apply`, `destroy`, `migrate`… */
  readonly operation: string;
  /**
   * How long to keep trying while another process holds the lock, in milliseconds (`--lock-timeout`).
   * @default 0 (fail at once)
   */
  readonly timeoutMs?: number;
  /**
   * Pause between attempts while waiting, in milliseconds.
   * @default 1000
   */
  readonly pollMs?: number;
  /**
   * Who takes the lock.
   * @default - `<user>@<host>` of this process
   */
  readonly who?: string;
  /**
   * Tool version recorded in the lock.
   * @default - this package's version
   */
  readonly toolVersion?: string;
  /**
   * Clock for the lock's `created` time and for the timeout.
   * @default () => new Date()
   */
  readonly now?: () => Date;
}

/** A held lock. */
export interface StateLock {
  readonly stack: string;
  /** What was recorded in the backend. */
  readonly info: LockInfo;
  /** Releases the lock; calling it again does nothing. A lock force-unlocked meanwhile is left alone. */
  release(): Promise<void>;
  /**
   * Rejects with MP3005 if the lock was lost while held (force-unlocked, or taken over as stale after this process
   * stalled). A store bound to the lock calls it before every write. For `gs://` it reads the lock object's
   * generation (one request); for `file:` it reports what the lock's refresh noticed.
   */
  assertHeld(): Promise<void>;
}

/**
 * Takes the lock of `stack` in `backend`. Fails with MP3005 (who holds it, since when, for what, its id and how to
 * force-unlock it) when it is still held after `timeoutMs`.
 */
export async function acquireLock(
  backend: StateBackend,
  stack: string,
  options: AcquireLockOptions,
): Promise<StateLock> {
  assertStackName(stack);
  if (!/^[a-z][a-z-]{0,31}$/.test(options.operation)) {
    throw new MailPolicyError(
      ErrorCodes.USAGE,
      `lock operation '${options.operation}' must be a lower-case word such as apply`,
    );
  }
  const now = options.now ?? (() => new Date());
  const timeoutMs = Math.max(0, options.timeoutMs ?? 0);
  const pollMs = Math.max(1, options.pollMs ?? 1000);
  const started = now().getTime();
  const info: LockInfo = {
    id: randomUUID(),
    who: options.who ?? defaultWho(),
    operation: options.operation,
    created: now().toISOString(),
    version: options.toolVersion ?? toolVersion(),
  };
  for (;;) {
    const attempt = await backend.tryLock(stack, { ...info, created: now().toISOString() });
    if (attempt.acquired) {
      let released = false;
      return {
        stack,
        info,
        release: async () => {
          if (released) return;
          released = true;
          await attempt.release();
        },
        assertHeld: async () => {
          const lost = await attempt.check();
          if (lost) {
            throw new MailPolicyError(
              ErrorCodes.STATE_LOCKED,
              `the lock of stack '${stack}' (${describeHolder(info)}) was lost while held: someone ran force-unlock ` +
                'or took it over as stale. Nothing more is written; check the tenant with `mailpolicy plan`.',
              { stack, lockId: info.id },
            );
          }
        },
      };
    }
    const waited = now().getTime() - started;
    if (waited >= timeoutMs) throw lockedError(attempt.holder, timeoutMs);
    await sleep(Math.min(pollMs, timeoutMs - waited));
  }
}

/** The lock of `stack`, or undefined when it is not locked. */
export async function readLock(backend: StateBackend, stack: string): Promise<HeldLock | undefined> {
  return backend.readLock(stack);
}

/** The lock with this id among every lock of the backend, to force-unlock by id alone. */
export async function findLock(backend: StateBackend, id: string): Promise<HeldLock | undefined> {
  return (await backend.listLocks()).find((held) => held.info?.id === id);
}

/**
 * Releases the lock of `stack` whoever holds it, only if its id is `id` (MP3005 otherwise, nothing released).
 * Meant for a holder that is gone (killed, timed out): the holder, if still running, loses its lock and stops
 * writing state at its next write.
 */
export async function forceUnlock(backend: StateBackend, stack: string, id: string): Promise<HeldLock> {
  const held = await backend.readLock(stack);
  await backend.forceUnlock(stack, id);
  return held ?? { stack, info: undefined, where: backend.describe(stack) };
}

function defaultWho(): string {
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.USERNAME;
  }
  return `${user || 'unknown'}@${hostname()}`;
}
