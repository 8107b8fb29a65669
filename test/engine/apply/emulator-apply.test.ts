/**
 * The executor through the real client (GoogleWorkspaceAdmin) against the emulator: a rollout interrupted at
 * many points converges from fresh plans, and a rollout under injected faults converges too.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startEmulator, startSmtpStandIn, type RunningEmulator, type RunningSmtpStandIn } from '../../../lib/emulator';
import { applyExitCode, type ApplyOptions } from '../../../lib/engine/apply';
import { FileStateBackend } from '../../../lib/state/file-state-backend';
import { StateStore } from '../../../lib/state/state-store';
import { fingerprintKeyFrom } from '../../../lib/model/secret-ref';
import type { WorkspaceAdmin } from '../../../lib/admin/workspace-admin';
import { applyInterrupted, emulatorAdmin, planRollout, rolloutManifest, rolloutSeed } from './helpers/emulator-rollout';

const PASSWORD = 'canary-relay-secret-7d41';
const ENV = { RELAY_PASSWORD: PASSWORD };
const KEY = fingerprintKeyFrom('emulator apply test key');

let emulator: RunningEmulator;
let smtp: RunningSmtpStandIn;
let dir: string;

beforeAll(async () => {
  smtp = await startSmtpStandIn({ mode: 'starttls', accounts: { relay: PASSWORD } });
  emulator = await startEmulator({ seed: 'empty', randomSeed: 11, smtpCa: smtp.cert });
});
afterAll(async () => {
  await emulator.close();
  await smtp.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'apply-emu-'));
  emulator.control.setKnobs({
    faults: {},
    latencyMs: 0,
    jitterMs: 0,
    policyWrites: 'accepted',
    propagationDelayMs: 0,
    acceptExternalWithoutSmtp: true,
  });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function applyOptions(admin: WorkspaceAdmin, state: StateStore): ApplyOptions {
  let t = 0;
  return {
    admin,
    state,
    fingerprintKey: KEY,
    env: ENV,
    cwd: dir,
    concurrency: 20,
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
  };
}

/** Every user's send-as addresses, lower-cased and sorted, duplicates kept (so a duplicate would show). */
function identitiesByUser(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of emulator.control.snapshot().sendAs ?? []) {
    (out[s.userEmail.toLowerCase()] ??= []).push(s.sendAsEmail.toLowerCase());
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

function expectConverged(count: number): void {
  const byUser = identitiesByUser();
  for (let i = 0; i < count; i++) {
    const expected = [`u${i}@partner.test`];
    if (i % 25 === 0) expected.push(`own${i}@example.com`);
    const primary = byUser[`u${i}@example.com`]?.filter((e) => e === `u${i}@example.com`) ?? [];
    expect(byUser[`u${i}@example.com`]?.filter((e) => e !== `u${i}@example.com`)).toEqual(expected.sort());
    expect(primary.length).toBeLessThanOrEqual(1);
  }
  const snapshot = emulator.control.snapshot();
  expect((snapshot.orgUnits ?? []).map((o) => o.path)).toEqual(['/Partners']);
  expect((snapshot.users ?? []).filter((u) => u.orgUnitPath === '/Partners')).toHaveLength(count);
}

/** `APPLY_ROLLOUT_FULL=1` interrupts at ten points instead of five (slower: each restart re-plans 200 users). */
const STOP_POINTS = process.env.APPLY_ROLLOUT_FULL ? [1, 3, 10, 25, 40, 60, 45, 80, 30, 50] : [1, 10, 40, 80, 30];

test('a 200-identity rollout interrupted at several points converges from fresh plans, leaving undeclared identities alone', async () => {
  const count = 200;
  emulator.control.seed(rolloutSeed(count, emulator.customerId));
  const manifest = rolloutManifest(count, { host: smtp.host, port: smtp.port }, 10);
  const admin = emulatorAdmin(emulator);
  const ledger = await StateStore.load(new FileStateBackend({ folder: join(dir, 'state') }), 'rollout');

  const interruptions: number[] = [];
  for (const stopAfter of STOP_POINTS) {
    const plan = await planRollout(admin, manifest, ledger, KEY, ENV);
    const result = await applyInterrupted(plan, applyOptions(admin, ledger), stopAfter);
    interruptions.push(result.done.length);
    expect(result.aborted).toBe(true);
  }
  const plan = await planRollout(admin, manifest, ledger, KEY, ENV);
  const last = await applyInterrupted(plan, applyOptions(admin, ledger), undefined);

  expect(applyExitCode(last)).toBe(0);
  expectConverged(count);
  const after = await planRollout(admin, manifest, ledger, KEY, ENV);
  expect(after.changes).toEqual([]);
  const recorded = Object.values(ledger.state.objects).filter((o) => o.kind === 'sendAs' && o.credentials);
  expect(recorded).toHaveLength(count / 10);
  expect(readFileSync(join(dir, 'state', 'rollout.json'), 'utf8')).not.toContain(PASSWORD);
}, 300_000);

test('a 500-identity rollout converges while the API answers 10% 503, 5% 429 and resets 2% of connections', async () => {
  const count = 500;
  emulator.control.seed(rolloutSeed(count, emulator.customerId));
  const manifest = rolloutManifest(count, { host: smtp.host, port: smtp.port }, 50);
  const admin = emulatorAdmin(emulator);
  const ledger = await StateStore.load(new FileStateBackend({ folder: join(dir, 'state') }), 'rollout');
  const plan = await planRollout(admin, manifest, ledger, KEY, ENV);
  const before = sum(emulator.control.callCounts());

  emulator.control.setKnobs({ faults: { '503': 0.1, '429': 0.05, reset: 0.02 } });
  const result = await applyInterrupted(plan, applyOptions(admin, ledger), undefined);
  emulator.control.setKnobs({ faults: {} });

  expect(result.failed).toEqual([]);
  expect(applyExitCode(result)).toBe(0);
  expectConverged(count);
  const sent = sum(emulator.control.callCounts()) - before;
  const needed = sum(result.calls) - sum(admin.stats().retries);
  // Recorded for the report: the extra calls the faults cost.
  process.stderr.write(`500-identity apply under faults: ${sent} calls received, ${sent - needed} of them extra\n`);
  expect(sent).toBeGreaterThan(needed);
}, 300_000);

function sum(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
