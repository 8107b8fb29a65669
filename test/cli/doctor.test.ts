/**
 * `mailpolicy doctor` end to end: the real binary against the emulator and real SMTP servers on 127.0.0.1. A
 * healthy setup exits 0; each seeded problem (a missing grant, a non-admin subject, an unknown user, a closed port,
 * the wrong TLS mode, a certificate for another name, a wrong password) is named with its fix and exits 1. Doctor
 * never writes to the tenant and never prints a secret.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

import { generate } from 'selfsigned';

import { scopesForAccess } from '../../lib/admin';
import { DoctorReportSchema } from '../../lib/doctor';
import { PROJECT_SCOPES, createTestCertificate, startSmtpStandIn } from '../../lib/emulator';
import type { Manifest } from '../../lib/model/manifest';
import { describeRun, runCli, type CliResult } from './helpers/cli';
import {
  editJson,
  synthPartnerGateway,
  usePartnerTenant,
  writeCalls,
  type CliTenant,
  type PartnerSmtp,
} from './helpers/tenant';

let tenant: CliTenant;
let smtp: PartnerSmtp;
let caFile: string;
let stackDir: string;

usePartnerTenant((started) => {
  ({ tenant, smtp } = started);
  const dir = tenant.freshDir('synth');
  stackDir = synthPartnerGateway(join(dir, 'cdktf.out'), { ...tenant.env, ...smtp.env });
  caFile = join(dir, 'partner-ca.pem');
  writeFileSync(caFile, smtp.server.cert!);
});

beforeEach(() => tenant.emulator.control.seed('demo'));

/** A copy of the synthesised manifest in a fresh folder, edited by `edit`. */
function manifestWith(name: string, edit: (m: Manifest) => void = () => undefined): { dir: string; file: string } {
  const dir = tenant.freshDir(name);
  const file = join(dir, 'mail-policy.json');
  copyFileSync(join(stackDir, 'mail-policy.json'), file);
  editJson<Manifest>(file, edit);
  return { dir, file };
}

function doctor(
  where: { dir: string; file?: string },
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
  trust: readonly string[] = ['--smtp-ca', caFile],
): Promise<CliResult> {
  const manifest = where.file ? ['--manifest', where.file] : [];
  return runCli(['doctor', ...manifest, ...trust, ...args], {
    cwd: where.dir,
    env: { ...tenant.env, ...smtp.env, ...env },
  });
}

/** The check lines of a text report: `✓ …`, `✗ …`, `! …`, `· …`. */
function lines(stdout: string, mark: '✓' | '✗' | '!' | '·'): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith(`  ${mark} `))
    .map((l) => l.slice(4));
}

/** A port on 127.0.0.1 nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function pointSmtpAt(port: number, securityMode?: 'ssl' | 'starttls') {
  return (m: Manifest): void => {
    m.sendAs[0].smtp!.port = port;
    if (securityMode) m.sendAs[0].smtp!.securityMode = securityMode;
  };
}

test('a healthy setup passes every check, writes nothing and exits 0', async () => {
  // An app folder whose app command copies the synthesised stack, so doctor runs the way a user runs it: --app.
  const appDir = tenant.freshDir('app');
  writeFileSync(
    join(appDir, 'copy-stack.js'),
    `require('node:fs').cpSync(${JSON.stringify(join(stackDir, '..', '..'))}, process.env.CDKTF_OUTDIR, { recursive: true });\n`,
  );
  writeFileSync(join(appDir, 'cdktf.json'), JSON.stringify({ language: 'typescript', app: 'node copy-stack.js' }));
  const before = writeCalls(tenant.emulator);

  const result = await doctor({ dir: tenant.dir }, ['--app', appDir, '--check-credentials']);
  expect(describeRun(result)).toMatch(/^exit 0/);
  expect(lines(result.stdout, '✗')).toEqual([]);
  expect(lines(result.stdout, '·')).toEqual([]);
  // The one warning: whether the Policy API writes the gateway setting cannot be known without writing.
  expect(lines(result.stdout, '!')).toEqual([
    expect.stringMatching(/^gateway setting through the Policy API: unknown/),
  ]);
  const passed = lines(result.stdout, '✓');
  for (const expected of [
    /^key file: .*type service_account, mailpolicy-\d+@.*key id [0-9a-f]{12}…, client id \d+/,
    /^private key: parses \(RSA, 2048 bits\)/,
    /^admin@example.com · cloud-identity.policies: granted \(used by apply\)/,
    /^user@example.com · gmail.settings.sharing: granted \(used by apply\)/,
    /^admin admin@example.com: is a super admin/,
    /^Cloud Identity Policy API: answers/,
    /^Gmail API: answers \(sendAs.list for user@example.com/,
    /^customer my_customer: is C01demo00/,
    /^domain example.com: belongs to the customer \(primary, verified\)/,
    /^user user@example.com: exists in \/, mailbox set up/,
    /^state of stack partner-gateway: .*none yet/,
    /\(starttls\) · certificate: valid for 127.0.0.1/,
    /\(starttls\) · AUTH offered: EHLO offers AUTH PLAIN LOGIN/,
    /\(starttls\) · AUTH as user.name@partnerdomain.com .*: the server accepted the declared credentials/,
  ]) {
    expect(passed).toContainEqual(expect.stringMatching(expected));
  }
  expect(result.stdout).toContain("Gmail connects to these servers from Google's network, not from here");
  expect(result.stdout.trimEnd().split('\n').pop()).toMatch(/^Nothing blocks a first apply/);
  expect(writeCalls(tenant.emulator)).toBe(before);
  expect(result.stdout + result.stderr).not.toContain(smtp.password);
});

test('the JSON report is versioned and typed, and markdown reads as a job summary', async () => {
  const where = manifestWith('formats');
  const json = await doctor(where, ['--format', 'json']);
  expect(describeRun(json)).toMatch(/^exit 0/);
  const report = DoctorReportSchema.parse(JSON.parse(json.stdout));
  expect(report).toMatchObject({ formatVersion: 1, command: 'doctor', verdict: 'warnings', exitCode: 0 });
  expect(report.stacks).toEqual(['partner-gateway']);
  expect(report.summary.failed).toBe(0);
  expect(report.delegation?.scopes).toEqual([...new Set(report.delegation!.scopes)].sort());
  expect(report.delegation?.scopes).toContain('https://www.googleapis.com/auth/gmail.settings.sharing');
  expect(json.stderr).toContain(`Target: Workspace emulator at ${tenant.emulator.url}`);

  const md = await doctor(where, ['--format', 'markdown']);
  expect(describeRun(md)).toMatch(/^exit 0/);
  const text = md.stdout;
  expect(text.split('\n')[0]).toBe('## ⚠️ mailpolicy doctor: nothing blocks the first apply, 1 warning');
  const headings = text.split('\n').filter((l) => l.startsWith('### '));
  expect(headings.map((h) => h.replace(/ (⚠️|❌)$/, ''))).toEqual(report.groups.map((g) => `### ${g.title}`));
  // One table per group, four cells per row (escaped pipes do not count), one row per check.
  const rows = text.split('\n').filter((l) => /^\| (✅|⚠️|❌|➖) \|/.test(l));
  expect(rows).toHaveLength(report.checks.length);
  for (const row of rows) expect(row.split(/(?<!\\)\|/).length).toBe(6);
  expect(text.match(/^\| \| Check \| Result \| Fix \|$/gm)).toHaveLength(report.groups.length);
  expect(text).toContain('| ⚠️ | gateway setting through the Policy API | unknown until apply tries');
});

test('a key missing one grant names the scope, the console page, the client id and the list to paste', async () => {
  const keyFile = join(tenant.freshDir('key'), 'key.json');
  const scope = 'https://www.googleapis.com/auth/cloud-identity.policies';
  const key = tenant.emulator.writeCredentials(keyFile, { scopes: PROJECT_SCOPES.filter((s) => s !== scope) });
  const where = manifestWith('grant');

  const result = await doctor(where, [], { GOOGLE_APPLICATION_CREDENTIALS: keyFile });
  expect(describeRun(result)).toMatch(/^exit 1/);
  expect(lines(result.stdout, '✗')).toEqual([
    expect.stringMatching(
      new RegExp(
        `^admin@example.com · cloud-identity.policies: not in the delegation grant of client ID ${key.client_id} \\(401 unauthorized_client`,
      ),
    ),
  ]);
  const text = result.stdout;
  expect(text).toContain(
    'admin.google.com > Security > Access and data control > API controls > Manage Domain Wide Delegation',
  );
  expect(text).toContain('https://support.google.com/a/answer/162106');
  expect(text).toContain(`edit client ID ${key.client_id}`);
  const paste = text
    .split('\n')
    .find((l) => l.trim().startsWith('paste: '))!
    .trim()
    .slice('paste: '.length);
  expect(paste.split(',')).toContain(scope);
  expect(paste.split(',')).toContain('https://www.googleapis.com/auth/admin.directory.orgunit.readonly');
  expect(text).toMatch(/✓ admin@example.com · cloud-identity.policies.readonly: granted/);
  expect(text.trimEnd().split('\n').pop()).toMatch(/^Blocked: fix the ✗ lines before the first apply \(1 check failed/);

  const json = DoctorReportSchema.parse(
    JSON.parse((await doctor(where, ['--format', 'json'], { GOOGLE_APPLICATION_CREDENTIALS: keyFile })).stdout),
  );
  expect(json.delegation).toMatchObject({ clientId: key.client_id, missing: [scope] });
  expect(json.delegation!.scopes.join(',')).toBe(paste);
  const failed = json.checks.find((c) => c.status === 'fail')!;
  expect(failed).toMatchObject({ group: 'delegation', code: 'MP2001', paste });
});

test('a read-only key passes with --access read, and fails the write scopes without it', async () => {
  const keyFile = join(tenant.freshDir('read-key'), 'key.json');
  const readScopes = [...scopesForAccess('read'), 'https://www.googleapis.com/auth/admin.directory.domain.readonly'];
  tenant.emulator.writeCredentials(keyFile, { scopes: readScopes });
  const where = manifestWith('read-key');
  const env = { GOOGLE_APPLICATION_CREDENTIALS: keyFile };

  const read = await doctor(where, ['--access', 'read'], env);
  expect(describeRun(read)).toMatch(/^exit 0/);
  expect(lines(read.stdout, '✗')).toEqual([]);
  expect(read.stdout).toContain('The scopes of plan, drift and import (--access read: a read-only key).');
  expect(read.stdout).not.toContain('gmail.settings.sharing');

  const all = await doctor(where, [], env);
  expect(describeRun(all)).toMatch(/^exit 1/);
  expect(lines(all.stdout, '✗').map((l) => l.split(':')[0])).toEqual([
    'admin@example.com · admin.directory.orgunit',
    'admin@example.com · admin.directory.user',
    'admin@example.com · cloud-identity.policies',
    'user@example.com · gmail.settings.sharing',
  ]);
});

test("a grant without doctor's own domain scope warns and still exits 0; another customer id blocks", async () => {
  const keyFile = join(tenant.freshDir('no-domain-key'), 'key.json');
  const domainScope = 'https://www.googleapis.com/auth/admin.directory.domain.readonly';
  tenant.emulator.writeCredentials(keyFile, { scopes: PROJECT_SCOPES.filter((s) => s !== domainScope) });
  const where = manifestWith('no-domain-scope');
  const result = await doctor(where, [], { GOOGLE_APPLICATION_CREDENTIALS: keyFile });
  expect(describeRun(result)).toMatch(/^exit 0/);
  expect(lines(result.stdout, '!')).toEqual([
    expect.stringMatching(
      /^admin@example.com · admin.directory.domain.readonly: not in the delegation grant .*used by doctor only/,
    ),
    expect.stringMatching(/^domain example.com: not checked: the grant lacks admin.directory.domain.readonly/),
    expect.stringMatching(/^gateway setting through the Policy API: unknown/),
  ]);

  const other = await doctor(where, ['--customer', 'C0other']);
  expect(describeRun(other)).toMatch(/^exit 1/);
  expect(lines(other.stdout, '✗')).toEqual(
    expect.arrayContaining([
      expect.stringMatching(
        /^Admin SDK Directory API: does not know customer C0other \(400 invalid: Invalid Customer Id/,
      ),
      expect.stringMatching(/^customer C0other: is not the admin’s customer C01demo00/),
    ]),
  );
});

test('a subject that is not an admin is named, with the Policy API refusal', async () => {
  const result = await doctor(manifestWith('non-admin'), [], { MAILPOLICY_ADMIN: 'user@example.com' });
  expect(describeRun(result)).toMatch(/^exit 1/);
  const failed = lines(result.stdout, '✗');
  expect(failed).toContainEqual(
    expect.stringMatching(/^admin user@example.com: is not an admin: the Directory API refused/),
  );
  expect(failed).toContainEqual(
    expect.stringMatching(/^Cloud Identity Policy API: policies.list was refused \(403 .*\): only a super admin/),
  );
  expect(result.stdout).toContain('fix: impersonate a super admin: --admin EMAIL or MAILPOLICY_ADMIN');
});

test('an unknown user and a user without a mailbox block, each with its fix', async () => {
  tenant.emulator.control.seed({
    customerId: 'C01demo00',
    domains: ['example.com'],
    users: [
      { primaryEmail: 'admin@example.com', isAdmin: true },
      { primaryEmail: 'user@example.com' },
      { primaryEmail: 'new@example.com', isMailboxSetup: false },
    ],
  });
  const where = manifestWith('users', (m) => {
    m.users.push({ email: 'ghost@example.com' }, { email: 'new@example.com' });
  });
  const result = await doctor(where);
  expect(describeRun(result)).toMatch(/^exit 1/);
  const failed = lines(result.stdout, '✗');
  expect(failed).toEqual([
    expect.stringMatching(/^user ghost@example.com: does not exist in the Directory \(404/),
    expect.stringMatching(/^user new@example.com: exists in \/ but has no Gmail mailbox \(isMailboxSetup false\)/),
  ]);
  expect(result.stdout).toContain('fix: create the user (Admin console > Directory > Users > Add new user)');
  expect(result.stdout).toContain('fix: assign new@example.com a licence that includes Gmail');
  // The sample for the Gmail scopes takes users that exist with a mailbox.
  expect(lines(result.stdout, '✓')).toContainEqual(
    expect.stringMatching(/^user@example.com · gmail.settings.basic: granted/),
  );
});

test('a closed port on 127.0.0.1 fails the TCP connect and leaves the later steps unchecked', async () => {
  const port = await closedPort();
  const result = await doctor(manifestWith('closed', pointSmtpAt(port)), ['--check-credentials']);
  expect(describeRun(result)).toMatch(/^exit 1/);
  expect(lines(result.stdout, '✗')).toEqual([
    `127.0.0.1:${port} (starttls) · TCP connect: connection refused (ECONNREFUSED): nothing listens on port ${port}`,
  ]);
  expect(lines(result.stdout, '·')).toEqual([
    `127.0.0.1:${port} (starttls) · TLS: not checked: no TCP connection`,
    `127.0.0.1:${port} (starttls) · certificate: not checked: no TCP connection`,
    `127.0.0.1:${port} (starttls) · AUTH offered: not checked: no TCP connection`,
    `127.0.0.1:${port} (starttls) · AUTH as user.name@partnerdomain.com (user user.name@partnerdomain.com): not checked: no TCP connection`,
  ]);
});

test('STARTTLS declared against an implicit-TLS port, and ssl against a STARTTLS port, say which mode the port speaks', async () => {
  // The session never reaches the certificate: any certificate serves.
  const implicit = await startSmtpStandIn({ mode: 'ssl', tls: createTestCertificate(), accounts: smtp.accounts });
  try {
    const starttls = await doctor(manifestWith('starttls-on-ssl', pointSmtpAt(implicit.port, 'starttls')), [
      '--timeout',
      '2s',
    ]);
    expect(describeRun(starttls)).toMatch(/^exit 1/);
    expect(lines(starttls.stdout, '✗')).toEqual([
      expect.stringMatching(
        /\(starttls\) · TLS: no SMTP greeting within 2 s \(securityMode starttls\): the port waits for TLS from the first byte/,
      ),
    ]);
    expect(starttls.stdout).toContain('fix: declare securityMode ssl for this port');
  } finally {
    await implicit.close();
  }
  const ssl = await doctor(manifestWith('ssl-on-starttls', pointSmtpAt(smtp.server.port, 'ssl')));
  expect(describeRun(ssl)).toMatch(/^exit 1/);
  expect(lines(ssl.stdout, '✗')).toEqual([
    expect.stringMatching(
      /\(ssl\) · TLS: no TLS handshake \(securityMode ssl\): the port speaks plain SMTP first \("220 /,
    ),
  ]);
  expect(ssl.stdout).toContain('fix: declare securityMode starttls for this port');
});

test('a certificate for another name fails, and no credential is sent to that server', async () => {
  const pems = await generate([{ name: 'commonName', value: 'smtp.elsewhere.test' }], {
    keyType: 'ec',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'smtp.elsewhere.test' }] },
    ],
  });
  const otherCa = join(tenant.freshDir('other-name-ca'), 'ca.pem');
  writeFileSync(otherCa, pems.cert);
  const server = await startSmtpStandIn({
    mode: 'ssl',
    tls: { key: pems.private, cert: pems.cert },
    accounts: smtp.accounts,
  });
  try {
    const result = await doctor(manifestWith('other-name', pointSmtpAt(server.port, 'ssl')), [
      '--check-credentials',
      '--smtp-ca',
      otherCa,
    ]);
    expect(describeRun(result)).toMatch(/^exit 1/);
    expect(lines(result.stdout, '✗')).toEqual([
      expect.stringMatching(/\(ssl\) · certificate: is not valid for 127.0.0.1: .*smtp\.elsewhere\.test/),
    ]);
    expect(result.stdout).toContain('fix: serve a certificate that names 127.0.0.1');
    expect(lines(result.stdout, '·')).toContainEqual(
      expect.stringMatching(/· AUTH as .*: not checked: the certificate failed, so no credential is sent$/),
    );
    expect(server.authenticated).toBe(0);
  } finally {
    await server.close();
  }
});

test('--check-credentials with a wrong password says AUTH failed and never prints the password', async () => {
  const canary = `wrong-canary-${Date.now()}`;
  const result = await doctor(manifestWith('wrong-password'), ['--check-credentials'], {
    PARTNER_SMTP_PASSWORD: canary,
  });
  expect(describeRun(result)).toMatch(/^exit 1/);
  expect(lines(result.stdout, '✗')).toEqual([
    expect.stringMatching(/\(starttls\) · AUTH as user.name@partnerdomain.com .*: AUTH failed: .*535/),
  ]);
  expect(result.stdout).toContain('fix: correct the password behind env:PARTNER_SMTP_PASSWORD');
  expect(result.stdout + result.stderr).not.toContain(canary);
  expect(result.stdout + result.stderr).not.toContain(Buffer.from(canary).toString('base64'));

  const json = await doctor(manifestWith('wrong-password-json'), ['--check-credentials', '--format', 'json'], {
    PARTNER_SMTP_PASSWORD: canary,
  });
  expect(json.stdout + json.stderr).not.toContain(canary);
  expect(DoctorReportSchema.parse(JSON.parse(json.stdout)).checks.find((c) => c.status === 'fail')).toMatchObject({
    code: 'MP2007',
  });
});

test('a certificate no trusted CA signed fails, and the fix says what Gmail trusts', async () => {
  const result = await doctor(manifestWith('untrusted'), [], {}, []);
  expect(describeRun(result)).toMatch(/^exit 1/);
  expect(lines(result.stdout, '✗')).toEqual([
    expect.stringMatching(/\(starttls\) · certificate: is not trusted: it is self-signed/),
  ]);
  expect(result.stdout).toContain('pass doctor the CA file the emulator trusts (--smtp-ca');
});

test('with no target configured, doctor checks the embedded emulator and says it is not your tenant', async () => {
  const {
    MAILPOLICY_EMULATOR_URL: _url,
    GOOGLE_APPLICATION_CREDENTIALS: _key,
    MAILPOLICY_ADMIN: _admin,
    ...env
  } = {
    ...tenant.env,
    ...smtp.env,
  };
  const where = manifestWith('embedded');
  const result = await runCli(['doctor', '--manifest', where.file, '--smtp-ca', caFile], { cwd: where.dir, env });
  expect(describeRun(result)).toMatch(/^exit 0/);
  expect(lines(result.stdout, '!')).toContainEqual(
    expect.stringMatching(
      /^target: embedded Workspace emulator .*: no Google credentials are configured, so this is not your tenant/,
    ),
  );
  expect(lines(result.stdout, '✓')).toContainEqual(
    expect.stringMatching(/^key file: the embedded emulator’s key \(in memory\): type service_account/),
  );
});
