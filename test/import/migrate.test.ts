/**
 * Migration from the archived Terraform provider and from GAM, through the `mailpolicy` binary against the
 * emulator: the fixtures import into code whose plan against a matching tenant shows only the one-time credential
 * sends, the plan after apply is clean, differences between the file and the tenant are reported as a table, and no
 * password from a Terraform state ever reaches an output, a generated file or the state.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { SeedTenant } from '../../lib/emulator';
import { changeLines, describeRun, runCli, type CliResult } from '../cli/helpers/cli';
import { startCliTenant, startPartnerSmtp, type CliTenant, type PartnerSmtp } from '../cli/helpers/tenant';
import { emulatorClient } from './helpers/emulator-admin';
import { writeCdktfApp } from './helpers/generated-app';
import { alignedFixture, STATE_CANARIES, type Alignment } from './helpers/migration-fixtures';

let tenant: CliTenant;
let smtp: PartnerSmtp;

beforeAll(async () => {
  tenant = await startCliTenant({ seed: 'empty' });
  smtp = await startPartnerSmtp(tenant.emulator);
  smtp.accounts['zoe@resellers.net'] = smtp.password;
});
afterAll(async () => {
  await smtp?.server.close();
  await tenant?.close();
});

const TF_SIGNATURE = '<div>User Name<br>Partner desk, "EMEA"</div>';
const GAM_SIGNATURE = '<div>User Name<br>\nPartner desk, "EMEA"</div>';

/** The tenant the fixtures describe (the GAM export has its own team display name and signature). */
function matchingSeed(flavour: 'terraform' | 'gam'): SeedTenant {
  const endpoint = { host: smtp.server.host, port: smtp.server.port, securityMode: 'starttls' as const };
  return {
    customerId: 'C0migrate1',
    domains: ['example.com'],
    orgUnits: [
      { path: '/Sales', description: 'Sales team' },
      { path: '/Sales/Partners', description: 'Partner desk' },
      { path: '/Sales/Partners/EMEA', description: 'Partners in Europe' },
      { path: '/Legal', description: 'Legal and compliance' },
    ],
    // Neither Terraform's provider nor GAM's exports hold this setting; the tenant allows the partners' gateways.
    policies: [{ orgUnitPath: '/Sales/Partners', allowUsersToUseExternalSmtpServers: true }],
    users: [
      { primaryEmail: 'admin@example.com', isAdmin: true },
      { primaryEmail: 'user@example.com', orgUnitPath: '/Sales/Partners', aliases: ['team@example.com'] },
      { primaryEmail: 'zoe@example.com', orgUnitPath: '/Sales/Partners' },
    ],
    sendAs: [
      {
        userEmail: 'user@example.com',
        sendAsEmail: 'user.name@partnerdomain.com',
        displayName: 'User Name',
        replyToAddress: 'replies@partnerdomain.com',
        signature: flavour === 'gam' ? GAM_SIGNATURE : TF_SIGNATURE,
        isDefault: true,
        treatAsAlias: false,
        smtpMsa: endpoint,
      },
      {
        userEmail: 'user@example.com',
        sendAsEmail: 'team@example.com',
        displayName: flavour === 'gam' ? 'Sales Team \\ Desk' : 'Sales Team',
        treatAsAlias: true,
      },
      {
        userEmail: 'zoe@example.com',
        sendAsEmail: 'zoe@resellers.net',
        displayName: 'Zoë Müller',
        treatAsAlias: false,
        smtpMsa: endpoint,
      },
    ],
  };
}

function env(): NodeJS.ProcessEnv {
  return {
    ...tenant.env,
    SMTP_USER_USER_NAME_PARTNERDOMAIN_COM_USERNAME: 'user.name@partnerdomain.com',
    SMTP_USER_USER_NAME_PARTNERDOMAIN_COM_PASSWORD: smtp.password,
    SMTP_ZOE_ZOE_RESELLERS_NET_USERNAME: 'zoe@resellers.net',
    SMTP_ZOE_ZOE_RESELLERS_NET_PASSWORD: smtp.password,
  };
}

/** Seeds the tenant and returns how to rewrite the fixtures to describe it. */
async function seedTenant(seed: SeedTenant, keepIds: string[] = []): Promise<Alignment> {
  tenant.emulator.control.seed(seed);
  const orgUnits = await emulatorClient(tenant.emulator).listOrgUnits();
  return { orgUnits, smtp: { host: smtp.server.host, port: smtp.server.port }, keepIds };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** No password of the Terraform fixtures in the outputs or in any file the commands wrote in `dir`. */
function expectNoStatePassword(dir: string, ...runs: CliResult[]): void {
  for (const canary of STATE_CANARIES) {
    for (const run of runs) expect(`${run.stdout}${run.stderr}`).not.toContain(canary);
    for (const file of filesUnder(dir)) {
      if (file.endsWith('.tfstate') || file.endsWith('show.json')) continue; // the inputs themselves
      expect({ file, holds: readFileSync(file, 'utf8').includes(canary) }).toEqual({ file, holds: false });
    }
  }
}

/** The first plan, apply and the plan after it, as a migrating user runs them. */
async function firstRollout(cli: (...args: string[]) => Promise<CliResult>): Promise<CliResult[]> {
  const first = await cli('plan', '--detailed-exitcode');
  expect(describeRun(first)).toMatch(/^exit 2/);
  expect(changeLines(first.stdout)).toEqual([
    expect.stringMatching(
      /^~ user@example.com → user.name@partnerdomain.com +\(SMTP credentials will be sent: no fingerprint recorded\)$/,
    ),
    expect.stringMatching(
      /^~ zoe@example.com → zoe@resellers.net +\(SMTP credentials will be sent: no fingerprint recorded\)$/,
    ),
  ]);
  expect(first.stdout).toContain('Plan: 0 to create, 2 to update, 0 to delete');
  const apply = await cli('apply', '--auto-approve');
  expect(describeRun(apply)).toMatch(/^exit 0/);
  const second = await cli('plan', '--detailed-exitcode');
  expect(describeRun(second)).toMatch(/^exit 0/);
  expect(second.stdout).toContain('No changes. The tenant matches the code.');
  return [first, apply, second];
}

describe('from a Terraform state of the archived provider', () => {
  let dir: string;
  let imported: CliResult;
  const cli = (...args: string[]) => runCli(args, { cwd: dir, env: env() });

  beforeAll(async () => {
    const alignment = await seedTenant(matchingSeed('terraform'));
    dir = writeCdktfApp('migrate-terraform');
    writeFileSync(join(dir, 'terraform.tfstate'), alignedFixture('terraform.tfstate', alignment));
    imported = await cli('import', '--from-terraform-state', 'terraform.tfstate', '--out', 'main.ts');
  });

  test('writes the code, lists what it skipped, finds no difference and adopts the objects', () => {
    expect(describeRun(imported)).toMatch(/^exit 0/);
    const err = imported.stderr;
    expect(err).toContain('Source: Terraform state terraform.tfstate');
    expect(err).toContain('Skipped 2 entries of the Terraform state:');
    expect(err).toContain('  data.googleworkspace_user.sales_lead: a data source: read-only, nothing to manage');
    expect(err).toContain('  googleworkspace_group.sales: a resource type workspace-mail-policy does not manage');
    expect(err).toMatch(/The tenant \(Workspace emulator at .*\) matches the Terraform state\./);
    expect(err).toMatch(/Adopted 4 OUs, 1 alias, 3 send-as identities into the state .*mail-policy\.json/);
    expect(err).toContain('SMTP_ZOE_ZOE_RESELLERS_NET_PASSWORD');
    const source = readFileSync(join(dir, 'main.ts'), 'utf8');
    expect(source).toContain('// Read from: Terraform state terraform.tfstate');
    expect(source).toContain("password: Secret.fromEnv('SMTP_USER_USER_NAME_PARTNERDOMAIN_COM_PASSWORD'),");
    expect(source).toContain("aliases: ['team@example.com'],");
    expect(source).toContain(
      "new OrgUnit(policy, 'Sales-Partners-EMEA', {\n  name: 'EMEA',\n  parent: ouSalesPartners,\n  description: 'Partners in Europe',\n});",
    );
  });

  test('plans clean but for the first credential sends; after apply the plan is clean; no state password leaks', async () => {
    const runs = await firstRollout(cli);
    expectNoStatePassword(dir, imported, ...runs);
  });

  test('an adopted OU removed from the code is forgotten (retained), not called unmanaged', async () => {
    const file = join(dir, 'main.ts');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(/^new OrgUnit\(policy, 'Sales-Partners-EMEA', \{[\s\S]*?\n\}\);\n/m, ''),
    );
    const plan = await cli('plan', '--detailed-exitcode');
    expect(describeRun(plan)).toMatch(/^exit 2/);
    expect(plan.stdout).toMatch(
      /\/Sales\/Partners\/EMEA .*removed from code; removalPolicy RETAIN: it will no longer be managed/,
    );
  });
});

describe('from `terraform show -json`', () => {
  test('imports the same code and plans the same first rollout', async () => {
    const alignment = await seedTenant(matchingSeed('terraform'));
    const dir = writeCdktfApp('migrate-show-json');
    writeFileSync(join(dir, 'show.json'), alignedFixture('terraform-show.json', alignment));
    const cli = (...args: string[]) => runCli(args, { cwd: dir, env: env() });
    const imported = await cli(
      'import',
      '--from-terraform-state',
      'show.json',
      '--out',
      'main.ts',
      '--state',
      'file:state',
    );
    expect(describeRun(imported)).toMatch(/^exit 0/);
    expect(imported.stderr).toMatch(/matches the Terraform state/);
    const plan = await cli('plan', '--detailed-exitcode', '--state', 'file:state');
    expect(describeRun(plan)).toMatch(/^exit 2/);
    expect(changeLines(plan.stdout)).toHaveLength(2);
    expect(plan.stdout).toContain('SMTP credentials will be sent: no fingerprint recorded');
    expectNoStatePassword(dir, imported, plan);
  });
});

describe("from GAM's CSV exports", () => {
  let dir: string;
  const cli = (...args: string[]) => runCli(args, { cwd: dir, env: env() });

  test('imports print sendas and print orgs, plans the first rollout, then clean', async () => {
    const alignment = await seedTenant(matchingSeed('gam'));
    dir = writeCdktfApp('migrate-gam');
    writeFileSync(join(dir, 'sendas.csv'), alignedFixture('sendas.csv', alignment));
    writeFileSync(join(dir, 'orgs.csv'), alignedFixture('orgs.csv', alignment));
    const imported = await cli('import', '--from-gam-csv', 'sendas.csv', '--orgs', 'orgs.csv', '--out', 'main.ts');
    expect(describeRun(imported)).toMatch(/^exit 0/);
    expect(imported.stderr).toContain('Source: GAM export sendas.csv and orgs.csv');
    expect(imported.stderr).toContain('Skipped 3 entries of the GAM export:');
    expect(imported.stderr).toMatch(/matches the GAM export\./);
    expect(imported.stderr).toMatch(/Adopted 4 OUs, 1 alias, 3 send-as identities/);
    const source = readFileSync(join(dir, 'main.ts'), 'utf8');
    expect(source).toContain("displayName: 'Sales Team \\\\ Desk',");
    await firstRollout(cli);
  });
});

describe('a Terraform state that differs from the tenant', () => {
  let dir: string;
  let imported: CliResult;
  const cli = (...args: string[]) => runCli(args, { cwd: dir, env: env() });

  beforeAll(async () => {
    const seed = matchingSeed('terraform');
    const drifted: SeedTenant = {
      ...seed,
      orgUnits: [
        { path: '/Sales', description: 'Sales' },
        { path: '/Sales/Partners', description: 'Partner desk' },
        { path: '/Legal', description: 'Legal and compliance' },
      ],
      users: (seed.users ?? []).filter((u) => u.primaryEmail !== 'zoe@example.com'),
      sendAs: [
        ...(seed.sendAs ?? [])
          .filter((s) => s.userEmail !== 'zoe@example.com')
          .map((s) => (s.sendAsEmail === 'user.name@partnerdomain.com' ? { ...s, displayName: 'Someone Else' } : s)),
        { userEmail: 'user@example.com', sendAsEmail: 'extra@partner.example', displayName: 'Not in Terraform' },
      ],
    };
    // /Legal was deleted and re-created outside Terraform: the state keeps the old id.
    const alignment = await seedTenant(drifted, ['/Legal']);
    dir = writeCdktfApp('migrate-drifted');
    writeFileSync(join(dir, 'terraform.tfstate'), alignedFixture('terraform.tfstate', alignment));
    imported = await cli('import', '--from-terraform-state', 'terraform.tfstate', '--out', 'main.ts');
  });

  test('reports every difference as a table, writes the code and exits 0', () => {
    expect(describeRun(imported)).toMatch(/^exit 0/);
    const lines = imported.stderr.split('\n');
    const start = lines.findIndex((l) => /^6 differences between the Terraform state and the tenant/.test(l));
    expect(start).toBeGreaterThanOrEqual(0);
    const table = lines.slice(start + 1, start + 9).map((l) => l.trim().split(/ {2,}/));
    expect(table[0]).toEqual(['Object', 'Field', 'Terraform state', 'Tenant', 'What happens']);
    expect(table.slice(2)).toEqual([
      [
        '/Legal',
        'orgUnitId',
        '03ph8a2z4b1sq9w',
        expect.stringMatching(/^03ph8a2z/),
        'the OU at this path is not the one the Terraform state knew (deleted and re-created outside it): the one in the tenant is adopted',
      ],
      [
        '/Sales',
        'description',
        "'Sales team'",
        "'Sales'",
        "the first plan changes the tenant to the Terraform state's value",
      ],
      ['/Sales/Partners/EMEA', '(object)', 'present', '(missing)', 'not adopted: the first apply creates it'],
      [
        'user@example.com → user.name@partnerdomain.com',
        'displayName',
        "'User Name'",
        "'Someone Else'",
        "the first plan changes the tenant to the Terraform state's value",
      ],
      [
        'zoe@example.com → zoe@resellers.net',
        'user',
        'zoe@example.com',
        '(no such user)',
        'not adopted: the plan reports the missing user; remove the identity from the code or create the user',
      ],
      [
        'user@example.com → extra@partner.example',
        '(object)',
        '(missing)',
        'present',
        'not in the Terraform state: left alone (plans list it as unmanaged)',
      ],
    ]);
    expect(imported.stderr).toContain(
      'Not adopted (not in the tenant, so the first apply creates them): orgUnit:/sales/partners/emea, sendAs:zoe@example.com/zoe@resellers.net.',
    );
    expectNoStatePassword(dir, imported);
  });

  test('the first plan shows the differences as the changes that undo them', async () => {
    const plan = await cli('plan');
    const lines = changeLines(plan.stdout);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\+ \/Sales\/Partners\/EMEA/),
        expect.stringMatching(/^~ \/Sales\b/),
        expect.stringMatching(/^~ user@example.com → user.name@partnerdomain.com/),
      ]),
    );
    expect(plan.stdout).toContain('zoe@example.com');
  });
});
