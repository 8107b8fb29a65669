import { emptyStackState } from '../../lib/state/stack-state';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { createWorkspaceAdmin } from '../../lib/admin';
import type { WorkspaceAdmin } from '../../lib/admin/workspace-admin';
import { runImport } from '../../lib/cli/commands/import';
import type { CommandIo } from '../../lib/cli/io';
import { startEmulator, type RunningEmulator, type SeedTenant } from '../../lib/emulator';
import { CREDENTIALS_UNRECORDED, diff, observe, type Plan } from '../../lib/engine';
import { generateApp, readTenant, tenantDomains, type GeneratedApp } from '../../lib/import';
import { runRulePack, type Manifest } from '../../lib/model';
import { comparable, synthApp, typecheckApps, writeApp } from './helpers/generated-app';

/**
 * Round trip on a seeded emulator tenant (issue 6): import → the generated file type-checks and synthesises →
 * plan against the same tenant shows no change, only the documented SMTP credential notes.
 */

const DEEP = ['Deep 1', 'D2+', "D3 O'Neil", 'Niveau 4 – é', 'D5', 'D6', 'D7', 'D8', 'D9', 'D10'];
const deepPath = (level: number) => `/${DEEP.slice(0, level).join('/')}`;
const SPREAD = [
  '/',
  '/Sales',
  '/Sales/Partners',
  '/Sales/Partners+Resellers',
  "/O'Brien & Co",
  '/Ventes Île-de-France',
  deepPath(3),
];

function seedTenant(): SeedTenant {
  const users: Array<{ primaryEmail: string; orgUnitPath: string; isAdmin?: boolean; aliases?: string[] }> = [
    { primaryEmail: 'admin@example.com', orgUnitPath: '/', isAdmin: true },
    { primaryEmail: 'deep@example.com', orgUnitPath: deepPath(10) },
    // An in-domain identity is backed by an alias; the other alias backs nothing.
    {
      primaryEmail: 'desk@example.com',
      orgUnitPath: '/Sales',
      aliases: ['Sales.Desk@example.com', 'unrelated@example.com'],
    },
  ];
  const sendAs: NonNullable<SeedTenant['sendAs']> = [
    {
      userEmail: 'desk@example.com',
      sendAsEmail: 'sales.desk@example.com',
      displayName: 'Sales desk',
      treatAsAlias: true,
    },
    {
      userEmail: 'deep@example.com',
      sendAsEmail: 'deep@partner.example.net',
      displayName: 'Zoë "Deep" Müller',
      signature: "<b>Zoë</b>\n<i>${team}</i> \\ 'quoted'",
      isDefault: true,
      smtpMsa: { host: 'smtp.partner.example.net', port: 465, securityMode: 'ssl' },
    },
  ];
  for (let i = 0; i < 200; i++) {
    const ou = SPREAD[i % SPREAD.length];
    const email = `u${String(i).padStart(3, '0')}${i % 10 === 0 ? '+tag' : ''}@example.com`;
    users.push({ primaryEmail: email, orgUnitPath: ou });
    if (ou === '/Sales/Partners' && i % 2 === 0) {
      sendAs.push({
        userEmail: email,
        sendAsEmail: `u${i}@partnerdomain.com`,
        displayName: `U${i} O'Brien (Partner)`,
        replyToAddress: `replies+u${i}@partnerdomain.com`,
        treatAsAlias: false,
        isDefault: i % 4 === 0,
        smtpMsa: { host: 'smtp.partnerdomain.com', port: 587, securityMode: 'starttls' },
      });
    }
    if (i % 9 === 0) {
      sendAs.push({
        userEmail: email,
        sendAsEmail: `team${i}@example.org`,
        displayName: 'Équipe ventes',
        treatAsAlias: true,
      });
    }
  }
  return {
    customerId: 'C0round01',
    domains: ['example.com', 'example.org'],
    orgUnits: [
      { path: '/Sales' },
      { path: '/Sales/Partners', description: "Partners' desk" },
      { path: '/Sales/Partners+Resellers' },
      { path: "/O'Brien & Co" },
      { path: '/Ventes Île-de-France', description: 'Région\nParis' },
      ...DEEP.map((_, i) => ({ path: deepPath(i + 1) })),
    ],
    users,
    policies: [
      { orgUnitPath: '/', allowUsersToUseExternalSmtpServers: false },
      { orgUnitPath: '/Sales/Partners', allowUsersToUseExternalSmtpServers: true },
      { orgUnitPath: '/Ventes Île-de-France', allowUsersToUseExternalSmtpServers: false },
      { orgUnitPath: deepPath(5), allowUsersToUseExternalSmtpServers: true },
    ],
    sendAs,
  };
}

function readClient(emulator: RunningEmulator): WorkspaceAdmin {
  let t = 0;
  return createWorkspaceAdmin({
    credentials: emulator.createServiceAccountKey(),
    adminEmail: 'admin@example.com',
    customerId: emulator.customerId,
    access: 'read',
    endpoint: { rootUrl: `${emulator.url}/`, tokenUrl: emulator.tokenUrl },
    target: { kind: 'emulator', description: `Workspace emulator at ${emulator.url} (not Google)` },
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
  });
}

async function planAgainst(admin: WorkspaceAdmin, manifest: Manifest): Promise<Plan> {
  const observed = await observe(admin, manifest, { concurrency: 10 });
  return diff({
    manifest,
    observed,
    state: emptyStackState('test', '00000000-0000-4000-8000-000000000000'),
    credentials: {},
    target: admin.target,
    findings: runRulePack(manifest),
  });
}

function captureIo(cwd: string, env: NodeJS.ProcessEnv = {}): CommandIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += String(chunk)));
  stderr.on('data', (chunk) => (err += String(chunk)));
  return { stdout, stderr, stdin: new PassThrough(), env, cwd, out: () => out, err: () => err };
}

describe('import round trip on the emulator', () => {
  let emulator: RunningEmulator;
  let admin: WorkspaceAdmin;
  let app: GeneratedApp;
  let dir: string;

  beforeAll(async () => {
    emulator = await startEmulator({ seed: seedTenant() });
    admin = readClient(emulator);
    const tenant = await readTenant(admin);
    app = generateApp(tenant, {
      domains: tenantDomains(tenant),
      customerId: emulator.customerId,
      stackName: 'round-trip',
    });
    dir = writeApp('round-trip', app.source);
  });

  afterAll(async () => {
    await emulator?.close();
  });

  test('imports every OU, explicit policy, user and non-primary identity', () => {
    expect(app.manifest.orgUnits).toHaveLength(15);
    expect(app.manifest.gatewayPolicies).toHaveLength(4);
    expect(app.manifest.users).toHaveLength(203);
    // The only in-domain identity is the one its user's alias backs; the code declares that alias, and no other.
    expect(app.manifest.sendAs.filter((s) => s.sendAsEmail.endsWith('@example.com')).map((s) => s.sendAsEmail)).toEqual(
      ['sales.desk@example.com'],
    );
    expect(app.manifest.users.filter((u) => u.aliases)).toEqual([
      {
        email: 'desk@example.com',
        orgUnitPath: '/Sales',
        aliases: ['sales.desk@example.com'],
        aliasRemovalPolicy: 'retain',
      },
    ]);
    expect(app.source).toContain(
      "User.fromEmail(policy, 'desk-at-example.com', 'desk@example.com', {\n  orgUnit: ouSales,\n  aliases: ['sales.desk@example.com'],\n  aliasRemovalPolicy: RemovalPolicy.RETAIN,\n});",
    );
    const seededDefaults = (seedTenant().sendAs ?? []).filter((s) => s.isDefault).length;
    expect(seededDefaults).toBeGreaterThan(1);
    expect(app.manifest.sendAs.filter((s) => s.isDefault)).toHaveLength(seededDefaults);
    expect(app.manifest.sendAs).toHaveLength((seedTenant().sendAs ?? []).length);
    expect(app.manifest.domains).toEqual(['example.com']);
    expect(app.notes).toEqual([]);
  });

  test('the generated file type-checks', async () => {
    expect(await typecheckApps([dir])).toBe('');
  });

  test('synthesises as it is and plans clean but for the one-time send of the SMTP credentials', async () => {
    const env = Object.fromEntries(app.secrets.map((s) => [s.name, `${s.purpose}-value`]));
    const manifest = await synthApp(dir, 'round-trip', env);
    expect(comparable(manifest)).toEqual(comparable(app.manifest));

    const plan = await planAgainst(admin, manifest);
    expect(plan.indeterminate).toEqual([]);
    expect(plan.summary.blockingFindings).toBe(0);
    const smtpIdentities = manifest.sendAs.filter((s) => s.smtp).length;
    expect(smtpIdentities).toBeGreaterThan(10);
    // Gmail never returns credentials: the first apply sends each identity's once and records it.
    expect(plan.changes).toHaveLength(smtpIdentities);
    for (const change of plan.changes) {
      expect(change).toMatchObject({ action: 'update', cause: 'rotation', reason: CREDENTIALS_UNRECORDED });
      expect(change.kind === 'sendAs' && change.action === 'update' && change.write.fields).toEqual(['smtpMsa']);
    }
  });

  test('mailpolicy import prints the target first, writes --out and lists the SMTP variables', async () => {
    const work = mkdtempSync(join(tmpdir(), 'mailpolicy-import-'));
    try {
      const key = join(work, 'key.json');
      emulator.writeCredentials(key);
      writeFileSync(join(work, 'users.txt'), '# partners only\ndeep@example.com\n\nU002@example.com\n');
      const io = captureIo(work);
      const argv = ['--emulator-url', emulator.url, '--credentials', key, '--admin', 'admin@example.com'];
      const code = await runImport(
        [...argv, '--users', 'users.txt', '--out', 'app/main.ts', '--stack', 'partners'],
        io,
      );
      expect(code).toBe(0);
      const lines = io.err().split('\n');
      expect(lines[0]).toBe(`Target: Workspace emulator at ${emulator.url} (not Google)`);
      expect(io.out()).toBe('');
      const source = readFileSync(join(work, 'app/main.ts'), 'utf8');
      expect(source).toContain("new TerraformStack(app, 'partners')");
      expect(source).toContain("User.fromEmail(policy, 'u002-at-example.com', 'u002@example.com'");
      expect(source).not.toContain('u004@example.com');
      expect(io.err()).toMatch(
        /Set these variables before synth and apply:\n {2}SMTP_DEEP_DEEP_PARTNER_EXAMPLE_NET_USERNAME +SMTP username for deep@example.com → deep@partner.example.net/,
      );
      expect(io.err()).toContain('SMTP_U002_U2_PARTNERDOMAIN_COM_PASSWORD');

      const again = captureIo(work);
      await expect(runImport([...argv, '--out', 'app/main.ts'], again)).rejects.toThrow(
        /--out: app\/main.ts exists already; pass --force/,
      );
      expect(existsSync(join(work, 'app/main.ts'))).toBe(true);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('mailpolicy import writes to stdout without --out, and fails on an unknown --org-unit', async () => {
    const work = mkdtempSync(join(tmpdir(), 'mailpolicy-import-'));
    try {
      const key = join(work, 'key.json');
      emulator.writeCredentials(key);
      const argv = ['--emulator-url', emulator.url, '--credentials', key, '--admin', 'admin@example.com'];
      const io = captureIo(work);
      expect(await runImport([...argv, '--org-unit', '/Sales/Partners'], io)).toBe(0);
      expect(io.out()).toContain(
        "const ouSalesPartners = OrgUnit.fromPath(policy, 'Sales-Partners', '/Sales/Partners');",
      );
      await expect(runImport([...argv, '--org-unit', '/Nope', '--code-only'], captureIo(work))).rejects.toThrow(
        /\[?--org-unit '\/Nope' does not exist/,
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
