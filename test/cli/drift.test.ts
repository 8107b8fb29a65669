/**
 * `mailpolicy drift` through the binary: changes made behind the code's back are reported once each, with the
 * current and desired value, in text, markdown and json; a read that keeps failing is indeterminate, not drift.
 */
import { join } from 'node:path';

import { describeRun, runCli, type CliResult } from './helpers/cli';
import { synthPartnerGateway, type CliTenant, type PartnerSmtp, usePartnerTenant } from './helpers/tenant';

let tenant: CliTenant;
let smtp: PartnerSmtp;
let cli: (...args: string[]) => Promise<CliResult>;
let manifest: string;

interface DriftJson {
  mode: string;
  changes: Array<{
    action: string;
    reason?: string;
    kind: string;
    subject: string;
    attributes: Array<{ name: string; before?: unknown; after?: unknown }>;
  }>;
  indeterminate: Array<{ kind: string; subject: string }>;
}

usePartnerTenant((started) => ({ tenant, smtp } = started));

beforeAll(async () => {
  const cwd = tenant.freshDir('drift');
  const env = { ...tenant.env, ...smtp.env, MAILPOLICY_RETRY_DEADLINE: '2s' };
  manifest = join(synthPartnerGateway(join(cwd, 'cdktf.out'), env), 'mail-policy.json');
  cli = (...args) => runCli(args, { cwd, env });
  const applied = await cli('apply', '--manifest', manifest, '--auto-approve');
  expect(describeRun(applied)).toMatch(/^exit 0/);

  // Behind the code's back: a display name, the SMTP host and the gateway policy change in the tenant.
  const snapshot = tenant.emulator.control.snapshot();
  tenant.emulator.control.seed({
    ...snapshot,
    sendAs: snapshot.sendAs?.map((s) => ({
      ...s,
      displayName: 'Renamed In Console',
      smtpMsa: s.smtpMsa && { ...s.smtpMsa, host: 'smtp.elsewhere.test' },
    })),
    policies: snapshot.policies?.map((p) => ({ ...p, allowUsersToUseExternalSmtpServers: false })),
  });
});

afterEach(() => {
  tenant.emulator.control.setKnobs({ faults: {} });
});

test('a clean tenant has no drift (exit 0)', async () => {
  // Puts the applied values back for this check, then restores the drifted tenant for the other tests.
  const drifted = tenant.emulator.control.snapshot();
  tenant.emulator.control.seed({
    ...drifted,
    sendAs: drifted.sendAs?.map((s) => ({
      ...s,
      displayName: 'User Name (Partner Domain)',
      smtpMsa: s.smtpMsa && { ...s.smtpMsa, host: smtp.server.host },
    })),
    policies: drifted.policies?.map((p) => ({ ...p, allowUsersToUseExternalSmtpServers: true })),
  });
  try {
    const clean = await cli('drift', '--manifest', manifest);
    expect(describeRun(clean)).toMatch(/^exit 0/);
  } finally {
    tenant.emulator.control.seed(drifted);
  }
});

test('drift reports each change once with before and after, in text, markdown and json (exit 2)', async () => {
  const text = await cli('drift', '--manifest', manifest);
  expect(describeRun(text)).toMatch(/^exit 2/);
  expect(text.stdout).toContain('Drift report for stack partner-gateway');
  const once = (needle: string): void => expect(text.stdout.split(needle)).toHaveLength(2);
  once('~ displayName: "Renamed In Console" → "User Name (Partner Domain)"');
  once(`~ smtp.host: "smtp.elsewhere.test" → "${smtp.server.host}"`);
  once('~ allowPerUserOutboundGateways: false → true');
  expect(text.stdout).not.toContain('smtp.password');

  const markdown = await cli('drift', '--manifest', manifest, '--format', 'markdown');
  expect(describeRun(markdown)).toMatch(/^exit 2/);
  expect(markdown.stdout).toContain('Mail policy drift');
  for (const value of ['Renamed In Console', 'User Name (Partner Domain)', 'smtp.elsewhere.test', smtp.server.host]) {
    expect(markdown.stdout).toContain(value);
  }

  const json = await cli('drift', '--manifest', manifest, '--format', 'json');
  expect(describeRun(json)).toMatch(/^exit 2/);
  const report = JSON.parse(json.stdout) as DriftJson;
  expect(report.mode).toBe('drift');
  const attributes = report.changes.flatMap((c) => c.attributes.map((a) => ({ kind: c.kind, ...a })));
  expect(attributes).toEqual(
    expect.arrayContaining([
      { kind: 'sendAs', name: 'displayName', before: 'Renamed In Console', after: 'User Name (Partner Domain)' },
      { kind: 'sendAs', name: 'smtp.host', before: 'smtp.elsewhere.test', after: smtp.server.host },
      { kind: 'gatewayPolicy', name: 'allowPerUserOutboundGateways', before: false, after: true },
    ]),
  );
  expect(attributes).toHaveLength(3);
  for (const result of [text, markdown, json]) expect(result.stdout + result.stderr).not.toContain(smtp.password);
});

test('fails with exit 1 when a read keeps failing: the identity is indeterminate and never a drift row', async () => {
  tenant.emulator.control.setKnobs({ faults: { methods: { 'gmail.users.settings.sendAs.list': { '503': 1 } } } });
  const json = await cli('drift', '--manifest', manifest, '--format', 'json');
  expect(describeRun(json)).toMatch(/^exit 1/);
  const report = JSON.parse(json.stdout) as DriftJson;
  expect(report.indeterminate).toContainEqual(expect.objectContaining({ kind: 'sendAs' }));
  expect(report.changes.filter((c) => c.kind === 'sendAs')).toEqual([]);

  const text = await cli('drift', '--manifest', manifest);
  expect(describeRun(text)).toMatch(/^exit 1/);
  expect(text.stdout).not.toContain('displayName');
  expect(text.stdout).toContain('user.name@partnerdomain.com');
});

test('objects removed behind the code after an apply are drift; a plan never applied is not (ledger)', async () => {
  // Removed in the tenant: the gateway policy and the identity that the apply in beforeAll put in place.
  const drifted = tenant.emulator.control.snapshot();
  tenant.emulator.control.seed({ ...drifted, policies: [], sendAs: [] });
  try {
    const json = await cli('drift', '--manifest', manifest, '--format', 'json');
    expect(describeRun(json)).toMatch(/^exit 2/);
    const report = JSON.parse(json.stdout) as DriftJson;
    expect(report.changes.map((c) => `${c.action} ${c.kind} ${c.subject}`).sort()).toEqual([
      'create gatewayPolicy /Sales/Partners',
      'create sendAs user@example.com → user.name@partnerdomain.com',
    ]);
    for (const change of report.changes) expect(change.reason).toMatch(/removed outside the code/);

    // The same tenant seen by a stack with no apply on record: missing objects are new, not drift.
    const freshCwd = tenant.freshDir('drift-no-ledger');
    const fresh = await runCli(['drift', '--manifest', manifest], {
      cwd: freshCwd,
      env: { ...tenant.env, ...smtp.env, MAILPOLICY_HOME: join(freshCwd, '.mailpolicy') },
    });
    expect(describeRun(fresh)).toMatch(/^exit 0/);
  } finally {
    tenant.emulator.control.seed(drifted);
  }
});
