/**
 * The plan is the whole truth, through the `mailpolicy` binary against the emulator: what leaves the code leaves
 * the tenant (or is only forgotten under RETAIN), destroy removes what the stack manages and nothing else, live
 * allowances the code does not declare are shown, and a missing secret refuses the whole run before any write.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { SeedTenant } from '../../lib/emulator';
import type { Manifest, SendAsSpec } from '../../lib/model';
import { changeLines, describeRun, runCli, type CliResult } from './helpers/cli';
import { startCliTenant, writeCalls, type CliTenant } from './helpers/tenant';

const SEED: SeedTenant = {
  customerId: 'C0lifecycl',
  domains: ['example.com'],
  orgUnits: [{ path: '/Sales' }, { path: '/Legacy' }],
  users: [
    { primaryEmail: 'admin@example.com', isAdmin: true },
    { primaryEmail: 'sales@example.com', orgUnitPath: '/Sales', aliases: ['team@example.com'] },
    { primaryEmail: 'old@example.com', orgUnitPath: '/Legacy' },
  ],
  // The console allows per-user gateways on /Legacy: not the code's doing.
  policies: [{ orgUnitPath: '/Legacy', allowUsersToUseExternalSmtpServers: true }],
  sendAs: [{ userEmail: 'old@example.com', sendAsEmail: 'old.team@example.com', displayName: 'Not ours' }],
};

const TEAM: SendAsSpec = { userEmail: 'sales@example.com', sendAsEmail: 'team@example.com', displayName: 'Sales Team' };

/** The app as first applied: gateways allowed on /Sales/Partners, an OU /Engineering, a send-as identity. */
function fullManifest(): Manifest {
  return {
    version: 1,
    stack: 'lifecycle',
    customerId: 'my_customer',
    domains: ['example.com'],
    orgUnits: [
      { path: '/Sales', name: 'Sales', parentPath: '/', managed: false },
      { path: '/Sales/Partners', name: 'Partners', parentPath: '/Sales', managed: true },
      { path: '/Engineering', name: 'Engineering', parentPath: '/', managed: true },
    ],
    gatewayPolicies: [{ orgUnitPath: '/Sales/Partners', allowPerUserOutboundGateways: true }],
    users: [{ email: 'sales@example.com' }],
    sendAs: [TEAM],
    ownership: [],
    acknowledgements: [{ ruleId: 'MPR-GATEWAY-UNUSED', reason: 'the partner identities come next' }],
  };
}

/** The same app with all three deleted from the code. */
function emptiedManifest(): Manifest {
  return {
    ...fullManifest(),
    orgUnits: [{ path: '/Sales', name: 'Sales', parentPath: '/', managed: false }],
    gatewayPolicies: [],
    users: [],
    sendAs: [],
  };
}

let tenant: CliTenant;
beforeAll(async () => {
  tenant = await startCliTenant({ seed: SEED });
});
afterAll(() => tenant.close());

interface App {
  readonly cwd: string;
  write(manifest: Manifest): void;
  cli(...args: string[]): Promise<CliResult>;
}

function freshApp(name: string): App {
  tenant.emulator.control.seed(SEED);
  const cwd = tenant.freshDir(name);
  const file = join(cwd, 'mail-policy.json');
  return {
    cwd,
    write: (manifest) => writeFileSync(file, JSON.stringify(manifest, null, 2)),
    cli: (...args) => runCli([...args.slice(0, 1), '--manifest', file, ...args.slice(1)], { cwd, env: tenant.env }),
  };
}

const snapshot = () => tenant.emulator.control.snapshot();
const paths = () => (snapshot().orgUnits ?? []).map((o) => o.path).sort();
const identities = () => (snapshot().sendAs ?? []).map((s) => `${s.userEmail} ${s.sendAsEmail}`).sort();
const policies = () =>
  (snapshot().policies ?? [])
    .map((p) => `${p.orgUnitPath ?? p.groupEmail} ${p.allowUsersToUseExternalSmtpServers}`)
    .sort();

describe('removing code removes from the tenant', () => {
  test('a gateway allowance, an OU and a send-as deleted from the code are planned and applied as deletes', async () => {
    const app = freshApp('removal');
    app.write(fullManifest());
    expect(describeRun(await app.cli('apply', '--auto-approve'))).toMatch(/^exit 0/);
    expect(paths()).toEqual(['/Engineering', '/Legacy', '/Sales', '/Sales/Partners']);
    expect(policies()).toContain('/Sales/Partners true');
    expect(identities()).toContain('sales@example.com team@example.com');

    app.write(emptiedManifest());
    const planned = await app.cli('plan', '--detailed-exitcode');
    expect(describeRun(planned)).toMatch(/^exit 2/);
    expect(changeLines(planned.stdout)).toEqual(
      expect.arrayContaining([
        '- /Engineering  [destructive]  (removed from code)',
        '- /Sales/Partners  [destructive]  (removed from code)',
        '- /Sales/Partners  [destructive]  (removed from code: the OU inherits the setting of its parent again)',
        '- sales@example.com → team@example.com  [destructive]  (removed from code)',
      ]),
    );
    // The console's allowance on /Legacy is shown, though the code never declared it.
    expect(planned.stdout).toMatch(/WARNING MPR-LIVE-UNDECLARED-GATEWAY orgUnit:\/Legacy/);

    expect(describeRun(await app.cli('apply', '--auto-approve'))).toMatch(/^exit 0/);
    expect(paths()).toEqual(['/Legacy', '/Sales']);
    expect(policies()).not.toContain('/Sales/Partners true');
    expect(identities()).not.toContain('sales@example.com team@example.com');
    // Nothing the stack does not manage was touched.
    expect(policies()).toContain('/Legacy true');
    expect(identities()).toContain('old@example.com old.team@example.com');
    const again = await app.cli('plan', '--detailed-exitcode');
    expect(describeRun(again)).toMatch(/^exit 0/);
  });

  test('under RemovalPolicy.RETAIN the objects are only forgotten: "will no longer be managed"', async () => {
    const app = freshApp('retain');
    const retained = fullManifest();
    retained.orgUnits[2] = { ...retained.orgUnits[2], removalPolicy: 'retain' };
    retained.sendAs = [{ ...TEAM, removalPolicy: 'retain' }];
    app.write(retained);
    expect(describeRun(await app.cli('apply', '--auto-approve'))).toMatch(/^exit 0/);

    app.write(emptiedManifest());
    const planned = await app.cli('plan');
    expect(planned.stdout).toMatch(
      /· \/Engineering {2}\(removed from code; removalPolicy RETAIN: it will no longer be managed/,
    );
    expect(planned.stdout).toMatch(
      /· sales@example.com → team@example.com {2}\(removed from code; removalPolicy RETAIN/,
    );
    expect(planned.stdout).toMatch(/to forget/);
    expect(describeRun(await app.cli('apply', '--auto-approve'))).toMatch(/^exit 0/);
    expect(paths()).toContain('/Engineering');
    expect(identities()).toContain('sales@example.com team@example.com');
    // Forgotten: a later plan no longer mentions them.
    expect(changeLines((await app.cli('plan')).stdout)).toEqual([]);
  });

  test('an OU that still holds users is refused in the plan, not at apply', async () => {
    const app = freshApp('busy-ou');
    const placed = fullManifest();
    placed.users = [{ email: 'sales@example.com', orgUnitPath: '/Engineering' }];
    app.write(placed);
    expect(describeRun(await app.cli('apply', '--auto-approve'))).toMatch(/^exit 0/);

    // The OU leaves the code, the user stays in it.
    app.write({ ...placed, orgUnits: placed.orgUnits.filter((o) => o.path !== '/Engineering'), users: [] });
    const writes = writeCalls(tenant.emulator);
    const applied = await app.cli('apply', '--auto-approve');
    expect(describeRun(applied)).toMatch(/^exit 1/);
    expect(applied.stdout).toMatch(
      /ERROR MPR-LIVE-OU-NOT-EMPTY orgUnit:\/Engineering: \/Engineering was removed from code, but Google refuses to delete an OU that still holds 1 user \(sales@example.com\)/,
    );
    expect(writeCalls(tenant.emulator)).toBe(writes);
  });
});

describe('OU names with reserved characters', () => {
  const NAMES = ['Eng#old', 'A?b', 'R+D', 'Zürich & Co'];
  const ou = (name: string, extra: Partial<Manifest['orgUnits'][number]> = {}): Manifest['orgUnits'][number] => ({
    path: `/${name}`,
    name,
    parentPath: '/',
    managed: true,
    ...extra,
  });

  test('are created, renamed and deleted through plan and apply, and no other OU is touched', async () => {
    const app = freshApp('reserved-names');
    // Decoys a careless encoding would hit instead: /Eng for /Eng#old, /A for /A?b, "/R D" for /R+D.
    tenant.emulator.control.seed({
      ...SEED,
      orgUnits: [...(SEED.orgUnits ?? []), { path: '/Eng' }, { path: '/A' }, { path: '/R D' }],
    });
    const decoys = () =>
      (snapshot().orgUnits ?? []).filter((o) => ['/Eng', '/A', '/R D', '/Sales', '/Legacy'].includes(o.path));
    const before = decoys();
    const base = emptiedManifest();

    app.write({ ...base, orgUnits: [...base.orgUnits, ...NAMES.map((n) => ou(n))] });
    expect(describeRun(await app.cli('apply', '--auto-approve'))).toMatch(/^exit 0/);
    expect(paths()).toEqual(expect.arrayContaining(NAMES.map((n) => `/${n}`)));

    app.write({ ...base, orgUnits: [...base.orgUnits, ...NAMES.map((n) => ou(`${n} 2`, { movedFrom: `/${n}` }))] });
    expect(describeRun(await app.cli('apply', '--auto-approve'))).toMatch(/^exit 0/);
    expect(paths()).toEqual(expect.arrayContaining(NAMES.map((n) => `/${n} 2`)));
    expect(paths()).not.toEqual(expect.arrayContaining(['/Eng#old']));

    app.write(base);
    expect(describeRun(await app.cli('apply', '--auto-approve'))).toMatch(/^exit 0/);
    expect(paths()).toEqual(['/A', '/Eng', '/Legacy', '/R D', '/Sales']);
    expect(decoys()).toEqual(before);
  });
});

describe('destroy', () => {
  test('removes every object the stack manages, children first, and nothing else', async () => {
    const app = freshApp('destroy');
    const nested = fullManifest();
    nested.orgUnits.push({ path: '/Engineering/Tools', name: 'Tools', parentPath: '/Engineering', managed: true });
    app.write(nested);
    expect(describeRun(await app.cli('apply', '--auto-approve'))).toMatch(/^exit 0/);
    expect(paths()).toContain('/Engineering/Tools');

    const destroyed = await app.cli('destroy', '--auto-approve');
    expect(describeRun(destroyed)).toMatch(/^exit 0/);
    expect(destroyed.stderr).toMatch(/5 done, 0 failed/);
    expect(paths()).toEqual(['/Legacy', '/Sales']);
    expect(identities()).toEqual(['old@example.com old.team@example.com']);
    expect(policies()).toEqual(['/Legacy true']);
    // The state holds nothing any more: a second destroy has nothing to do.
    const second = await app.cli('destroy', '--auto-approve');
    expect(describeRun(second)).toMatch(/^exit 0/);
    expect(second.stdout).toContain('No changes.');
  });
});

describe('secrets', () => {
  test('one unset SMTP password refuses the whole apply before the first write, listing it', async () => {
    const app = freshApp('missing-secret');
    const manifest = fullManifest();
    manifest.sendAs = [
      ...manifest.sendAs,
      {
        userEmail: 'sales@example.com',
        sendAsEmail: 'sales@partner.test',
        smtp: {
          host: 'smtp.partner.test',
          port: 587,
          securityMode: 'starttls',
          username: 'sales',
          password: { ref: 'env:PARTNER_PASSWORD_NOT_SET' },
        },
      },
    ];
    manifest.users = [{ email: 'sales@example.com', orgUnitPath: '/Sales/Partners' }];
    app.write(manifest);
    const writes = writeCalls(tenant.emulator);
    const applied = await app.cli('apply', '--auto-approve');
    expect(describeRun(applied)).toMatch(/^exit 1/);
    expect(applied.stderr).toMatch(
      /\[MP1100\] apply needs 1 SMTP credential that cannot be read here; nothing was changed/,
    );
    expect(applied.stderr).toContain(
      'env:PARTNER_PASSWORD_NOT_SET: environment variable PARTNER_PASSWORD_NOT_SET is not set',
    );
    expect(writeCalls(tenant.emulator)).toBe(writes);
    expect(paths()).not.toContain('/Engineering');
  });
});
