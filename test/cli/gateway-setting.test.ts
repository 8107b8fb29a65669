/**
 * The gateway setting's two awkward cases through the `mailpolicy` binary: it takes time to propagate
 * (exit 3, pending, finished by the next apply), and the target may refuse to write it (exit 4, manual steps).
 */
import { join } from 'node:path';

import { changeLines, describeRun, runCli, type CliResult } from './helpers/cli';
import { synthPartnerGateway, type CliTenant, type PartnerSmtp, usePartnerTenant } from './helpers/tenant';

let tenant: CliTenant;
let smtp: PartnerSmtp;

usePartnerTenant((started) => ({ tenant, smtp } = started));

afterEach(() => {
  tenant.emulator.control.setKnobs({ propagationDelayMs: 0, policyWrites: 'accepted' });
});

function freshRun(name: string): { manifest: string; cli(...args: string[]): Promise<CliResult> } {
  tenant.emulator.control.seed('demo');
  const cwd = tenant.freshDir(name);
  const env = { ...tenant.env, ...smtp.env };
  const manifest = join(synthPartnerGateway(join(cwd, 'cdktf.out'), env), 'mail-policy.json');
  return { manifest, cli: (...args) => runCli(args, { cwd, env }) };
}

test('an identity waiting for the gateway setting past --propagation-timeout is pending (exit 3); the next apply finishes it', async () => {
  const run = freshRun('propagation');
  tenant.emulator.control.setKnobs({ propagationDelayMs: 3_600_000 });

  const first = await run.cli('apply', '--manifest', run.manifest, '--auto-approve', '--propagation-timeout', '2s');
  expect(describeRun(first)).toMatch(/^exit 3/);
  expect(first.stderr).toMatch(/3 done, 0 failed, 1 pending/);
  expect(first.stderr).toContain('user.name@partnerdomain.com');
  expect(tenant.emulator.control.snapshot().sendAs).toEqual([]);
  expect(tenant.emulator.control.snapshot().policies).toEqual([
    expect.objectContaining({ orgUnitPath: '/Sales/Partners', allowUsersToUseExternalSmtpServers: true }),
  ]);

  tenant.emulator.control.setKnobs({ propagationDelayMs: 0 });
  const second = await run.cli('apply', '--manifest', run.manifest, '--auto-approve', '--propagation-timeout', '2s');
  expect(describeRun(second)).toMatch(/^exit 0/);
  expect(changeLines(second.stdout)).toEqual(['+ user@example.com → user.name@partnerdomain.com']);
  expect(tenant.emulator.control.snapshot().sendAs).toEqual([
    expect.objectContaining({ userEmail: 'user@example.com', sendAsEmail: 'user.name@partnerdomain.com' }),
  ]);
  expect(describeRun(await run.cli('plan', '--manifest', run.manifest, '--detailed-exitcode'))).toMatch(/^exit 0/);
});

test('a refused gateway write prints the Admin-console steps, skips its dependants (exit 4) and plans as a manual step', async () => {
  const run = freshRun('manual');
  tenant.emulator.control.setKnobs({ policyWrites: 'refused' });

  const applied = await run.cli('apply', '--manifest', run.manifest, '--auto-approve');
  expect(describeRun(applied)).toMatch(/^exit 4/);
  expect(applied.stderr).toContain('Manual step for /Sales/Partners:');
  expect(applied.stderr).toContain('Open Admin console › Apps › Google Workspace › Gmail › End User Access.');
  expect(applied.stderr).toContain('select /Sales/Partners');
  expect(applied.stderr).toMatch(
    /skipped +\+ sendAs user@example\.com → user\.name@partnerdomain\.com: depends on gatewayPolicy/,
  );
  expect(applied.stderr).toContain('Apply incomplete: 2 done, 0 failed, 0 pending, 1 skipped, 1 manual step left.');
  expect(tenant.emulator.control.snapshot().sendAs).toEqual([]);
  expect(tenant.emulator.control.snapshot().policies).toEqual([]);

  const planned = await run.cli('plan', '--manifest', run.manifest, '--detailed-exitcode');
  expect(describeRun(planned)).toMatch(/^exit 2/);
  expect(changeLines(planned.stdout)).toContainEqual(expect.stringMatching(/^! \/Sales\/Partners/));
  expect(planned.stdout).toMatch(/1 manual step/);
});
