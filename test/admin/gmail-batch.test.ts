/**
 * `listSendAsMany` through Gmail's batch endpoint, against the emulator (which serves it as Google's batch guide
 * documents it): the same lists as one call per user, each part counted as its own call, a part's 429 or 503
 * retried alone after its backoff, a dropped batch resent whole, and per-part errors mapped exactly as the
 * single call maps them. Time is virtual: waits advance a fake clock.
 */
import { startEmulator } from '../../lib/emulator';
import type { RunningEmulator } from '../../lib/emulator/emulator-types';
import { AdminApiError } from '../../lib/admin/admin-error';
import { createWorkspaceAdmin } from '../../lib/admin/google-workspace-admin';
import type { SendAsRecord, WorkspaceAdmin } from '../../lib/admin/workspace-admin';
import type { WorkspaceAdminOptions } from '../../lib/admin/workspace-admin-options';

const USERS = 25;
const LIST = 'gmail.users.settings.sendAs.list';
const user = (i: number): string => `u${i}@example.com`;
const users = Array.from({ length: USERS }, (_, i) => user(i));

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ seed: 'empty', randomSeed: 3 });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  emulator.control.seed({
    customerId: 'C0batch00',
    domains: ['example.com'],
    users: [
      { primaryEmail: 'admin@example.com', orgUnitPath: '/', isAdmin: true },
      ...users.map((email, i) => ({ primaryEmail: email, orgUnitPath: '/', aliases: [`a${i}@example.com`] })),
    ],
    sendAs: users.map((email, i) => ({
      userEmail: email,
      sendAsEmail: `a${i}@example.com`,
      displayName: `Alias ${i}`,
      treatAsAlias: true,
    })),
  });
  emulator.control.setKnobs({ faults: {}, latencyMs: 0, jitterMs: 0 });
  base = emulator.control.callCounts()[LIST] ?? 0;
});

function client(overrides: Partial<WorkspaceAdminOptions> = {}): { admin: WorkspaceAdmin; sleeps: number[] } {
  let t = 0;
  const sleeps: number[] = [];
  const admin = createWorkspaceAdmin({
    credentials: emulator.createServiceAccountKey(),
    adminEmail: 'admin@example.com',
    customerId: emulator.customerId,
    access: 'read',
    endpoint: { rootUrl: emulator.url, tokenUrl: emulator.tokenUrl },
    gmailBatchParts: 10,
    retry: { deadlineMs: 60_000 },
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    random: () => 0.5,
    ...overrides,
  });
  return { admin, sleeps };
}

let base = 0;
/** `sendAs.list` calls the emulator counted since the test began (batch parts included). */
const listCalls = (): number => (emulator.control.callCounts()[LIST] ?? 0) - base;

function values(results: PromiseSettledResult<SendAsRecord[]>[]): SendAsRecord[][] {
  return results.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
}

function rejection(result: PromiseSettledResult<SendAsRecord[]>): AdminApiError {
  if (result.status !== 'rejected' || !AdminApiError.isAdminApiError(result.reason)) {
    throw new Error(`expected an AdminApiError, got ${JSON.stringify(result)}`);
  }
  return result.reason;
}

async function singleFailure(admin: WorkspaceAdmin, email: string): Promise<AdminApiError> {
  try {
    await admin.listSendAs(email);
  } catch (error) {
    if (AdminApiError.isAdminApiError(error)) return error;
    throw error;
  }
  throw new Error('expected the single call to fail');
}

test('gives every user the list one call per user gives, in the order asked, each part counted as a call', async () => {
  const { admin } = client();
  const single = await Promise.all(users.map((u) => admin.listSendAs(u)));
  const before = listCalls();
  const order = [...users].reverse();
  const batched = values(await admin.listSendAsMany!(order));
  expect(batched).toEqual([...single].reverse());
  expect(batched[USERS - 1].map((s) => s.sendAsEmail).sort()).toEqual(['a0@example.com', 'u0@example.com']);
  expect(listCalls() - before).toBe(USERS);
  expect(admin.stats().calls[LIST]).toBe(2 * USERS);
});

test.each([
  [429, 1000],
  [503, 0],
])('a part answered %s is retried alone after its backoff; the others are not sent again', async (status, least) => {
  const { admin, sleeps } = client();
  emulator.control.armFault({ method: LIST, user: user(13), kind: 'fail-before', status });
  const results = values(await admin.listSendAsMany!(users));
  expect(results[13].map((s) => s.sendAsEmail)).toContain('a13@example.com');
  expect(listCalls()).toBe(USERS + 1);
  expect(admin.stats().retries[LIST]).toBe(1);
  expect(sleeps).toHaveLength(1);
  expect(sleeps[0]).toBeGreaterThanOrEqual(least);
});

test('a dropped batch connection resends that batch’s parts and only those', async () => {
  const { admin } = client();
  emulator.control.armFault({ method: LIST, user: user(12), kind: 'lose-answer', answer: 'reset' });
  const results = values(await admin.listSendAsMany!(users));
  expect(results).toHaveLength(USERS);
  // Batches of 10: users 10–19 travelled together. Before the drop the parts of users 10, 11 and 12 ran and
  // the seven after them never did; the resent batch ran all ten: 15 + 3 + 10 (one call each would be 26).
  expect(listCalls()).toBe(15 + 3 + 10);
  expect(admin.stats().retries[LIST]).toBe(10);
});

test('a part that fails for good is rejected with the error the single call gives; the others succeed', async () => {
  const { admin } = client();
  emulator.control.armFault({ method: LIST, user: user(4), kind: 'fail-before', status: 404 });
  const results = await admin.listSendAsMany!(users);
  const batched = rejection(results[4]);
  emulator.control.armFault({ method: LIST, user: user(4), kind: 'fail-before', status: 404 });
  const single = await singleFailure(admin, user(4));
  expect(batched.kind).toBe('notFound');
  expect(batched.format()).toBe(single.format());
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(USERS - 1);
});

test('a part that keeps failing runs out of retries alone, as retriesExhausted', async () => {
  const { admin } = client({ retry: { deadlineMs: 5_000 } });
  emulator.control.armFault({ method: LIST, user: user(7), kind: 'fail-before', status: 503, times: 1000 });
  const results = await admin.listSendAsMany!(users);
  expect(rejection(results[7]).kind).toBe('retriesExhausted');
  expect(rejection(results[7]).format()).toMatch(/503/);
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(USERS - 1);
});

test('a user the token endpoint refuses fails alone, as the single call fails', async () => {
  const { admin } = client();
  const ghost = 'ghost@example.com';
  const results = await admin.listSendAsMany!([...users.slice(0, 5), ghost, ...users.slice(5, 9)]);
  const batched = rejection(results[5]);
  const single = await singleFailure(admin, ghost);
  expect(batched.kind).toBe(single.kind);
  expect(batched.format()).toBe(single.format());
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(9);
});

test('a key whose grant lacks the Gmail scope gets the permission error of the single call for every part', async () => {
  const key = emulator.createServiceAccountKey({
    scopes: ['https://www.googleapis.com/auth/admin.directory.user.readonly'],
  });
  const { admin } = client({ credentials: key });
  const results = await admin.listSendAsMany!(users.slice(0, 3));
  for (const [i, r] of results.entries()) {
    const single = await singleFailure(admin, user(i));
    expect(single.kind).toBe('permission');
    expect(rejection(r).format()).toBe(single.format());
  }
});

test('with gmailBatchParts 1 every user is read by its own call', async () => {
  const { admin } = client({ gmailBatchParts: 1 });
  emulator.control.armFault({ method: LIST, user: user(12), kind: 'lose-answer', answer: 'reset' });
  values(await admin.listSendAsMany!(users));
  expect(listCalls()).toBe(USERS + 1);
});
