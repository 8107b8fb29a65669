import { promises as fs, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ErrorCodes } from '../../lib/model/errors';
import { FileStateBackend, acquireLock, findLock, forceUnlock, type StateFileSystem } from '../../lib/state';
import { orgUnit, sendAs, stateWith, tempDir } from './helpers/states';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir('mp-state-file-')));
afterEach(() => tmp.remove());

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('file backend: state documents', () => {
  test('a state written is read back with its version; a missing one is reported as such', async () => {
    const backend = new FileStateBackend({ folder: tmp.dir });
    expect(await backend.read('prod')).toEqual({ found: false });
    const state = stateWith('prod', [orgUnit('/Sales')]);
    const version = await backend.write('prod', state, undefined);
    const read = await backend.read('prod');
    expect(read).toEqual({ found: true, state, version });
    expect(readdirSync(tmp.dir).sort()).toEqual(['prod.json']);
  });

  test('of two writers from the same version exactly one wins, and the other is told, not overwritten', async () => {
    const backend = new FileStateBackend({ folder: tmp.dir });
    const v1 = await backend.write('prod', stateWith('prod', [], 1), undefined);
    const a = stateWith('prod', [orgUnit('/A')], 2);
    const b = stateWith('prod', [orgUnit('/B')], 2);
    const results = await Promise.allSettled([backend.write('prod', a, v1), backend.write('prod', b, v1)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].reason.code).toBe(ErrorCodes.STATE_CONFLICT);
    expect(lost[0].reason.message).toContain('was written by someone else since it was read (it is now at serial 2');
    const stored = await backend.read('prod');
    const winner = results[0].status === 'fulfilled' ? a : b;
    expect(stored.found && stored.state).toEqual(winner);
  });

  test('a first write fails when a state appeared meanwhile', async () => {
    const backend = new FileStateBackend({ folder: tmp.dir });
    await backend.write('prod', stateWith('prod', [], 1), undefined);
    const error = await rejection(backend.write('prod', stateWith('prod', [orgUnit('/X')], 1), undefined));
    expect(error.code).toBe(ErrorCodes.STATE_CONFLICT);
  });

  test('a write that fails midway (disk full) leaves the previous state intact and no temporary file', async () => {
    let full = false;
    const failing: StateFileSystem = {
      ...fs,
      open: (async (path: string, flags: string, mode?: number) => {
        const handle = await fs.open(path, flags, mode);
        if (!full || !String(path).endsWith('.tmp')) return handle;
        return {
          writeFile: async () => {
            await handle.write('{"version": 1, "stack": "pr'); // a torn write, then the disk is full
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          },
          sync: () => handle.sync(),
          close: () => handle.close(),
        };
      }) as StateFileSystem['open'],
    };
    const backend = new FileStateBackend({ folder: tmp.dir, fs: failing });
    const before = stateWith('prod', [orgUnit('/Sales')], 1);
    const v1 = await backend.write('prod', before, undefined);
    const bytes = readFileSync(join(tmp.dir, 'prod.json'), 'utf8');
    full = true;
    const error = await rejection(
      backend.write('prod', stateWith('prod', [orgUnit('/Sales'), orgUnit('/Eng')], 2), v1),
    );
    expect(error.code).toBe(ErrorCodes.STATE_BACKEND);
    expect(error.message).toContain('the state could not be written; the previous state is unchanged (ENOSPC)');
    expect(readFileSync(join(tmp.dir, 'prod.json'), 'utf8')).toBe(bytes);
    expect(readdirSync(tmp.dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    full = false;
    const read = await backend.read('prod');
    expect(read).toEqual({ found: true, state: before, version: v1 });
    await backend.write('prod', stateWith('prod', [orgUnit('/Sales'), orgUnit('/Eng')], 2), v1);
  });

  test('a corrupt state file is refused and left as it was', async () => {
    const backend = new FileStateBackend({ folder: tmp.dir });
    writeFileSync(join(tmp.dir, 'prod.json'), '{"version":1,"stack":"prod","lineage":');
    const error = await rejection(backend.read('prod'));
    expect(error.code).toBe(ErrorCodes.STATE_UNREADABLE);
    expect(error.message).toContain(`${join(tmp.dir, 'prod.json')} is not valid JSON`);
    expect(readFileSync(join(tmp.dir, 'prod.json'), 'utf8')).toBe('{"version":1,"stack":"prod","lineage":');
  });

  test('a state with a secret in it is never written', async () => {
    const backend = new FileStateBackend({ folder: tmp.dir });
    const bad = stateWith('prod', [
      sendAs('u@example.com', 'a@partner.com', {
        credentials: {
          passwordFingerprint: 'hunter2-hunter2',
          usernameFingerprint: 'relay',
          endpoint: 'smtp.partner.com:465/ssl',
        },
      } as never),
    ]);
    const error = await rejection(backend.write('prod', bad, undefined));
    expect(error.code).toBe(ErrorCodes.STATE_UNREADABLE);
    expect(error.message).not.toContain('hunter2');
    expect(readdirSync(tmp.dir)).toEqual([]);
  });
});

describe('file backend: locks in one process', () => {
  test('a second holder fails at once, naming the holder, since when, what for and how to force-unlock', async () => {
    const backend = new FileStateBackend({ folder: tmp.dir });
    const lock = await acquireLock(backend, 'prod', { operation: 'apply', who: 'alice@ci-7' });
    const info = JSON.parse(readFileSync(join(tmp.dir, 'prod.lock.json'), 'utf8'));
    expect(info).toEqual({
      id: lock.info.id,
      who: 'alice@ci-7',
      operation: 'apply',
      created: expect.any(String),
      version: expect.any(String),
    });
    const error = await rejection(acquireLock(backend, 'prod', { operation: 'destroy' }));
    expect(error.code).toBe(ErrorCodes.STATE_LOCKED);
    expect(error.message).toContain(`the state of stack 'prod' is locked: apply by alice@ci-7 since ${info.created}`);
    expect(error.message).toContain(`mailpolicy force-unlock ${lock.info.id}`);
    // another stack in the same folder is not affected
    const other = await acquireLock(backend, 'staging', { operation: 'apply' });
    await other.release();
    await lock.release();
    expect(await backend.readLock('prod')).toBeUndefined();
    expect(readdirSync(tmp.dir).sort()).toEqual([]);
  });

  test('with a timeout the second waits and gets the lock once it is released', async () => {
    const backend = new FileStateBackend({ folder: tmp.dir });
    const first = await acquireLock(backend, 'prod', { operation: 'apply' });
    const events: string[] = [];
    const second = acquireLock(backend, 'prod', { operation: 'apply', timeoutMs: 60_000, pollMs: 20 }).then((l) => {
      events.push('second acquired');
      return l;
    });
    await new Promise((r) => setTimeout(r, 100));
    events.push('first releases');
    await first.release();
    const lock = await second;
    expect(events).toEqual(['first releases', 'second acquired']);
    await lock.release();
  });

  test('force-unlock refuses a wrong id and releases the right one; the old holder then knows it lost the lock', async () => {
    const backend = new FileStateBackend({ folder: tmp.dir, staleLockMs: 2000 });
    const held = await acquireLock(backend, 'prod', { operation: 'apply' });
    const wrong = await rejection(forceUnlock(backend, 'prod', '00000000-0000-4000-8000-000000000000'));
    expect(wrong.code).toBe(ErrorCodes.STATE_LOCKED);
    expect(wrong.message).toContain(`the lock held is apply by`);
    expect(wrong.message).toContain(held.info.id);
    expect((await findLock(backend, held.info.id))?.stack).toBe('prod');
    await forceUnlock(backend, 'prod', held.info.id);
    expect(await backend.readLock('prod')).toBeUndefined();
    const next = await acquireLock(backend, 'prod', { operation: 'destroy' });
    // The old holder notices at its next refresh of the lock (every second with this stale period).
    for (let i = 0; i < 300 && !(await lost(held)); i++) await new Promise((r) => setTimeout(r, 100));
    await expect(held.assertHeld()).rejects.toThrow(/was lost while held: someone ran force-unlock/);
    await held.release(); // must not remove the new holder's lock
    expect((await backend.readLock('prod'))?.info?.id).toBe(next.info.id);
    expect(await rejection(forceUnlock(backend, 'staging', next.info.id))).toMatchObject({
      code: ErrorCodes.STATE_LOCKED,
    });
    await next.release();
  });
});

async function lost(lock: { assertHeld(): Promise<void> }): Promise<boolean> {
  try {
    await lock.assertHeld();
    return false;
  } catch {
    return true;
  }
}
