/**
 * The partner-gateway example end to end through the `mailpolicy` binary against one emulator: plan, apply,
 * plan clean, change a display name, apply it; and every output format with a secret canary.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { changeLines, describeRun, runCli, type CliResult } from './helpers/cli';
import {
  editJson,
  filesUnder,
  synthPartnerGateway,
  type CliTenant,
  type PartnerSmtp,
  usePartnerTenant,
} from './helpers/tenant';

let tenant: CliTenant;
let smtp: PartnerSmtp;

usePartnerTenant((started) => ({ tenant, smtp } = started));

/** A fresh demo tenant, a fresh work folder with the synthesised example, and the env to run commands in it. */
function freshRun(name: string): { cwd: string; manifest: string; env: NodeJS.ProcessEnv; outputs: CliResult[] } {
  tenant.emulator.control.seed('demo');
  const cwd = tenant.freshDir(name);
  const env = { ...tenant.env, ...smtp.env };
  const stackDir = synthPartnerGateway(join(cwd, 'cdktf.out'), env);
  return { cwd, manifest: join(stackDir, 'mail-policy.json'), env, outputs: [] };
}

function expectNoSecret(results: readonly CliResult[], dir: string): void {
  for (const result of results) {
    expect(result.stdout).not.toContain(smtp.password);
    expect(result.stderr).not.toContain(smtp.password);
  }
  for (const { file, text } of filesUnder(dir)) {
    if (text.includes(smtp.password)) throw new Error(`the SMTP password was written to ${file}`);
  }
}

describe('mailpolicy on examples/partner-gateway', () => {
  test('plan, apply, plan clean; a changed display name plans and applies one update', async () => {
    const run = freshRun('e2e');
    const cli = async (...args: string[]): Promise<CliResult> => {
      const result = await runCli(args, { cwd: run.cwd, env: run.env });
      run.outputs.push(result);
      return result;
    };

    const first = await cli('plan', '--manifest', run.manifest, '--detailed-exitcode');
    expect(describeRun(first)).toMatch(/^exit 2/);
    expect(first.stdout.split('\n')[0]).toContain(`Workspace emulator at ${tenant.emulator.url} (not Google)`);
    expect(changeLines(first.stdout)).toEqual([
      '+ /Sales/Partners',
      '+ /Sales/Partners  [allows per-user outbound gateways]',
      // The user exists already: placing them in the OU is an update of their orgUnitPath.
      '~ user@example.com',
      '+ user@example.com → user.name@partnerdomain.com',
    ]);
    expect(first.stdout).toContain('~ orgUnitPath: "/" → "/Sales/Partners"');
    expect(first.stdout).toContain('Plan: 3 to create, 1 to update, 0 to delete, 0 manual steps.');

    const applied = await cli('apply', '--manifest', run.manifest, '--auto-approve');
    expect(describeRun(applied)).toMatch(/^exit 0/);
    expect(applied.stderr).toContain('Apply complete: 4 done, 0 failed, 0 pending, 0 skipped');
    const snapshot = tenant.emulator.control.snapshot();
    expect(snapshot.users).toContainEqual(
      expect.objectContaining({ primaryEmail: 'user@example.com', orgUnitPath: '/Sales/Partners' }),
    );
    expect(snapshot.sendAs).toEqual([
      expect.objectContaining({
        userEmail: 'user@example.com',
        sendAsEmail: 'user.name@partnerdomain.com',
        displayName: 'User Name (Partner Domain)',
        smtpMsa: expect.objectContaining({ host: smtp.server.host, port: smtp.server.port, securityMode: 'starttls' }),
      }),
    ]);
    expect(smtp.server.authenticated).toBeGreaterThan(0);

    const clean = await cli('plan', '--manifest', run.manifest, '--detailed-exitcode');
    expect(describeRun(clean)).toMatch(/^exit 0/);
    expect(clean.stdout).toContain('No changes.');

    editJson<{ sendAs: Array<{ displayName?: string }> }>(run.manifest, (manifest) => {
      manifest.sendAs[0].displayName = 'User Name (Partner, renamed)';
    });
    const renamed = await cli('plan', '--manifest', run.manifest, '--detailed-exitcode');
    expect(describeRun(renamed)).toMatch(/^exit 2/);
    expect(changeLines(renamed.stdout)).toEqual(['~ user@example.com → user.name@partnerdomain.com']);
    expect(renamed.stdout).toContain('~ displayName: "User Name (Partner Domain)" → "User Name (Partner, renamed)"');
    expect(renamed.stdout).toContain('Plan: 0 to create, 1 to update, 0 to delete, 0 manual steps.');

    const update = await cli('apply', '--manifest', run.manifest, '--auto-approve');
    expect(describeRun(update)).toMatch(/^exit 0/);
    expect(tenant.emulator.control.snapshot().sendAs).toEqual([
      expect.objectContaining({
        sendAsEmail: 'user.name@partnerdomain.com',
        displayName: 'User Name (Partner, renamed)',
      }),
    ]);
    const after = await cli('plan', '--manifest', run.manifest, '--detailed-exitcode');
    expect(describeRun(after)).toMatch(/^exit 0/);

    expectNoSecret(run.outputs, run.cwd);
  });

  test('text, markdown and json plans say the same thing and never contain the SMTP password', async () => {
    const run = freshRun('formats');
    const cli = async (...args: string[]): Promise<CliResult> => {
      const result = await runCli(args, { cwd: run.cwd, env: run.env });
      run.outputs.push(result);
      return result;
    };
    const text = await cli('plan', '--manifest', run.manifest, '--format', 'text', '--out', 'plan.json');
    const markdown = await cli('plan', '--manifest', run.manifest, '--format', 'markdown', '--detailed-exitcode');
    const json = await cli('plan', '--manifest', run.manifest, '--format', 'json');

    expect(describeRun(text)).toMatch(/^exit 0/);
    expect(text.stdout).toContain('Plan: 3 to create, 1 to update, 0 to delete, 0 manual steps.');
    expect(text.stderr).toContain('Saved the plan to plan.json');

    expect(describeRun(markdown)).toMatch(/^exit 2/);
    expect(markdown.stdout).toContain('user.name@partnerdomain.com');
    expect(markdown.stdout).toContain('/Sales/Partners');
    expect(markdown.stdout).toContain('<details>');
    expect(markdown.stdout).toMatch(/emulator/i);

    expect(describeRun(json)).toMatch(/^exit 0/);
    const document = JSON.parse(json.stdout) as { summary: Record<string, number>; changes: unknown[] };
    expect(document.summary).toMatchObject({ create: 3, update: 1, delete: 0 });
    expect(document.changes).toHaveLength(4);
    const identity = (document.changes as Array<{ kind: string; attributes: unknown[] }>).find(
      (c) => c.kind === 'sendAs',
    );
    expect(identity?.attributes).toContainEqual({ name: 'smtp.password', sensitive: true });

    // Apply the saved plan too, so the ledger exists when the canary looks at every written file.
    const applied = await cli('apply', 'plan.json');
    expect(describeRun(applied)).toMatch(/^exit 0/);
    expect(readFileSync(join(run.cwd, '.mailpolicy', 'state', 'partner-gateway.json'), 'utf8')).toContain(
      'hmac-sha256:',
    );
    expectNoSecret(run.outputs, run.cwd);
  });
});
