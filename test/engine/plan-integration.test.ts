import { emptyStackState } from '../../lib/state/stack-state';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createWorkspaceAdmin } from '../../lib/admin';
import { MailPolicy } from '../../lib/constructs';
import { startEmulator, type RunningEmulator } from '../../lib/emulator';
import { diff, fingerprintCredentials, observe, renderText } from '../../lib/engine';
import { fingerprintKeyFrom, runRulePack, type Manifest } from '../../lib/model';
import { PartnerGatewayStack } from '../../examples/partner-gateway/main';
import { App } from 'cdktf';

// The partner-gateway example planned through the production client against the emulator: no mocked client.

const PASSWORD = 'canary-Ue8qL2-partner-password';
const env = { PARTNER_SMTP_PASSWORD: PASSWORD, MAILPOLICY_FINGERPRINT_KEY: 'plan-integration-key-0123456789' };
const key = fingerprintKeyFrom(env.MAILPOLICY_FINGERPRINT_KEY);

let emulator: RunningEmulator;
let outdir: string;
let manifest: Manifest;

beforeAll(async () => {
  emulator = await startEmulator();
  outdir = mkdtempSync(join(tmpdir(), 'plan-integration-'));
  const app = new App({ outdir });
  const stack = new PartnerGatewayStack(app, 'partner-gateway', env);
  manifest = MailPolicy.of(stack).toManifest();
});

afterAll(async () => {
  await emulator.close();
  rmSync(outdir, { recursive: true, force: true });
});

async function planAgainstEmulator() {
  const admin = createWorkspaceAdmin({
    credentials: emulator.createServiceAccountKey(),
    adminEmail: 'admin@example.com',
    access: 'read',
    endpoint: { rootUrl: `${emulator.url}/`, tokenUrl: emulator.tokenUrl },
  });
  const observed = await observe(admin, manifest);
  const credentials = fingerprintCredentials(manifest, key, env, outdir);
  return diff({
    manifest,
    observed,
    state: emptyStackState('test', '00000000-0000-4000-8000-000000000000'),
    credentials,
    target: admin.target,
    findings: runRulePack(manifest),
  });
}

test('the example plans a create for the OU, the policy and the identity, and moves the user', async () => {
  emulator.control.reset();
  emulator.control.seed({
    customerId: 'C01demo00',
    domains: ['example.com'],
    orgUnits: [{ path: '/Sales' }],
    users: [
      { primaryEmail: 'admin@example.com', orgUnitPath: '/', isAdmin: true },
      { primaryEmail: 'user@example.com', orgUnitPath: '/' },
    ],
  });

  const plan = await planAgainstEmulator();

  expect(plan.changes.map((c) => `${c.action} ${c.id}`)).toEqual([
    'create orgUnit:/sales/partners',
    'create gatewayPolicy:/sales/partners',
    'update userPlacement:user@example.com',
    'create sendAs:user@example.com/user.name@partnerdomain.com',
  ]);
  expect(plan.summary).toMatchObject({ create: 3, update: 1, delete: 0, indeterminate: 0, blockingFindings: 0 });
  expect(renderText(plan)).toContain('Plan: 3 to create, 1 to update, 0 to delete, 0 manual steps.');
  expect(JSON.stringify(plan)).not.toContain(PASSWORD);
});

test('a tenant seeded with exactly the declared state plans only the one-time send of unrecorded credentials', async () => {
  emulator.control.reset();
  emulator.control.seed({
    customerId: 'C01demo00',
    domains: ['example.com'],
    orgUnits: [
      { path: '/Sales' },
      { path: '/Sales/Partners', description: 'Staff who send mail for partners through the partners’ own servers' },
    ],
    users: [
      { primaryEmail: 'admin@example.com', orgUnitPath: '/', isAdmin: true },
      { primaryEmail: 'user@example.com', orgUnitPath: '/Sales/Partners' },
    ],
    policies: [{ orgUnitPath: '/Sales/Partners', allowUsersToUseExternalSmtpServers: true }],
    sendAs: [
      {
        userEmail: 'user@example.com',
        sendAsEmail: 'user.name@partnerdomain.com',
        displayName: 'User Name (Partner Domain)',
        smtpMsa: { host: 'smtp.partnerdomain.com', port: 587, securityMode: 'starttls' },
        verificationStatus: 'accepted',
      },
    ],
  });

  const plan = await planAgainstEmulator();

  // Google never returns SMTP credentials: with none recorded they are sent once, never assumed in place.
  expect(plan.changes.map((c) => `${c.action} ${c.subject} ${c.cause}`)).toEqual([
    'update user@example.com → user.name@partnerdomain.com rotation',
  ]);
  expect(plan.indeterminate).toEqual([]);
  expect(renderText(plan)).toMatch(/~ smtp\.password: \(sensitive\)[\s\S]*Plan: 0 to create, 1 to update/);
});
