/**
 * `mailpolicy import` adopts what it imports, through the `mailpolicy` binary against the emulator: the first plan
 * shows only the one-time send of the SMTP credentials and says why, the plan after apply is clean, and a later
 * removal from the code is a delete (or a forget, for what is retained) instead of "unmanaged".
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { SeedTenant } from '../../lib/emulator';
import type { StackState } from '../../lib/state';
import { changeLines, describeRun, runCli } from '../cli/helpers/cli';
import { startCliTenant, startPartnerSmtp, type CliTenant, type PartnerSmtp } from '../cli/helpers/tenant';
import { declaredObjects, specDigest } from '../../lib/engine/managed-objects';
import { parseManifest } from '../../lib/model/parse-manifest';
import { synthApp, writeCdktfApp } from './helpers/generated-app';

let tenant: CliTenant;
let smtp: PartnerSmtp;

function seed(): SeedTenant {
  return {
    customerId: 'C0adopt01',
    domains: ['example.com'],
    orgUnits: [{ path: '/Sales' }, { path: '/Sales/Partners', description: 'Partner desk' }],
    policies: [{ orgUnitPath: '/Sales/Partners', allowUsersToUseExternalSmtpServers: true }],
    users: [
      { primaryEmail: 'admin@example.com', isAdmin: true },
      {
        primaryEmail: 'user@example.com',
        orgUnitPath: '/Sales/Partners',
        aliases: ['team@example.com', 'other@example.com'],
      },
    ],
    sendAs: [
      { userEmail: 'user@example.com', sendAsEmail: 'team@example.com', displayName: 'Team', treatAsAlias: true },
      {
        userEmail: 'user@example.com',
        sendAsEmail: 'user.name@partnerdomain.com',
        displayName: 'User Name',
        smtpMsa: { host: smtp.server.host, port: smtp.server.port, securityMode: 'starttls' },
      },
    ],
  };
}

beforeAll(async () => {
  tenant = await startCliTenant({ seed: 'empty' });
  smtp = await startPartnerSmtp(tenant.emulator);
});
afterAll(async () => {
  await smtp?.server.close();
  await tenant?.close();
});

function env(): NodeJS.ProcessEnv {
  return {
    ...tenant.env,
    SMTP_USER_USER_NAME_PARTNERDOMAIN_COM_USERNAME: 'user.name@partnerdomain.com',
    SMTP_USER_USER_NAME_PARTNERDOMAIN_COM_PASSWORD: smtp.password,
  };
}

function stateOf(dir: string, stack = 'mail-policy'): StackState {
  return JSON.parse(readFileSync(join(dir, '.mailpolicy', 'state', `${stack}.json`), 'utf8')) as StackState;
}

describe('a live import adopts what it imports', () => {
  let dir: string;
  const cli = (...args: string[]) => runCli(args, { cwd: dir, env: env() });

  beforeAll(() => {
    tenant.emulator.control.seed(seed());
    dir = writeCdktfApp('adopt-live');
  });

  test('records every imported object as adopted, without credentials, in the app folder’s state', async () => {
    const run = await cli('import', '--out', 'main.ts');
    expect(describeRun(run)).toMatch(/^exit 0/);
    expect(run.stderr).toMatch(
      /Adopted 2 OUs, 1 gateway setting, 2 user placements, 1 alias, 2 send-as identities into the state .*\.mailpolicy\/state\/mail-policy\.json \(stack mail-policy\)/,
    );
    expect(run.stderr).toContain('"SMTP credentials will be sent: no fingerprint recorded"');
    const state = stateOf(dir);
    const objects = Object.entries(state.objects);
    expect(objects.map(([id]) => id).sort()).toEqual([
      'alias:user@example.com/team@example.com',
      'gatewayPolicy:/sales/partners',
      'orgUnit:/sales',
      'orgUnit:/sales/partners',
      'sendAs:user@example.com/team@example.com',
      'sendAs:user@example.com/user.name@partnerdomain.com',
      'userPlacement:admin@example.com',
      'userPlacement:user@example.com',
    ]);
    for (const [, object] of objects) {
      expect(object.origin).toBe('adopted');
      expect(object.appliedDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(object).not.toHaveProperty('credentials');
    }
    expect(state.objects['orgUnit:/sales'].removalPolicy).toBe('retain');
    expect(state.objects['alias:user@example.com/team@example.com'].removalPolicy).toBe('retain');
    expect(state.objects['sendAs:user@example.com/team@example.com'].removalPolicy).toBe('destroy');
    // The alias that backs nothing stays out of the code and of the state.
    expect(readFileSync(join(dir, 'main.ts'), 'utf8')).not.toContain('other@example.com');
  });

  test('records the digest of each spec as synth writes it, so the tenant, not the code, explains a difference', async () => {
    const manifest = parseManifest(await synthApp(dir, 'mail-policy'));
    const state = stateOf(dir);
    const declared = [...declaredObjects(manifest)];
    expect(declared).toHaveLength(Object.keys(state.objects).length);
    for (const [id, object] of declared) {
      expect({ id, digest: state.objects[id]?.appliedDigest }).toEqual({ id, digest: specDigest(object.spec) });
    }
  });

  test('the first plan shows only the credential send, and says why', async () => {
    const plan = await cli('plan', '--detailed-exitcode');
    expect(describeRun(plan)).toMatch(/^exit 2/);
    expect(changeLines(plan.stdout)).toEqual([
      expect.stringMatching(/^~ .*user@example.com → user.name@partnerdomain.com/),
    ]);
    expect(plan.stdout).toContain('SMTP credentials will be sent: no fingerprint recorded');
    expect(plan.stdout).not.toMatch(/no state|unmanaged/i);
    expect(`${plan.stdout}${plan.stderr}`).not.toContain(smtp.password);
  });

  test('after the first apply the plan is clean', async () => {
    const apply = await cli('apply', '--auto-approve');
    expect(describeRun(apply)).toMatch(/^exit 0/);
    const plan = await cli('plan', '--detailed-exitcode');
    expect(describeRun(plan)).toMatch(/^exit 0/);
    expect(plan.stdout).toContain('No changes.');
    expect(JSON.stringify(stateOf(dir))).not.toContain(smtp.password);
    expect(stateOf(dir).objects['sendAs:user@example.com/user.name@partnerdomain.com']).toHaveProperty('credentials');
  });

  test('removing an adopted identity from the code deletes it; a retained alias is only forgotten', async () => {
    const file = join(dir, 'main.ts');
    const source = readFileSync(file, 'utf8');
    const edited = source
      .replace(/new SendAsIdentity\(policy, 'user-at-example\.com-as-team-at-example\.com', \{[\s\S]*?\n\}\);\n/, '')
      .replace(/,?\s*aliases: \['team@example\.com'\],?\s*aliasRemovalPolicy: RemovalPolicy\.RETAIN,?/, '');
    expect(edited).not.toContain('team@example.com');
    writeFileSync(file, edited);
    const plan = await cli('plan', '--detailed-exitcode');
    expect(describeRun(plan)).toMatch(/^exit 2/);
    const lines = changeLines(plan.stdout);
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^- .*user@example.com → team@example.com/)]));
    expect(plan.stdout).toMatch(/removed from code/);
    expect(plan.stdout).toMatch(/will no longer be managed/);
    expect(plan.stdout).not.toMatch(/unmanaged/i);
    const apply = await cli('apply', '--auto-approve');
    expect(describeRun(apply)).toMatch(/^exit 0/);
    const after = tenant.emulator.control.snapshot();
    expect(after.sendAs?.map((s) => s.sendAsEmail)).not.toContain('team@example.com');
    expect(after.users?.find((u) => u.primaryEmail === 'user@example.com')?.aliases).toContain('team@example.com');
  });
});

describe('a state in use', () => {
  let dir: string;
  const cli = (...args: string[]) => runCli(args, { cwd: dir, env: env() });

  beforeAll(async () => {
    tenant.emulator.control.seed(seed());
    dir = writeCdktfApp('adopt-in-use');
    const first = await cli('import', '--out', 'main.ts', '--state', 'file:state');
    expect(describeRun(first)).toMatch(/^exit 0/);
  });

  test('is refused before anything is read or written, naming the way out', async () => {
    const before = readFileSync(join(dir, 'state', 'mail-policy.json'), 'utf8');
    const again = await cli('import', '--out', 'other.ts', '--state', 'file:state');
    expect(describeRun(again)).toMatch(/^exit 1/);
    expect(again.stderr).toMatch(
      /\[MP5001\] the state .*state\/mail-policy\.json already records 8 objects of stack 'mail-policy'/,
    );
    expect(again.stderr).toMatch(/--merge/);
    expect(again.stderr).not.toContain('Target:');
    expect(existsSync(join(dir, 'other.ts'))).toBe(false);
    expect(readFileSync(join(dir, 'state', 'mail-policy.json'), 'utf8')).toBe(before);
  });

  test('--merge records into it; --code-only leaves it alone', async () => {
    const merged = await cli('import', '--out', 'merged.ts', '--state', 'file:state', '--merge');
    expect(describeRun(merged)).toMatch(/^exit 0/);
    const before = readFileSync(join(dir, 'state', 'mail-policy.json'), 'utf8');
    const codeOnly = await cli('import', '--out', 'code.ts', '--state', 'file:state', '--code-only');
    expect(describeRun(codeOnly)).toMatch(/^exit 0/);
    expect(codeOnly.stderr).toContain('Recorded nothing in the state (--code-only)');
    expect(readFileSync(join(dir, 'state', 'mail-policy.json'), 'utf8')).toBe(before);
  });
});
