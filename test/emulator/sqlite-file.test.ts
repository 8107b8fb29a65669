/**
 * The emulator's SQLite file as two CLI runs and a killed run leave it: shared by processes, locked only for a
 * statement, and rolled back after a crash. Child processes load the built adapter (`dist/`), as the CLI does.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from '../../lib/emulator/private/sqlite';

const ADAPTER = join(__dirname, '..', '..', 'dist', 'emulator', 'private', 'sqlite.js');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mp-sqlite-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `script` in a child Node process with `Database` bound to the built adapter; resolves with its exit. */
function child(script: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const source = `const Database = require(${JSON.stringify(ADAPTER)}).default;\n${script}`;
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.on('error', reject);
    proc.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

test('statements, transactions and savepoints behave as the store expects', () => {
  const db = new Database(join(dir, 'a.sqlite'));
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER NOT NULL)');
  const put = db.prepare('INSERT INTO t (k, n) VALUES (?, ?)');
  const get = db.prepare('SELECT n FROM t WHERE k = ?');
  expect(put.run('a', 1)).toEqual({ changes: 1, lastInsertRowid: 1 });
  expect(get.get('a')).toEqual({ n: 1 });
  expect(get.get('missing')).toBeUndefined();

  expect(() =>
    db.transaction(() => {
      put.run('b', 2);
      throw new Error('boom');
    })(),
  ).toThrow('boom');
  expect(get.get('b')).toBeUndefined();

  db.transaction(() => {
    put.run('c', 3);
    expect(() =>
      db.transaction(() => {
        put.run('d', 4);
        throw new Error('inner');
      })(),
    ).toThrow('inner');
  })();
  expect(db.prepare('SELECT k FROM t ORDER BY k').all()).toEqual([{ k: 'a' }, { k: 'c' }]);
  expect(() => db.transaction(() => Promise.resolve(1))()).toThrow('must not return a promise');
  db.close();
});

test('WAL is not available: the file stays in rollback-journal mode, and no lock outlives a call', () => {
  const file = join(dir, 'b.sqlite');
  const db = new Database(file);
  expect(db.pragma('journal_mode = WAL')).toEqual([{ journal_mode: 'delete' }]);
  db.exec('CREATE TABLE t (n INTEGER)');
  db.prepare('INSERT INTO t VALUES (1), (2), (3)').run();
  expect(db.prepare('SELECT n FROM t ORDER BY n').get()).toEqual({ n: 1 });
  expect(existsSync(`${file}.lock`)).toBe(false);
  db.close();
});

test('two processes write one file at the same time and every write lands', async () => {
  const file = join(dir, 'c.sqlite');
  const setup = new Database(file);
  setup.exec('CREATE TABLE t (who TEXT, i INTEGER)');
  setup.close();
  const writer = (who: string): string => `
    const db = new Database(${JSON.stringify(file)});
    const put = db.prepare('INSERT INTO t VALUES (?, ?)');
    const count = db.prepare('SELECT COUNT(*) AS n FROM t');
    for (let i = 0; i < 300; i++) { db.transaction(() => { put.run('${who}', i); put.run('${who}', -i); })(); count.get(); }
    db.close();`;
  const results = await Promise.all([child(writer('a')), child(writer('b'))]);
  for (const r of results) expect(r).toMatchObject({ code: 0, stderr: '' });
  const db = new Database(file);
  expect(db.prepare('SELECT who, COUNT(*) AS n FROM t GROUP BY who ORDER BY who').all()).toEqual([
    { who: 'a', n: 600 },
    { who: 'b', n: 600 },
  ]);
  db.close();
});

test('a process killed inside a transaction leaves nothing half-written and no lock behind', async () => {
  const file = join(dir, 'd.sqlite');
  const setup = new Database(file);
  setup.exec('CREATE TABLE t (i INTEGER, s TEXT)');
  setup.transaction(() => {
    const put = setup.prepare('INSERT INTO t VALUES (?, ?)');
    for (let i = 0; i < 2000; i++) put.run(i, 'x'.repeat(200));
  })();
  setup.close();
  // A tiny page cache makes SQLite write uncommitted pages into the file before the kill.
  const crashed = await child(`
    const db = new Database(${JSON.stringify(file)});
    db.pragma('cache_size = 5');
    db.exec('BEGIN IMMEDIATE');
    db.exec("UPDATE t SET s = 'y' || s");
    process.kill(process.pid, 'SIGKILL');`);
  expect(crashed.signal).toBe('SIGKILL');
  expect(existsSync(`${file}.lock`)).toBe(true);
  expect(existsSync(`${file}-journal`)).toBe(true);

  const db = new Database(file);
  expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  expect(db.prepare("SELECT COUNT(*) AS n, SUM(s LIKE 'x%') AS x FROM t").get()).toEqual({ n: 2000, x: 2000 });
  expect(existsSync(`${file}-journal`)).toBe(false);
  expect(existsSync(`${file}.lock`)).toBe(false);
  db.close();
});

test('a file left in WAL mode by an earlier native build opens, with its committed rows, in rollback mode', async () => {
  const file = join(dir, 'e.sqlite');
  // WAL without shared memory works in exclusive locking mode: enough to write such a file and leave
  // committed frames in its -wal, as a killed process would.
  const writer = await child(`
    const db = new Database(${JSON.stringify(file)});
    db.exec('PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)');
    process.kill(process.pid, 'SIGKILL');`);
  expect(writer.signal).toBe('SIGKILL');
  expect(existsSync(`${file}-wal`)).toBe(true);

  const db = new Database(file);
  expect(db.pragma('journal_mode')).toEqual([{ journal_mode: 'delete' }]);
  expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 2 });
  db.close();
});
