/**
 * Two applies at once on one stack, through the `mailpolicy` binary, with the state on the file backend and on the
 * gs:// backend (the Cloud Storage emulator through @google-cloud/storage): one runs, the other fails at once naming
 * who holds the lock, or waits with --lock-timeout and then finds nothing to do. Never a 409 from Google, never a
 * lost update of the state. A killed apply's lock is released with force-unlock.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { startStorageEmulator, type RunningStorageEmulator, type SeedTenant } from '../../lib/emulator';
import type { Manifest } from '../../lib/model';
import { describeRun, runCli, spawnCli, type CliResult } from './helpers/cli';
import { startGateProxy } from './helpers/gate-proxy';
import { callsMatching, startCliTenant, type CliTenant } from './helpers/tenant';

const USERS = Array.from({ length: 12 }, (_, i) => `u${i}@example.com`);
const SEED: SeedTenant = {
  customerId: 'C0locks000',
  domains: ['example.com'],
  users: [
    { primaryEmail: 'admin@example.com', isAdmin: true },
    ...USERS.map((primaryEmail) => ({ primaryEmail, aliases: [primaryEmail.replace('@', '.team@')] })),
  ],
};
const MANIFEST: Manifest = {
  version: 1,
  stack: 'locks',
  customerId: 'my_customer',
  domains: ['example.com'],
  orgUnits: [{ path: '/Partners', name: 'Partners', parentPath: '/', managed: true }],
  gatewayPolicies: [{ orgUnitPath: '/Partners', allowPerUserOutboundGateways: false }],
  users: USERS.map((email) => ({ email })),
  sendAs: USERS.map((userEmail) => ({ userEmail, sendAsEmail: userEmail.replace('@', '.team@'), displayName: 'Team' })),
  ownership: [],
  acknowledgements: [],
};

let tenant: CliTenant;
let storage: RunningStorageEmulator;
beforeAll(async () => {
  tenant = await startCliTenant({ seed: SEED });
  storage = await startStorageEmulator({ buckets: ['locks-state'] });
});
afterAll(async () => {
  await storage.close();
  await tenant.close();
});

interface Backend {
  readonly name: string;
  env(cwd: string): NodeJS.ProcessEnv;
}

const BACKENDS: Backend[] = [
  { name: 'file', env: () => ({}) },
  {
    name: 'gs',
    env: (cwd) => ({
      STORAGE_EMULATOR_HOST: storage.url,
      MAILPOLICY_STATE: `gs://locks-state/${cwd.split('/').pop() ?? 'x'}`,
    }),
  },
];

function setUp(
  name: string,
  backend: Backend,
  latencyMs = 120,
): { cwd: string; env: NodeJS.ProcessEnv; apply: string[] } {
  tenant.emulator.control.seed(SEED);
  // Slow answers, so the two applies overlap.
  tenant.emulator.control.setKnobs({ latencyMs });
  const cwd = tenant.freshDir(`${name}-${backend.name}`);
  writeFileSync(join(cwd, 'mail-policy.json'), JSON.stringify(MANIFEST));
  return {
    cwd,
    env: { ...tenant.env, ...backend.env(cwd) },
    apply: ['apply', '--manifest', 'mail-policy.json', '--auto-approve'],
  };
}

afterEach(() => tenant.emulator.control.setKnobs({ latencyMs: 0 }));

const POLICY_CREATE = /^cloudidentity\.policies\.create$/;

/** Calls of a method since `since` (the emulator's counts run over the whole file). */
function callsSince(pattern: RegExp, since: number): number {
  return callsMatching(tenant.emulator, pattern) - since;
}

const noConflicts = (policyCreatesBefore: number, ...results: CliResult[]): void => {
  for (const r of results) expect(`${r.stdout}${r.stderr}`).not.toMatch(/409|already exists \(/);
  expect(callsSince(POLICY_CREATE, policyCreatesBefore)).toBe(1);
};

describe.each(BACKENDS)('two applies at once, state on the $name backend', (backend) => {
  test('one runs; the other fails at once, naming who holds the lock, since when, for what, and its id', async () => {
    const { cwd, env, apply } = setUp('fail-fast', backend, 0);
    const before = callsMatching(tenant.emulator, POLICY_CREATE);
    // The first apply is held at its policy write (it holds the lock then), whatever the machine's load.
    const gate = await startGateProxy(tenant.emulator.url, /^POST \/v1(beta1)?\/policies(\?|$)/);
    try {
      const first = spawnCli(apply, { cwd, env: { ...env, MAILPOLICY_EMULATOR_URL: gate.url } });
      await gate.held();
      const loser = await runCli(apply, { cwd, env });
      gate.release();
      const winner = await first.result;
      expect(describeRun(winner)).toMatch(/^exit 0/);
      expect(describeRun(loser)).toMatch(/^exit 1/);
      expect(loser.stderr).toMatch(
        /\[MP3005\] the state of stack 'locks' is locked: apply by \S+@\S+ since \d{4}-\d\d-\d\dT[\d:.]+Z \(lock id [0-9a-f-]{36}, mailpolicy /,
      );
      expect(loser.stderr).toMatch(/mailpolicy force-unlock [0-9a-f-]{36}/);
      noConflicts(before, winner, loser);
    } finally {
      gate.release();
      await gate.close();
    }
    expect(
      describeRun(await runCli(['plan', '--manifest', 'mail-policy.json', '--detailed-exitcode'], { cwd, env })),
    ).toMatch(/^exit 0/);
  });

  test('with --lock-timeout the second waits, then finds nothing to do', async () => {
    const { cwd, env, apply } = setUp('wait', backend);
    const before = callsMatching(tenant.emulator, POLICY_CREATE);
    const reads = callsMatching(tenant.emulator, /^directory\./);
    const first = spawnCli(apply, { cwd, env });
    // The first holds the lock once it has started reading the tenant.
    while (callsSince(/^directory\./, reads) === 0) await new Promise((done) => setTimeout(done, 10));
    const second = await runCli([...apply, '--lock-timeout', '60s'], { cwd, env });
    const done = await first.result;
    expect(describeRun(done)).toMatch(/^exit 0/);
    expect(describeRun(second)).toMatch(/^exit 0/);
    expect(second.stdout).toContain('No changes. The tenant matches the code.');
    noConflicts(before, done, second);
  });
});

test('a killed apply leaves its gs:// lock (no lease, as Terraform), released by force-unlock', async () => {
  const backend = BACKENDS[1];
  const { cwd, env, apply } = setUp('killed', backend, 0);
  // Killed while its send-as creates are in flight (held here, so the kill lands mid-apply on any machine).
  const gate = await startGateProxy(tenant.emulator.url, /^POST \/gmail\/v1\/users\/[^/]+\/settings\/sendAs(\?|$)/);
  const running = spawnCli(apply, { cwd, env: { ...env, MAILPOLICY_EMULATOR_URL: gate.url } });
  await gate.held();
  running.child.kill('SIGKILL');
  await running.result;
  await gate.close();

  const refused = await runCli(apply, { cwd, env });
  expect(describeRun(refused)).toMatch(/^exit 1/);
  const id = /mailpolicy force-unlock ([0-9a-f-]{36})/.exec(refused.stderr)?.[1];
  expect(id).toBeDefined();
  const wrong = await runCli(['force-unlock', '00000000-0000-4000-8000-000000000000'], { cwd, env });
  expect(describeRun(wrong)).toMatch(/^exit 1/);
  const released = await runCli(['force-unlock', id as string], { cwd, env });
  expect(describeRun(released)).toMatch(/^exit 0/);
  tenant.emulator.control.setKnobs({ latencyMs: 0 });
  const finished = await runCli(apply, { cwd, env });
  expect(describeRun(finished)).toMatch(/^exit 0/);
  const created = (tenant.emulator.control.snapshot().sendAs ?? []).filter((s) => s.sendAsEmail.includes('.team@'));
  expect(created).toHaveLength(USERS.length);
});
