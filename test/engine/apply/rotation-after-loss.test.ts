/**
 * Credential rotation is never silently skipped: whenever the state has no fingerprint for an identity (the state
 * was lost, a first rollout was killed, a state write failed on a full disk), the next rotation still reaches every
 * identity. Proved against the emulator and a real SMTP server that accepts only the new password: Gmail's SMTP
 * check at each write authenticates with what was sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startEmulator, startSmtpStandIn, type RunningEmulator, type RunningSmtpStandIn } from '../../../lib/emulator';
import { applyExitCode, type ApplyOptions } from '../../../lib/engine/apply';
import { fingerprintKeyFrom, fingerprintSecret } from '../../../lib/model/secret-ref';
import { FileStateBackend, type StateFileSystem } from '../../../lib/state/file-state-backend';
import { NODE_FILE_SYSTEM } from '../../../lib/state/private/atomic-write';
import type { SendAsObject } from '../../../lib/state/stack-state';
import { StateStore } from '../../../lib/state/state-store';
import { applyInterrupted, emulatorAdmin, planRollout, rolloutManifest, rolloutSeed } from './helpers/emulator-rollout';

const OLD = 'relay-old-password-1f2e';
const NEW = 'relay-new-password-9a8b';
const KEY = fingerprintKeyFrom('rotation test key');
const COUNT = 40;

let emulator: RunningEmulator;
let smtp: RunningSmtpStandIn;
const accounts: Record<string, string> = { relay: OLD };
let dir: string;

beforeAll(async () => {
  smtp = await startSmtpStandIn({ mode: 'starttls', accounts });
  emulator = await startEmulator({ seed: 'empty', smtpCa: smtp.cert, acceptExternalWithoutSmtp: true });
});
afterAll(async () => {
  await emulator.close();
  await smtp.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rotation-'));
  accounts.relay = OLD;
  emulator.control.seed(rolloutSeed(COUNT, emulator.customerId));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const manifest = () => rolloutManifest(COUNT, { host: smtp.host, port: smtp.port });

function store(folder = 'state', fs?: StateFileSystem): Promise<StateStore> {
  return StateStore.load(new FileStateBackend({ folder: join(dir, folder), ...(fs ? { fs } : {}) }), 'rollout');
}

function options(state: StateStore, password: string): ApplyOptions {
  return {
    admin: emulatorAdmin(emulator),
    state,
    fingerprintKey: KEY,
    env: { RELAY_PASSWORD: password },
    cwd: dir,
    concurrency: 10,
    sleep: async () => undefined,
  };
}

/** Rotates the partner's password (the SMTP server now accepts only NEW), plans and applies with `state`. */
async function rotate(state: StateStore): Promise<void> {
  accounts.relay = NEW;
  const plan = await planRollout(emulatorAdmin(emulator), manifest(), state, KEY, { RELAY_PASSWORD: NEW });
  const sending = plan.changes.filter(
    (c) => c.kind === 'sendAs' && c.action !== 'delete' && c.action !== 'forget' && c.write.fields.includes('smtpMsa'),
  );
  // Every identity gets the new password: none is assumed to hold it already.
  expect(sending).toHaveLength(COUNT);
  const before = smtp.authenticated;
  const result = await applyInterrupted(plan, options(state, NEW), undefined);
  expect(result.failed).toEqual([]);
  expect(applyExitCode(result)).toBe(0);
  // The SMTP server accepted the new password once per identity: it reached every one.
  expect(smtp.authenticated - before).toBe(COUNT);
  const recorded = Object.values((await store()).state.objects).filter((o): o is SendAsObject => o.kind === 'sendAs');
  expect(recorded.map((o) => o.credentials?.passwordFingerprint)).toEqual(
    Array.from({ length: COUNT }, () => fingerprintSecret(NEW, KEY)),
  );
}

async function rollOut(state: StateStore, stopAfterCalls?: number): Promise<void> {
  const plan = await planRollout(emulatorAdmin(emulator), manifest(), state, KEY, { RELAY_PASSWORD: OLD });
  await applyInterrupted(plan, options(state, OLD), stopAfterCalls);
}

test('after the state was lost, the next rotation reaches every identity', async () => {
  await rollOut(await store());
  rmSync(join(dir, 'state'), { recursive: true, force: true });
  await rotate(await store());
});

test('after a first rollout killed half-way, the next rotation reaches every identity', async () => {
  await rollOut(await store(), 30);
  expect(
    (emulator.control.snapshot().sendAs ?? []).filter((s) => s.sendAsEmail.endsWith('@partner.test')).length,
  ).toBeLessThan(COUNT);
  await rotate(await store());
});

test('after a state write failed on a full disk, the next rotation reaches every identity', async () => {
  let writes = 0;
  const full: StateFileSystem = {
    ...NODE_FILE_SYSTEM,
    open: (async (path: string, flags: string, mode?: number) => {
      if (String(path).endsWith('.tmp') && ++writes > 3) {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      return NODE_FILE_SYSTEM.open(path, flags, mode);
    }) as StateFileSystem['open'],
  };
  const failing = await store('state', full);
  const plan = await planRollout(emulatorAdmin(emulator), manifest(), failing, KEY, { RELAY_PASSWORD: OLD });
  const result = await applyInterrupted(plan, options(failing, OLD), undefined);
  // The identities were created, but the state could not record them: those changes report it.
  expect(result.failed.length).toBeGreaterThan(0);
  expect(result.failed[0].error.message).toMatch(/done in the tenant, but the stack's state could not record it/);
  await rotate(await store());
});
