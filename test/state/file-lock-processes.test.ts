/**
 * The file backend's lock between real processes: `dist/` must be built (`npm test` builds it first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { ErrorCodes } from '../../lib/model/errors';
import { FileStateBackend, acquireLock, forceUnlock } from '../../lib/state';
import { tempDir } from './helpers/states';

const DIST_STATE = join(__dirname, '..', '..', 'dist', 'state', 'index.js');
const HOLDER = join(__dirname, 'fixtures', 'lock-holder.js');
if (!existsSync(DIST_STATE))
  throw new Error('dist/ is missing: run `npm run build` (npm test does it through pretest)');

interface Holder {
  readonly child: ChildProcess;
  /** The next line the child prints. */
  next(): Promise<string>;
  exited: Promise<number | null>;
}

function startHolder(folder: string, stack: string, timeoutMs = 0): Holder {
  const child = spawn(process.execPath, [HOLDER, DIST_STATE, folder, stack, String(timeoutMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else lines.push(line);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    next: () => (lines.length ? Promise.resolve(lines.shift() as string) : new Promise((r) => waiting.push(r))),
  };
}

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir('mp-state-procs-')));
afterEach(() => tmp.remove());

test('two processes: the second fails at once naming the first, or waits and gets the lock after release', async () => {
  const first = startHolder(tmp.dir, 'prod');
  const held = JSON.parse(await first.next());
  expect(held.acquired).toBe(true);

  const impatient = startHolder(tmp.dir, 'prod');
  const refused = JSON.parse(await impatient.next());
  expect(refused).toMatchObject({ acquired: false, code: ErrorCodes.STATE_LOCKED });
  expect(refused.message).toContain(`apply by holder-${held.pid}@test`);
  expect(refused.message).toContain(`mailpolicy force-unlock ${held.id}`);
  expect(await impatient.exited).toBe(3);

  const patient = startHolder(tmp.dir, 'prod', 120_000);
  first.child.stdin!.write('release\n');
  expect(await first.next()).toBe('released');
  const got = JSON.parse(await patient.next());
  expect(got.acquired).toBe(true);
  expect(got.id).not.toBe(held.id);
  patient.child.stdin!.write('release\n');
  expect(await patient.next()).toBe('released');
  await Promise.all([first.exited, patient.exited]);
});

test("a killed holder's lock stays until force-unlock releases it", async () => {
  const victim = startHolder(tmp.dir, 'prod');
  const held = JSON.parse(await victim.next());
  victim.child.kill('SIGKILL');
  await victim.exited;

  const backend = new FileStateBackend({ folder: tmp.dir });
  const stale = await backend.readLock('prod');
  expect(stale?.info).toMatchObject({ id: held.id, operation: 'apply', who: `holder-${held.pid}@test` });
  await expect(acquireLock(backend, 'prod', { operation: 'apply' })).rejects.toMatchObject({
    code: ErrorCodes.STATE_LOCKED,
  });

  await forceUnlock(backend, 'prod', held.id);
  const lock = await acquireLock(backend, 'prod', { operation: 'apply' });
  await lock.release();
});

test("a killed holder's lock is taken over once it is older than the stale period", async () => {
  const victim = startHolder(tmp.dir, 'prod');
  const held = JSON.parse(await victim.next());
  victim.child.kill('SIGKILL');
  await victim.exited;
  // The holder no longer refreshes its lock; with a 2 s stale period the next taker removes it and takes over.
  const backend = new FileStateBackend({ folder: tmp.dir, staleLockMs: 2000 });
  const lock = await acquireLock(backend, 'prod', { operation: 'apply', timeoutMs: 120_000, pollMs: 200 });
  expect(lock.info.id).not.toBe(held.id);
  expect((await backend.readLock('prod'))?.info?.id).toBe(lock.info.id);
  await lock.release();
});
