/**
 * observe reads many users' send-as lists through Gmail batches and sees exactly what one call per user sees;
 * a user whose part fails for good is indeterminate on its own. Against the emulator.
 */
import { startEmulator } from '../../lib/emulator';
import type { RunningEmulator } from '../../lib/emulator/emulator-types';
import { createWorkspaceAdmin } from '../../lib/admin/google-workspace-admin';
import { BATCH_SEND_AS_THRESHOLD, observe } from '../../lib/engine/observe';
import { emptyManifest } from '../../lib/model/manifest';

const USERS = BATCH_SEND_AS_THRESHOLD + 5;
const user = (i: number): string => `u${i}@example.com`;
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ seed: 'empty', randomSeed: 5 });
  emulator.control.seed({
    customerId: 'C0batch01',
    domains: ['example.com'],
    users: [
      { primaryEmail: 'admin@example.com', orgUnitPath: '/', isAdmin: true },
      ...Array.from({ length: USERS }, (_, i) => ({
        primaryEmail: user(i),
        orgUnitPath: '/',
        aliases: [`a${i}@example.com`],
      })),
    ],
    sendAs: Array.from({ length: USERS }, (_, i) => ({
      userEmail: user(i),
      sendAsEmail: `a${i}@example.com`,
      displayName: `Alias ${i}`,
      treatAsAlias: true,
    })),
  });
});
afterAll(async () => {
  await emulator.close();
});

function admin() {
  return createWorkspaceAdmin({
    credentials: emulator.createServiceAccountKey(),
    adminEmail: 'admin@example.com',
    customerId: emulator.customerId,
    access: 'read',
    endpoint: { rootUrl: emulator.url, tokenUrl: emulator.tokenUrl },
    gmailBatchParts: 4,
    retry: { deadlineMs: 1_000 },
    sleep: async () => undefined,
  });
}

function manifest() {
  const m = emptyManifest('batch', ['example.com']);
  for (let i = 0; i < USERS; i++) m.users.push({ email: user(i) });
  return m;
}

test('batched send-as reads observe the same tenant as one call per user', async () => {
  const single = await observe(admin(), manifest(), { sendAsReads: 'single' });
  const batched = admin();
  const observed = await observe(batched, manifest());
  expect(observed).toEqual(single);
  expect(Object.keys(observed.sendAs)).toHaveLength(USERS);
  expect(batched.stats().calls['gmail.users.settings.sendAs.list']).toBe(USERS);
});

test('a user whose part fails for good is indeterminate alone', async () => {
  emulator.control.armFault({
    method: 'gmail.users.settings.sendAs.list',
    user: user(6),
    kind: 'fail-before',
    status: 403,
    reason: 'forbidden',
  });
  const observed = await observe(admin(), manifest());
  expect(observed.sendAs[user(6)]).toMatchObject({ status: 'indeterminate', permission: true });
  const ok = Object.values(observed.sendAs).filter((o) => o.status === 'ok');
  expect(ok).toHaveLength(USERS - 1);
});
