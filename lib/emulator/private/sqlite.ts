/**
 * SQLite for the emulator's store without a native compile: SQLite 3 built to WebAssembly (`node-sqlite3-wasm`),
 * whose VFS reads and writes the database file through Node's `fs`. This module gives it the small synchronous
 * surface the store uses: `new Database(file)`, `pragma`, `exec`, `prepare(sql)` → `run` / `get` / `all`,
 * `transaction(fn)` and `close`.
 *
 * Files on disk:
 * - Journal: SQLite's rollback journal (`DELETE`, `synchronous = FULL`). The VFS has no shared memory, so WAL is
 *   not available; `pragma('journal_mode = WAL')` answers `delete` and the file stays in rollback mode.
 * - Locking: the VFS locks the file with a directory `<file>.lock` (atomic `mkdir`) for any read or write, so one
 *   connection at a time reads or writes the file; another process waits up to {@link BUSY_TIMEOUT_MS} (SQLite's
 *   `busy_timeout`). The lock is held for one statement or one transaction only: `get` reads its statement to the
 *   end so no read stays open between calls.
 * - A process killed inside a statement leaves `<file>.lock` behind. Each connection registers its process in
 *   `<file>.owners/<pid>-<n>`; on open, a lock older than every live registered process is stale and is removed, and
 *   SQLite then rolls back the interrupted transaction from its journal.
 */
import * as fs from 'node:fs';
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  rmdirSync,
  statSync,
  unlinkSync,
  type PathLike,
} from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { runInThisContext } from 'node:vm';
import type * as Wasm from 'node-sqlite3-wasm';

/** How long a statement waits for another process's lock before it fails. */
export const BUSY_TIMEOUT_MS = 10_000;

/** A value SQLite stores or returns. */
export type SqlValue = number | bigint | string | Uint8Array | null;

export interface RunResult {
  readonly changes: number;
  readonly lastInsertRowid: number | bigint;
}

let engine: typeof Wasm | undefined;
/**
 * Loads the WebAssembly build on first use, so commands that never open a database do not compile it.
 *
 * The build's VFS answers `xCheckReservedLock` ("does another connection hold a write lock?") by testing whether
 * `<file>.lock` exists. SQLite asks that only while this connection holds its own lock, which with this VFS is that
 * same directory, so the answer is always "yes" and a hot journal left by a killed writer is never rolled back.
 * The module is therefore evaluated with its own view of `fs` in which `<file>.lock` is absent for `accessSync`
 * (the VFS's only use of it on a `.lock` path): the true answer, since the lock is exclusive. Nothing outside
 * the module sees that view.
 */
function wasm(): typeof Wasm {
  if (engine) return engine;
  const entry = require.resolve('node-sqlite3-wasm');
  const lockAware: typeof fs = {
    ...fs,
    accessSync: (path: PathLike, mode?: number): void => {
      if (typeof path === 'string' && path.endsWith('.lock')) {
        throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      }
      fs.accessSync(path, mode);
    },
  };
  const own = Module.createRequire(entry);
  const load = (id: string): unknown => (id === 'node:fs' || id === 'fs' ? lockAware : own(id));
  const loaded = { exports: {} as unknown };
  const factory = runInThisContext(Module.wrap(fs.readFileSync(entry, 'utf8')), { filename: entry }) as (
    ...args: unknown[]
  ) => void;
  factory(loaded.exports, load, loaded, entry, dirname(entry));
  engine = loaded.exports as typeof Wasm;
  return engine;
}

const open = new Set<SqliteDatabase>();
let exitHookInstalled = false;
function trackOpen(db: SqliteDatabase): void {
  open.add(db);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Owner files of connections still open when the process exits normally; a killed process is found dead later.
  process.on('exit', () => {
    for (const d of open) d.forgetOwner();
  });
}

class SqliteStatement {
  public constructor(
    private readonly db: SqliteDatabase,
    private readonly raw: Wasm.Statement,
  ) {}

  public run(...params: unknown[]): RunResult {
    return this.db.guard(() => this.raw.run(params as Wasm.BindValues));
  }

  /** The first row, or undefined. Reads to the end, so the statement holds no lock after the call. */
  public get(...params: unknown[]): unknown {
    return this.db.guard(() => this.raw.all(params as Wasm.BindValues)[0]);
  }

  public all(...params: unknown[]): unknown[] {
    return this.db.guard(() => this.raw.all(params as Wasm.BindValues));
  }

  /** @internal */
  public finalize(): void {
    if (!this.raw.isFinalized) this.raw.finalize();
  }
}

class SqliteDatabase {
  private readonly raw: Wasm.Database;
  private readonly statements = new Set<SqliteStatement>();
  private readonly ownerFile: string | undefined;
  private savepoints = 0;

  /** Opens (creating when missing) the database `file`, or a private in-memory one for `:memory:`. */
  public constructor(private readonly file: string) {
    const memory = file === ':memory:' || file === '';
    this.ownerFile = memory ? undefined : registerOwner(file);
    try {
      if (!memory) removeStaleLock(file);
      this.raw = new (wasm().Database)(file);
    } catch (error) {
      this.forgetOwner();
      throw error;
    }
    trackOpen(this);
    if (memory) return;
    this.raw.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (isWalFile(file)) {
      // A file written in WAL mode (by an earlier native build) opens only in exclusive locking mode, where SQLite
      // needs no shared memory; switching it to the rollback journal checkpoints every committed frame into it.
      this.exec('PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = DELETE; PRAGMA locking_mode = NORMAL');
      this.exec('SELECT 1 FROM sqlite_master LIMIT 1');
    }
  }

  /** Runs `PRAGMA <source>` and returns its rows. */
  public pragma(source: string): unknown[] {
    return this.guard(() => this.raw.all(`PRAGMA ${source}`));
  }

  /** Runs one or more statements separated by semicolons. */
  public exec(sql: string): this {
    this.guard(() => this.raw.exec(sql));
    return this;
  }

  public prepare(sql: string): SqliteStatement {
    const statement = new SqliteStatement(
      this,
      this.guard(() => this.raw.prepare(sql)),
    );
    this.statements.add(statement);
    return statement;
  }

  /**
   * Wraps `fn` in a transaction: `BEGIN IMMEDIATE` … `COMMIT`, or a savepoint when already inside one; any throw
   * rolls back. `fn` must be synchronous (a promise would outlive the transaction).
   */
  public transaction<A extends unknown[], T>(fn: (...args: A) => T): (...args: A) => T {
    return (...args: A): T => {
      const nested = this.raw.inTransaction;
      const savepoint = `mp_sp_${this.savepoints++}`;
      this.exec(nested ? `SAVEPOINT ${savepoint}` : 'BEGIN IMMEDIATE');
      try {
        const result = fn(...args);
        if (result !== null && typeof (result as { then?: unknown })?.then === 'function') {
          throw new TypeError('a database transaction function must not return a promise');
        }
        this.exec(nested ? `RELEASE ${savepoint}` : 'COMMIT');
        return result;
      } catch (error) {
        if (this.raw.inTransaction) {
          this.raw.exec(nested ? `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}` : 'ROLLBACK');
        }
        throw error;
      } finally {
        this.savepoints--;
      }
    };
  }

  /** Finalizes every prepared statement and closes the file. */
  public close(): void {
    for (const statement of this.statements) statement.finalize();
    this.statements.clear();
    if (this.raw.isOpen) this.raw.close();
    open.delete(this);
    this.forgetOwner();
  }

  /** Runs a call of the engine, naming the file and its lock when another process holds it too long. */
  public guard<T>(call: () => T): T {
    try {
      return call();
    } catch (error) {
      if (error instanceof Error && /database is locked/.test(error.message) && this.ownerFile) {
        throw new Error(
          `the emulator database ${this.file} stayed locked by another process for ${BUSY_TIMEOUT_MS / 1000} s ` +
            `(lock directory ${this.file}.lock); if no other mailpolicy process uses this file, remove that directory`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** @internal */
  public forgetOwner(): void {
    if (!this.ownerFile) return;
    unlinkQuietly(this.ownerFile);
    rmdirQuietly(ownersDir(this.file)); // only when no other connection is registered
  }
}

/** Whether `file` is an SQLite database whose header says WAL (file format version 2 at offsets 18 and 19). */
function isWalFile(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const header = Buffer.alloc(20);
    return (
      readSync(fd, header, 0, 20, 0) === 20 &&
      header.toString('latin1', 0, 16) === 'SQLite format 3\0' &&
      header[18] === 2
    );
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function ownersDir(file: string): string {
  return `${file}.owners`;
}

let connections = 0;

/** Records this process as a user of `file` (`<file>.owners/<pid>-<n>`, one per connection); returns the record's path. */
function registerOwner(file: string): string {
  const dir = ownersDir(file);
  const owner = join(dir, `${process.pid}-${++connections}`);
  for (let attempt = 0; ; attempt++) {
    mkdirSync(dir, { recursive: true });
    try {
      closeSync(openSync(owner, 'w'));
      return owner;
    } catch (error) {
      // The folder was removed by the last other connection closing in between: make it again.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw error;
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes `<file>.lock` when no live process could hold it: every process that registered before the lock was
 * taken is gone (a live holder registers before its first statement). Runs under `<file>.recover`, a second
 * `mkdir` lock, so two processes never judge and remove one lock at the same time.
 */
function removeStaleLock(file: string): void {
  const lock = `${file}.lock`;
  const lockTime = mtimeMs(lock);
  if (lockTime === undefined) return;
  const recover = `${file}.recover`;
  try {
    mkdirSync(recover);
  } catch {
    // Another process is judging the lock right now (or died doing so: its mutex expires after a few seconds).
    const since = mtimeMs(recover);
    if (since !== undefined && Date.now() - since > 5_000) rmdirQuietly(recover);
    return;
  }
  try {
    const dir = ownersDir(file);
    let holderPossible = false;
    for (const name of readdirSync(dir)) {
      const pid = Number(name.split('-')[0]);
      const entry = join(dir, name);
      if (!Number.isInteger(pid) || !alive(pid)) {
        unlinkQuietly(entry);
        continue;
      }
      const registered = mtimeMs(entry);
      if (pid !== process.pid && registered !== undefined && registered <= lockTime) holderPossible = true;
    }
    if (!holderPossible && mtimeMs(lock) === lockTime) rmdirQuietly(lock);
  } finally {
    rmdirQuietly(recover);
  }
}

function mtimeMs(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function rmdirQuietly(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // already gone
  }
}

/** `new Database(file)`; the types `Database.Database` and `Database.Statement` name a connection and a statement. */
const Database = SqliteDatabase;
type Database = SqliteDatabase;
// eslint-disable-next-line @typescript-eslint/no-namespace
declare namespace Database {
  type Database = SqliteDatabase;
  type Statement = SqliteStatement;
}
export default Database;
