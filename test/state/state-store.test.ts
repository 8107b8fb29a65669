import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ErrorCodes } from '../../lib/model/errors';
import {
  FileStateBackend,
  StateStore,
  acquireLock,
  forceUnlock,
  type StackState,
  type StateBackend,
  type StateVersion,
} from '../../lib/state';
import { AT, CREDENTIALS, stateWith, tempDir } from './helpers/states';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir('mp-state-store-')));
afterEach(() => tmp.remove());

const ou = (path: string) => ({
  kind: 'orgUnit' as const,
  path,
  origin: 'created' as const,
  removalPolicy: 'destroy' as const,
});
const identity = {
  kind: 'sendAs' as const,
  userEmail: 'u@example.com',
  sendAsEmail: 'a@partner.com',
  origin: 'created' as const,
  removalPolicy: 'destroy' as const,
};
const ID = 'sendAs:u@example.com/a@partner.com';

/** A backend that counts the writes reaching the one it wraps. */
function counting(inner: StateBackend): StateBackend & { writes: number } {
  const wrapper = Object.create(inner) as StateBackend & { writes: number };
  wrapper.writes = 0;
  wrapper.write = (stack: string, state: StackState, expected: StateVersion | undefined) => {
    wrapper.writes++;
    return inner.write(stack, state, expected);
  };
  return wrapper;
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

test('a missing state loads as an empty one flagged missing; the first update creates it at serial 1', async () => {
  const backend = new FileStateBackend({ folder: tmp.dir });
  const store = await StateStore.load(backend, 'prod', { now: () => new Date(AT) });
  expect(store.missing).toBe(true);
  expect(store.state).toMatchObject({ stack: 'prod', serial: 0, objects: {}, facts: {} });
  await store.recordObject('orgUnit:/sales', ou('/Sales'));
  const read = await backend.read('prod');
  expect(read.found && read.state).toEqual({ ...store.state, serial: 1 });
  expect(read.found && read.state.objects['orgUnit:/sales']).toEqual({ ...ou('/Sales'), updatedAt: AT });
  expect(read.found && read.state.lineage).toBe(store.state.lineage);
  const again = await StateStore.load(backend, 'prod');
  expect(again.missing).toBe(false);
});

test('updates are written in order and coalesced; each resolves once stored; serial counts the writes', async () => {
  const backend = counting(new FileStateBackend({ folder: tmp.dir }));
  const store = await StateStore.load(backend, 'prod');
  const paths = Array.from({ length: 40 }, (_, i) => `/Team${i}`);
  await Promise.all(paths.map((p) => store.recordObject(`orgUnit:${p.toLowerCase()}`, ou(p))));
  expect(backend.writes).toBeLessThan(40);
  const read = await backend.read('prod');
  expect(read.found && Object.keys(read.state.objects)).toHaveLength(40);
  expect(read.found && read.state.serial).toBe(backend.writes);
  expect(store.state.serial).toBe(backend.writes);
});

test('an update that changes nothing but the time writes nothing', async () => {
  const backend = counting(new FileStateBackend({ folder: tmp.dir }));
  const store = await StateStore.load(backend, 'prod');
  await store.recordObject('orgUnit:/sales', ou('/Sales'));
  await store.recordObject('orgUnit:/sales', { ...ou('/Sales'), updatedAt: '2030-01-01T00:00:00.000Z' });
  await store.forgetObject('orgUnit:/never');
  await store.markPolicyWritesRefused();
  await store.markPolicyWritesRefused();
  expect(backend.writes).toBe(2);
});

test('credentials: recorded as fingerprints only, kept when the identity is recorded again, forgotten on request', async () => {
  const backend = new FileStateBackend({ folder: tmp.dir });
  const store = await StateStore.load(backend, 'prod');
  await store.recordObject(ID, identity);
  await store.recordCredentials(ID, CREDENTIALS);
  await store.recordObject(ID, { ...identity, appliedDigest: `sha256:${'c'.repeat(64)}` });
  expect(store.object(ID)).toMatchObject({ credentials: CREDENTIALS, appliedDigest: `sha256:${'c'.repeat(64)}` });
  await store.recordCredentials(ID, undefined);
  expect(store.object(ID)).not.toHaveProperty('credentials');

  const bytes = readFileSync(join(tmp.dir, 'prod.json'), 'utf8');
  const secret = await rejection(store.recordCredentials(ID, { ...CREDENTIALS, passwordFingerprint: 'hunter2-plain' }));
  expect(secret.code).toBe(ErrorCodes.STATE_UNREADABLE);
  expect(secret.message).not.toContain('hunter2');
  expect(readFileSync(join(tmp.dir, 'prod.json'), 'utf8')).toBe(bytes);
  expect(store.object(ID)).not.toHaveProperty('credentials');

  const unknown = await rejection(store.recordCredentials('sendAs:x@example.com/y@partner.com', CREDENTIALS));
  expect(unknown.message).toContain('the state has no send-as identity with that key');
  const misfiled = await rejection(store.recordObject('orgUnit:/other', ou('/Sales')));
  expect(misfiled.message).toContain("the record's fields make the key 'orgUnit:/sales'");
});

test('forgetting an object removes it from the stored state', async () => {
  const backend = new FileStateBackend({ folder: tmp.dir });
  const store = await StateStore.load(backend, 'prod');
  await store.recordObject('orgUnit:/a', ou('/A'));
  await store.recordObject('orgUnit:/b', ou('/B'));
  await store.forgetObject('orgUnit:/a');
  const read = await backend.read('prod');
  expect(read.found && Object.keys(read.state.objects)).toEqual(['orgUnit:/b']);
});

test("a write by someone else is never overwritten: this store's writes fail from then on", async () => {
  const backend = new FileStateBackend({ folder: tmp.dir });
  const mine = await StateStore.load(backend, 'prod');
  const theirs = await StateStore.load(backend, 'prod');
  await theirs.recordObject('orgUnit:/theirs', ou('/Theirs'));
  const first = await rejection(mine.recordObject('orgUnit:/mine', ou('/Mine')));
  expect(first.code).toBe(ErrorCodes.STATE_CONFLICT);
  const later = await rejection(mine.markPolicyWritesRefused());
  expect(later.code).toBe(ErrorCodes.STATE_CONFLICT);
  const read = await backend.read('prod');
  expect(read.found && Object.keys(read.state.objects)).toEqual(['orgUnit:/theirs']);
});

test("two stacks in one folder never lose each other's updates", async () => {
  const backend = new FileStateBackend({ folder: tmp.dir });
  const [prod, staging] = await Promise.all([StateStore.load(backend, 'prod'), StateStore.load(backend, 'staging')]);
  const updates: Promise<void>[] = [];
  for (let i = 0; i < 30; i++) {
    updates.push(prod.recordObject(`orgUnit:/p${i}`, ou(`/P${i}`)));
    updates.push(staging.recordObject(`orgUnit:/s${i}`, ou(`/S${i}`)));
  }
  await Promise.all(updates);
  for (const [stack, letter] of [
    ['prod', 'p'],
    ['staging', 's'],
  ] as const) {
    const read = await backend.read(stack);
    expect(read.found && Object.keys(read.state.objects).sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => `orgUnit:/${letter}${i}`).sort(),
    );
  }
});

test('a failed write is retried with the next update, which then carries both changes', async () => {
  const inner = new FileStateBackend({ folder: tmp.dir });
  let failNext = false;
  const flaky = Object.create(inner) as StateBackend;
  flaky.write = (stack, state, expected) => {
    if (failNext) {
      failNext = false;
      return Promise.reject(Object.assign(new Error('state backend: disk full (ENOSPC)'), { code: 'MP3008' }));
    }
    return inner.write(stack, state, expected);
  };
  const store = await StateStore.load(flaky, 'prod');
  await store.recordObject('orgUnit:/a', ou('/A'));
  failNext = true;
  await expect(store.recordObject('orgUnit:/b', ou('/B'))).rejects.toThrow(/ENOSPC/);
  const between = await inner.read('prod');
  expect(between.found && Object.keys(between.state.objects)).toEqual(['orgUnit:/a']);
  await store.recordObject('orgUnit:/c', ou('/C'));
  const after = await inner.read('prod');
  expect(after.found && Object.keys(after.state.objects)).toEqual(['orgUnit:/a', 'orgUnit:/b', 'orgUnit:/c']);
  expect(after.found && after.state.serial).toBe(2);
});

test('a corrupt state is an error before any change; so is the state of another stack', async () => {
  const backend = new FileStateBackend({ folder: tmp.dir });
  writeFileSync(join(tmp.dir, 'prod.json'), '{}');
  await expect(StateStore.load(backend, 'prod')).rejects.toMatchObject({ code: ErrorCodes.STATE_UNREADABLE });
  expect(readFileSync(join(tmp.dir, 'prod.json'), 'utf8')).toBe('{}');
  const staging = JSON.stringify(stateWith('staging', []));
  writeFileSync(join(tmp.dir, 'prod.json'), staging);
  await expect(StateStore.load(backend, 'prod')).rejects.toThrow(/belongs to stack 'staging', not 'prod'/);
});

test('a store bound to a lock stops writing once the lock was force-unlocked', async () => {
  const backend = new FileStateBackend({ folder: tmp.dir, staleLockMs: 2000 });
  const lock = await acquireLock(backend, 'prod', { operation: 'apply' });
  const store = await StateStore.load(backend, 'prod', { lock });
  await store.recordObject('orgUnit:/a', ou('/A'));
  await forceUnlock(backend, 'prod', lock.info.id);
  let error: { code?: string; message: string } | undefined;
  for (let i = 0; i < 300 && !error; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      await lock.assertHeld();
    } catch (e) {
      error = e as { code?: string; message: string };
    }
  }
  const refused = await rejection(store.recordObject('orgUnit:/b', ou('/B')));
  expect(refused.code).toBe(ErrorCodes.STATE_LOCKED);
  expect(refused.message).toContain('was lost while held');
  const read = await backend.read('prod');
  expect(read.found && Object.keys(read.state.objects)).toEqual(['orgUnit:/a']);
});

test('a state handed out stays as it was when later updates record and forget objects', async () => {
  const backend = new FileStateBackend({ folder: tmp.dir });
  const store = await StateStore.load(backend, 'prod', { now: () => new Date(AT) });
  await store.recordObject('orgUnit:/sales', ou('/Sales'));
  const first = store.state;
  expect(store.state).toBe(first);
  await store.recordObject('orgUnit:/ops', ou('/Ops'));
  const second = store.state;
  await store.forgetObject('orgUnit:/sales');
  expect(Object.keys(first.objects)).toEqual(['orgUnit:/sales']);
  expect(first.serial).toBe(1);
  expect(Object.keys(second.objects).sort()).toEqual(['orgUnit:/ops', 'orgUnit:/sales']);
  expect(Object.keys(store.state.objects)).toEqual(['orgUnit:/ops']);
  expect(store.object('orgUnit:/sales')).toBeUndefined();
  const reloaded = await StateStore.load(backend, 'prod');
  expect(reloaded.state).toEqual(store.state);
  expect(reloaded.state.serial).toBe(3);
});
