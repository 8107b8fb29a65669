import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';

import lockfile from 'proper-lockfile';

import { NODE_FILE_SYSTEM, writeAtomically, type StateFileSystem } from './private/atomic-write';
import { backendError, conflictError, forceUnlockRefused } from './private/state-errors';
import {
  assertStackName,
  isValidStackName,
  parseStackState,
  serialiseStackState,
  type StackState,
} from './stack-state';
import {
  parseLockInfo,
  type HeldLock,
  type LockAttempt,
  type LockInfo,
  type StateBackend,
  type StateReadResult,
  type StateVersion,
} from './state-backend';

export type { StateFileSystem } from './private/atomic-write';

/** Options of {@link FileStateBackend}. */
export interface FileStateBackendOptions {
  /** The folder holding the states: `<folder>/<stack>.json` per stack. Relative paths resolve against `cwd`. */
  readonly folder: string;
  /**
   * Base of a relative `folder`.
   * @default process.cwd()
   */
  readonly cwd?: string;
  /**
   * A lock whose holder has not refreshed it for this long (the holder was killed) is taken over by the next
   * process that asks for it. The holder refreshes it every sixth of this period. At least 2000.
   * @default 60000
   */
  readonly staleLockMs?: number;
  /**
   * File-system calls for reading and writing the state documents (not the locks).
   * @default - node:fs promises
   */
  readonly fs?: StateFileSystem;
}

/** Default of {@link FileStateBackendOptions.staleLockMs}. */
export const DEFAULT_STALE_LOCK_MS = 60_000;

/**
 * States in a local folder (`file:PATH`). Per stack:
 * - `<stack>.json` — the state, replaced atomically (temporary file, fsync, rename);
 * - `<stack>.lock/` — the stack's lock while an apply or destroy runs (a folder made with `mkdir`, the atomic
 *   primitive of `proper-lockfile`), its holder's details beside it in `<stack>.lock.json`;
 * - `<stack>.json.lock/` — held for the few milliseconds of a compare-and-swap write.
 *
 * The version token is the SHA-256 of the file's bytes; a write compares it with the file on disk under the
 * write lock, so two writers from the same version can never both succeed.
 */
export class FileStateBackend implements StateBackend {
  public readonly url: string;
  /** Absolute path of the folder. */
  public readonly folder: string;
  private readonly fs: StateFileSystem;
  private readonly staleMs: number;

  public constructor(options: FileStateBackendOptions) {
    this.folder = resolve(options.cwd ?? process.cwd(), options.folder);
    this.url = `file:${this.folder}`;
    this.fs = options.fs ?? NODE_FILE_SYSTEM;
    this.staleMs = Math.max(2000, options.staleLockMs ?? DEFAULT_STALE_LOCK_MS);
  }

  public describe(stack: string): string {
    return this.statePath(stack);
  }

  public async read(stack: string): Promise<StateReadResult> {
    assertStackName(stack);
    const text = await this.readText(stack);
    if (text === undefined) return { found: false };
    return { found: true, state: parseStackState(text, this.statePath(stack), stack), version: digest(text) };
  }

  public async write(stack: string, state: StackState, expected: StateVersion | undefined): Promise<StateVersion> {
    assertStackName(stack);
    const path = this.statePath(stack);
    const text = serialiseStackState(state, path);
    await this.ensureFolder();
    const release = await this.writeLock(path);
    try {
      const current = await this.readText(stack);
      const currentVersion = current === undefined ? undefined : digest(current);
      if (currentVersion !== expected) {
        throw conflictError(path, stack, current === undefined ? 'it was deleted' : describeStored(current));
      }
      try {
        await writeAtomically(this.fs, path, text);
      } catch (error) {
        throw backendError(path, 'the state could not be written; the previous state is unchanged', error);
      }
    } finally {
      await release();
    }
    return digest(text);
  }

  public async tryLock(stack: string, info: LockInfo): Promise<LockAttempt> {
    assertStackName(stack);
    await this.ensureFolder();
    const dir = this.lockDir(stack);
    let lost: Error | undefined;
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(dir, {
        realpath: false,
        lockfilePath: dir,
        stale: this.staleMs,
        update: Math.max(1000, Math.floor(this.staleMs / 6)),
        retries: 0,
        onCompromised: (error) => {
          lost = error;
        },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED')
        throw backendError(dir, 'the lock could not be taken', error);
      const holder = (await this.readLock(stack)) ?? { stack, info: undefined, where: dir };
      return { acquired: false, holder };
    }
    try {
      await writeAtomically(NODE_FILE_SYSTEM, this.lockInfoPath(stack), `${JSON.stringify(info, null, 2)}\n`);
    } catch (error) {
      await release().catch(() => undefined);
      throw backendError(dir, 'the lock details could not be written', error);
    }
    return {
      acquired: true,
      check: () => Promise.resolve(lost),
      release: async () => {
        if (lost) return;
        const current = await this.readLockInfo(stack);
        if (current?.id === info.id) await NODE_FILE_SYSTEM.rm(this.lockInfoPath(stack), { force: true });
        await release().catch(() => undefined);
      },
    };
  }

  public async readLock(stack: string): Promise<HeldLock | undefined> {
    assertStackName(stack);
    const dir = this.lockDir(stack);
    try {
      await NODE_FILE_SYSTEM.stat(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw backendError(dir, 'the lock cannot be read', error);
    }
    return { stack, info: await this.readLockInfo(stack), where: dir };
  }

  public async listLocks(): Promise<HeldLock[]> {
    let names: string[];
    try {
      names = await NODE_FILE_SYSTEM.readdir(this.folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw backendError(this.folder, 'the folder cannot be listed', error);
    }
    const stacks = names
      .filter((n) => n.endsWith('.lock'))
      .map((n) => n.slice(0, -'.lock'.length))
      .filter(isValidStackName)
      .sort();
    const held = await Promise.all(stacks.map((s) => this.readLock(s)));
    return held.filter((h): h is HeldLock => h !== undefined);
  }

  public async forceUnlock(stack: string, id: string): Promise<void> {
    const held = await this.readLock(stack);
    if (!held || held.info?.id !== id) throw forceUnlockRefused(stack, id, held);
    await NODE_FILE_SYSTEM.rm(this.lockInfoPath(stack), { force: true });
    await NODE_FILE_SYSTEM.rm(this.lockDir(stack), { recursive: true, force: true });
  }

  private statePath(stack: string): string {
    return join(this.folder, `${stack}.json`);
  }

  private lockDir(stack: string): string {
    return join(this.folder, `${stack}.lock`);
  }

  private lockInfoPath(stack: string): string {
    return join(this.folder, `${stack}.lock.json`);
  }

  private async ensureFolder(): Promise<void> {
    try {
      await this.fs.mkdir(this.folder, { recursive: true });
    } catch (error) {
      throw backendError(this.folder, 'the state folder cannot be created', error);
    }
  }

  private async readText(stack: string): Promise<string | undefined> {
    const path = this.statePath(stack);
    try {
      return await this.fs.readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw backendError(path, 'the state cannot be read', error);
    }
  }

  private async readLockInfo(stack: string): Promise<LockInfo | undefined> {
    try {
      return parseLockInfo(await NODE_FILE_SYSTEM.readFile(this.lockInfoPath(stack), 'utf8'));
    } catch {
      return undefined;
    }
  }

  /** The short lock around one compare-and-swap write; other writers retry for up to about ten seconds. */
  private async writeLock(path: string): Promise<() => Promise<void>> {
    try {
      return await lockfile.lock(path, {
        realpath: false,
        stale: 10_000,
        retries: { retries: 200, factor: 1.2, minTimeout: 5, maxTimeout: 100 },
        onCompromised: () => undefined,
      });
    } catch (error) {
      throw backendError(path, 'the state is being written by another process and stayed busy', error);
    }
  }
}

function digest(text: string): StateVersion {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

function describeStored(text: string): string {
  try {
    const { serial, lineage } = JSON.parse(text) as { serial?: unknown; lineage?: unknown };
    return `it is now at serial ${String(serial)}, lineage ${String(lineage)}`;
  } catch {
    return 'it was replaced';
  }
}
