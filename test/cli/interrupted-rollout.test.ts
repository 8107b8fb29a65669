/**
 * `mailpolicy apply` killed with SIGKILL at 10 points of a 200-identity rollout, rerun each time, then run to
 * completion: the tenant ends exactly as declared, with no duplicate or missing identity, and the identities
 * the code does not declare are untouched.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { SeedTenant } from '../../lib/emulator';
import type { Manifest } from '../../lib/model';
import { describeRun, runCli, spawnCli, type CliResult } from './helpers/cli';
import { callsMatching, startCliTenant, type CliTenant } from './helpers/tenant';

const USERS = Array.from({ length: 200 }, (_, i) => `u${String(i).padStart(3, '0')}@example.com`);
const aliasOf = (user: string): string => user.replace('@', '.team@');
/** Identities that exist before the rollout and that the code does not declare. */
const UNDECLARED = [
  {
    userEmail: 'u000@example.com',
    sendAsEmail: 'old.u000@example.com',
    displayName: 'Old 0',
    treatAsAlias: true,
    verificationStatus: 'accepted' as const,
  },
  {
    userEmail: 'u123@example.com',
    sendAsEmail: 'old.u123@example.com',
    displayName: 'Old 123',
    treatAsAlias: true,
    verificationStatus: 'accepted' as const,
  },
  {
    userEmail: 'admin@example.com',
    sendAsEmail: 'postmaster@example.com',
    displayName: 'Postmaster',
    treatAsAlias: true,
    verificationStatus: 'accepted' as const,
  },
];
const KILL_AT = [1, 8, 20, 35, 55, 75, 100, 125, 150, 175];
const CREATE = /^gmail\.users\.settings\.sendAs\.create$/;

const SEED: SeedTenant = {
  customerId: 'C0rollout',
  domains: ['example.com'],
  // Gmail accepts an in-domain send-as only when it is a Directory alias of the user (GAM #681).
  users: [
    { primaryEmail: 'admin@example.com', isAdmin: true },
    ...USERS.map((primaryEmail) => ({ primaryEmail, aliases: [aliasOf(primaryEmail)] })),
  ],
  sendAs: UNDECLARED,
};

const MANIFEST: Manifest = {
  version: 1,
  stack: 'rollout',
  customerId: 'my_customer',
  domains: ['example.com'],
  orgUnits: [],
  gatewayPolicies: [],
  users: USERS.map((email) => ({ email })),
  sendAs: USERS.map((userEmail, i) => ({
    userEmail,
    sendAsEmail: aliasOf(userEmail),
    displayName: `Team member ${i}`,
  })),
  ownership: [],
  acknowledgements: [],
};

let tenant: CliTenant;

beforeAll(async () => {
  tenant = await startCliTenant({ seed: SEED });
});

afterAll(async () => {
  await tenant.close();
});

/** Starts `apply` and kills it with SIGKILL once the emulator has received `killAt` creates in all. */
async function applyAndKill(args: string[], cwd: string, env: NodeJS.ProcessEnv, killAt: number): Promise<CliResult> {
  const running = spawnCli(args, { cwd, env });
  let finished = false;
  void running.result.then(() => (finished = true));
  while (!finished && callsMatching(tenant.emulator, CREATE) < killAt) {
    await new Promise((done) => setTimeout(done, 2));
  }
  if (!finished) running.child.kill('SIGKILL');
  return running.result;
}

/**
 * What an operator does after a killed apply: the next apply fails at once naming the stale lock, and
 * `mailpolicy force-unlock LOCK_ID` releases it.
 */
async function releaseStaleLock(cwd: string, env: NodeJS.ProcessEnv, apply: string[]): Promise<void> {
  const lockInfo = join(cwd, '.mailpolicy', 'state', 'rollout.lock.json');
  if (!existsSync(lockInfo)) return;
  const { id } = JSON.parse(readFileSync(lockInfo, 'utf8')) as { id: string };
  const refused = await runCli(apply, { cwd, env });
  expect(describeRun(refused)).toMatch(/^exit 1/);
  expect(refused.stderr).toContain(`[MP3005] the state of stack 'rollout' is locked: apply by`);
  expect(refused.stderr).toContain(`mailpolicy force-unlock ${id}`);
  const released = await runCli(['force-unlock', id], { cwd, env });
  expect(describeRun(released)).toMatch(/^exit 0/);
  expect(released.stdout).toContain(`Released the lock ${id} of stack rollout`);
}

/** Send-as identities in the tenant as `owner address` keys. */
function identityKeys(): string[] {
  return (tenant.emulator.control.snapshot().sendAs ?? []).map((s) => `${s.userEmail} ${s.sendAsEmail.toLowerCase()}`);
}

function expectUndeclaredUntouched(): void {
  const sendAs = tenant.emulator.control.snapshot().sendAs ?? [];
  for (const undeclared of UNDECLARED) {
    expect(sendAs.find((s) => s.sendAsEmail === undeclared.sendAsEmail)).toMatchObject(undeclared);
  }
}

// One rollout, in order: each kill is its own step so that every step checks the tenant where the kill left it.
describe('a 200-identity rollout killed with SIGKILL at 10 points', () => {
  let cwd: string;
  let manifest: string;
  let apply: string[];
  // Each run reads the 200 owners with one users.get each; at Google's default Directory quota (2,400 a minute)
  // the client would pace those reads for seconds per run. The emulator has no such quota.
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    cwd = tenant.freshDir('rollout');
    manifest = join(cwd, 'mail-policy.json');
    writeFileSync(manifest, JSON.stringify(MANIFEST, null, 2));
    // Ten in flight keeps the last kill point (175 of 200 creates) ahead of the rollout's end: with the default
    // fifty, the creates already in flight when the kill lands can finish the whole rollout server-side.
    apply = ['apply', '--manifest', manifest, '--auto-approve', '--concurrency', '10'];
    env = { ...tenant.env, MAILPOLICY_DIRECTORY_QPM: '100000' };
  });

  test.each(KILL_AT)(
    'killed once %i creates were sent, the tenant holds no duplicate and nothing undeclared changed',
    async (killAt) => {
      await releaseStaleLock(cwd, env, apply);
      const result = await applyAndKill(apply, cwd, env, killAt);
      expect(describeRun(result)).toMatch(/^exit SIGKILL/);
      expect(callsMatching(tenant.emulator, CREATE)).toBeGreaterThanOrEqual(killAt);
      const keys = identityKeys();
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys.length).toBeLessThan(USERS.length + UNDECLARED.length);
      expectUndeclaredUntouched();
    },
  );

  test('the next apply completes the rollout: every declared identity once, undeclared ones untouched, plan clean', async () => {
    await releaseStaleLock(cwd, env, apply);
    const last = await runCli(apply, { cwd, env });
    expect(describeRun(last)).toMatch(/^exit 0/);

    const keys = identityKeys();
    expect(new Set(keys).size).toBe(keys.length);
    const expected = [
      ...USERS.map((u) => `${u} ${aliasOf(u)}`),
      ...UNDECLARED.map((s) => `${s.userEmail} ${s.sendAsEmail}`),
    ].sort();
    expect([...keys].sort()).toEqual(expected);
    const sendAs = tenant.emulator.control.snapshot().sendAs ?? [];
    for (const [i, user] of USERS.entries()) {
      expect(sendAs.find((s) => s.sendAsEmail === aliasOf(user))).toMatchObject({ displayName: `Team member ${i}` });
    }
    expectUndeclaredUntouched();

    const plan = await runCli(['plan', '--manifest', manifest, '--detailed-exitcode'], { cwd, env });
    expect(describeRun(plan)).toMatch(/^exit 0/);
  });
});
