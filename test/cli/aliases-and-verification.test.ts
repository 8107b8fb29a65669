/**
 * Aliases and verification through the `mailpolicy` binary against the emulator. Gmail refuses an in-domain
 * send-as that is not one of the user's aliases (GAM #681), so plan refuses it before apply; declaring the alias
 * makes it apply. An external address is created `pending` until its owner clicks the verification link: plan
 * (every format) and drift list it, apply's summary says so, a default switch to it waits instead of failing, and
 * `mailpolicy verify` sends the mail again.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { SeedTenant } from '../../lib/emulator';
import type { Manifest, SendAsSpec } from '../../lib/model';
import { describeRun, runCli, type CliResult } from './helpers/cli';
import { startCliTenant, startPartnerSmtp, writeCalls, type CliTenant, type PartnerSmtp } from './helpers/tenant';

const SEED: SeedTenant = {
  customerId: 'C0alias000',
  domains: ['example.com'],
  orgUnits: [{ path: '/Sales' }],
  users: [
    { primaryEmail: 'admin@example.com', isAdmin: true },
    { primaryEmail: 'ana@example.com', orgUnitPath: '/Sales' },
  ],
  policies: [{ orgUnitPath: '/Sales', allowUsersToUseExternalSmtpServers: true }],
};

const TEAM: SendAsSpec = { userEmail: 'ana@example.com', sendAsEmail: 'sales@example.com', displayName: 'Sales' };

function manifest(parts: Partial<Manifest>): Manifest {
  return {
    version: 1,
    stack: 'aliases',
    customerId: 'my_customer',
    domains: ['example.com'],
    orgUnits: [{ path: '/Sales', name: 'Sales', parentPath: '/', managed: false }],
    gatewayPolicies: [],
    users: [{ email: 'ana@example.com' }],
    sendAs: [],
    ownership: [],
    acknowledgements: [],
    ...parts,
  };
}

let tenant: CliTenant;
let smtp: PartnerSmtp;
beforeAll(async () => {
  tenant = await startCliTenant();
  smtp = await startPartnerSmtp(tenant.emulator);
});
afterAll(async () => {
  await smtp.server.close();
  await tenant.close();
});
beforeEach(() => tenant.emulator.control.seed(SEED));

function app(
  name: string,
  first: Manifest,
): { cli: (...args: string[]) => Promise<CliResult>; write: (m: Manifest) => void } {
  const cwd = tenant.freshDir(name);
  const write = (m: Manifest): void => writeFileSync(join(cwd, 'mail-policy.json'), JSON.stringify(m));
  write(first);
  return {
    cli: (...args) =>
      runCli([args[0], '--manifest', 'mail-policy.json', ...args.slice(1)], {
        cwd,
        env: { ...tenant.env, ...smtp.env },
      }),
    write,
  };
}

/** The partner identity: an external address sent through the partner's SMTP server, so Gmail holds it pending. */
function partnerIdentity(isDefault: boolean): SendAsSpec {
  return {
    userEmail: 'ana@example.com',
    sendAsEmail: 'user.name@partnerdomain.com',
    displayName: 'Ana (partner)',
    ...(isDefault ? { isDefault: true } : {}),
    smtp: {
      host: smtp.server.host,
      port: smtp.server.port,
      securityMode: 'starttls',
      username: 'user.name@partnerdomain.com',
      password: { ref: 'env:PARTNER_SMTP_PASSWORD' },
    },
  };
}

test('an in-domain send-as that is not an alias is refused by plan before apply; declaring the alias makes it apply', async () => {
  const { cli, write } = app('alias', manifest({ sendAs: [TEAM] }));
  const refused = await cli('plan');
  expect(describeRun(refused)).toMatch(/^exit 1/);
  expect(refused.stdout).toMatch(/ERROR MPR-LIVE-SENDAS-NOT-ALIAS .*sales@example\.com/);
  const writesBefore = writeCalls(tenant.emulator);
  const apply = await cli('apply', '--auto-approve');
  expect(apply.code).toBe(1);
  expect(writeCalls(tenant.emulator)).toBe(writesBefore);

  write(manifest({ users: [{ email: 'ana@example.com', aliases: ['sales@example.com'] }], sendAs: [TEAM] }));
  const planned = await cli('plan', '--detailed-exitcode');
  expect(describeRun(planned)).toMatch(/^exit 2/);
  expect(planned.stdout).toMatch(/Aliases\n {2}\+ ana@example\.com ← sales@example\.com/);
  const applied = await cli('apply', '--auto-approve');
  expect(describeRun(applied)).toMatch(/^exit 0/);
  const ana = tenant.emulator.control.snapshot().users?.find((u) => u.primaryEmail === 'ana@example.com');
  expect(ana?.aliases).toEqual(['sales@example.com']);
  const identities = tenant.emulator.control.snapshot().sendAs ?? [];
  expect(identities).toContainEqual(
    expect.objectContaining({
      userEmail: 'ana@example.com',
      sendAsEmail: 'sales@example.com',
      verificationStatus: 'accepted',
    }),
  );
  expect(describeRun(await cli('plan', '--detailed-exitcode'))).toMatch(/^exit 0/);
});

test('a pending identity is listed by apply, plan (every format) and drift, and mailpolicy verify sends the mail again', async () => {
  const { cli } = app('pending', manifest({ sendAs: [partnerIdentity(false)] }));
  const applied = await cli('apply', '--auto-approve');
  expect(describeRun(applied)).toMatch(/^exit 0/);
  expect(applied.stderr).toMatch(
    /Waiting for verification[^\n]*\n {2}ana@example\.com → user\.name@partnerdomain\.com\n/,
  );
  expect(tenant.emulator.control.outbox()).toHaveLength(1);

  const text = await cli('plan', '--detailed-exitcode');
  expect(describeRun(text)).toMatch(/^exit 0/);
  expect(text.stdout).toMatch(/Waiting for verification[\s\S]*user\.name@partnerdomain\.com/);
  const markdown = await cli('plan', '--format', 'markdown');
  expect(markdown.stdout).toMatch(/Waiting for verification[\s\S]*user\.name@partnerdomain\.com/);
  const json = JSON.parse((await cli('plan', '--format', 'json')).stdout) as { pendingVerification: unknown[] };
  expect(json.pendingVerification).toEqual([
    expect.objectContaining({ userEmail: 'ana@example.com', sendAsEmail: 'user.name@partnerdomain.com' }),
  ]);
  const drift = await cli('drift');
  expect(drift.code).toBe(0);
  expect(drift.stdout).toMatch(/Waiting for verification[\s\S]*user\.name@partnerdomain\.com/);

  const dryRun = await cli('verify', '--dry-run');
  expect(describeRun(dryRun)).toMatch(/^exit 0/);
  expect(dryRun.stdout).toContain('ana@example.com → user.name@partnerdomain.com');
  expect(tenant.emulator.control.outbox()).toHaveLength(1);
  const verify = await cli('verify');
  expect(describeRun(verify)).toMatch(/^exit 0/);
  expect(verify.stdout).toMatch(/✓ ana@example\.com → user\.name@partnerdomain\.com: verification mail sent/);
  expect(tenant.emulator.control.outbox()).toHaveLength(2);
  expect(`${verify.stdout}${verify.stderr}${applied.stdout}${applied.stderr}`).not.toContain(smtp.password);

  tenant.emulator.control.acceptVerification('ana@example.com', 'user.name@partnerdomain.com');
  const none = await cli('verify');
  expect(none.stdout).toMatch(/No declared identity is waiting for verification/);
  expect(tenant.emulator.control.outbox()).toHaveLength(2);
});

test('declared default while pending: apply creates it, the default switch waits for verification, and plan then blocks until it is confirmed', async () => {
  const { cli } = app('default', manifest({ sendAs: [partnerIdentity(true)] }));
  const applied = await cli('apply', '--auto-approve');
  expect(applied.code).toBe(3);
  expect(applied.stderr).toMatch(/pending .*user\.name@partnerdomain\.com: Gmail refuses an unverified default/);
  expect(applied.stderr).toMatch(/Waiting for verification/);
  const identity = (tenant.emulator.control.snapshot().sendAs ?? []).find(
    (s) => s.sendAsEmail === 'user.name@partnerdomain.com',
  );
  expect(identity).toEqual(expect.objectContaining({ verificationStatus: 'pending' }));
  expect(identity?.isDefault).not.toBe(true);

  const blocked = await cli('plan');
  expect(blocked.code).toBe(1);
  expect(blocked.stdout).toMatch(/ERROR MPR-LIVE-PENDING-DEFAULT .*user\.name@partnerdomain\.com/);
  expect(blocked.stdout).toMatch(/mailpolicy verify/);

  tenant.emulator.control.acceptVerification('ana@example.com', 'user.name@partnerdomain.com');
  const finished = await cli('apply', '--auto-approve');
  expect(describeRun(finished)).toMatch(/^exit 0/);
  const now = (tenant.emulator.control.snapshot().sendAs ?? []).find(
    (s) => s.sendAsEmail === 'user.name@partnerdomain.com',
  );
  expect(now?.isDefault).toBe(true);
});
