import { ErrorCodes, MailPolicyError } from '../../model/errors';
import type { HeldLock, LockInfo } from '../state-backend';

/** One line about a lock holder: `apply by alice@ci-7 since 2026-12-01T10:00:00.000Z (lock id …, mailpolicy 0.1.0)`. */
export function describeHolder(info: LockInfo | undefined): string {
  if (!info) return 'a process whose lock details cannot be read';
  return `${info.operation} by ${info.who} since ${info.created} (lock id ${info.id}, mailpolicy ${info.version})`;
}

/** MP3005: the stack is locked by someone else. */
export function lockedError(held: HeldLock, timeoutMs: number): MailPolicyError {
  const waited = timeoutMs > 0 ? ` after waiting ${formatDuration(timeoutMs)}` : '';
  const unlock = held.info
    ? `if that process is gone (killed, timed out), release the lock with \`mailpolicy force-unlock ${held.info.id}\``
    : `if no apply or destroy is running, remove ${held.where} by hand`;
  return new MailPolicyError(
    ErrorCodes.STATE_LOCKED,
    `the state of stack '${held.stack}' is locked${waited}: ${describeHolder(held.info)}. Wait for it to finish ` +
      `and retry (or pass --lock-timeout to wait); ${unlock}. Lock: ${held.where}`,
    {
      stack: held.stack,
      where: held.where,
      ...(held.info
        ? { lockId: held.info.id, who: held.info.who, operation: held.info.operation, created: held.info.created }
        : {}),
    },
  );
}

/** MP3005: force-unlock refused (no lock, or another lock than the one named). */
export function forceUnlockRefused(stack: string, id: string, held: HeldLock | undefined): MailPolicyError {
  const why = !held
    ? 'it is not locked'
    : !held.info
      ? `its lock (${held.where}) has no readable details, so its id cannot be checked; if no apply or destroy is ` +
        'running, remove it by hand'
      : `the lock held is ${describeHolder(held.info)}, not ${id}`;
  return new MailPolicyError(
    ErrorCodes.STATE_LOCKED,
    `force-unlock ${id}: the state of stack '${stack}' was not unlocked: ${why}`,
    {
      stack,
      lockId: id,
    },
  );
}

/** MP3006: the stored state is not the version the write was based on. */
export function conflictError(where: string, stack: string, found: string): MailPolicyError {
  return new MailPolicyError(
    ErrorCodes.STATE_CONFLICT,
    `the state of stack '${stack}' (${where}) was written by someone else since it was read (${found}); this ` +
      "update was not written and theirs is kept. Another apply may be running without the stack's lock. Run the " +
      'command again: it reads the current state first.',
    { stack, where },
  );
}

/** MP3008: the backend cannot be used. */
export function backendError(where: string, what: string, cause?: unknown): MailPolicyError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const suffix = typeof code === 'string' && code.length > 0 ? ` (${code})` : '';
  return new MailPolicyError(ErrorCodes.STATE_BACKEND, `state backend ${where}: ${what}${suffix}`, { where });
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
