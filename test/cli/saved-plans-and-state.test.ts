/**
 * What keeps apply safe, through the `mailpolicy` binary: saved plans checked against the live tenant, least
 * privilege, the state (a corrupt ledger left by an earlier version → refused; SMTP password rotation through
 * fingerprints).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { scopesForAccess } from '../../lib/admin';
import { changeLines, describeRun, runCli, type CliResult } from './helpers/cli';
import {
  filesUnder,
  synthPartnerGateway,
  writeCalls,
  type CliTenant,
  type PartnerSmtp,
  usePartnerTenant,
} from './helpers/tenant';

let tenant: CliTenant;
let smtp: PartnerSmtp;

usePartnerTenant((started) => ({ tenant, smtp } = started));

interface Run {
  readonly cwd: string;
  readonly manifest: string;
  env: NodeJS.ProcessEnv;
  cli(...args: string[]): Promise<CliResult>;
}

function freshRun(name: string): Run {
  tenant.emulator.control.seed('demo');
  const cwd = tenant.freshDir(name);
  const run: Run = {
    cwd,
    env: { ...tenant.env, ...smtp.env },
    manifest: '',
    cli: (...args) => runCli(args, { cwd, env: run.env }),
  };
  const stackDir = synthPartnerGateway(join(cwd, 'cdktf.out'), run.env);
  return Object.assign(run, { manifest: join(stackDir, 'mail-policy.json') });
}

describe('saved plans', () => {
  test('a plan saved with --out applies as reviewed', async () => {
    const run = freshRun('saved');
    const planned = await run.cli('plan', '--manifest', run.manifest, '--out', 'plan.json');
    expect(describeRun(planned)).toMatch(/^exit 0/);
    const applied = await run.cli('apply', 'plan.json');
    expect(describeRun(applied)).toMatch(/^exit 0/);
    expect(applied.stderr).toContain('4 done, 0 failed');
    expect(tenant.emulator.control.snapshot().sendAs).toHaveLength(1);
    const again = await run.cli('plan', '--manifest', run.manifest, '--detailed-exitcode');
    expect(describeRun(again)).toMatch(/^exit 0/);
  });

  test('fails with [MP3000] and changes nothing when the tenant changed after the plan was saved', async () => {
    const run = freshRun('stale');
    const planned = await run.cli('plan', '--manifest', run.manifest, '--out', 'plan.json');
    expect(describeRun(planned)).toMatch(/^exit 0/);

    // Someone moves the user in the Admin console between review and apply.
    const snapshot = tenant.emulator.control.snapshot();
    tenant.emulator.control.seed({
      ...snapshot,
      users: snapshot.users?.map((u) => (u.primaryEmail === 'user@example.com' ? { ...u, orgUnitPath: '/Sales' } : u)),
    });
    const writesBefore = writeCalls(tenant.emulator);
    const applied = await run.cli('apply', 'plan.json');
    expect(describeRun(applied)).toMatch(/^exit 1/);
    expect(applied.stderr).toContain('[MP3000]');
    expect(applied.stderr).toContain('Nothing was changed');
    expect(writeCalls(tenant.emulator)).toBe(writesBefore);
    expect(tenant.emulator.control.snapshot().orgUnits?.map((ou) => ou.path)).toEqual(['/Sales']);
  });
});

describe('least privilege', () => {
  test('fails to apply with a read-only grant before any change, naming the missing scope; plan works', async () => {
    const run = freshRun('read-only');
    const keyFile = join(run.cwd, 'read-only-key.json');
    tenant.emulator.writeCredentials(keyFile, { scopes: scopesForAccess('read') });
    run.env = { ...run.env, GOOGLE_APPLICATION_CREDENTIALS: keyFile };

    const planned = await run.cli('plan', '--manifest', run.manifest, '--detailed-exitcode');
    expect(describeRun(planned)).toMatch(/^exit 2/);
    expect(planned.stdout).toContain('Plan: 3 to create, 1 to update');

    const writesBefore = writeCalls(tenant.emulator);
    const applied = await run.cli('apply', '--manifest', run.manifest, '--auto-approve');
    expect(describeRun(applied)).toMatch(/^exit 1/);
    expect(applied.stderr).toContain('Refused, nothing was changed');
    expect(applied.stderr).toContain('nothing was changed');
    // The refusal itself (and the plan printed before it) names each write scope the delegation grant lacks.
    for (const scope of [
      'admin.directory.orgunit',
      'admin.directory.user',
      'cloud-identity.policies',
      'gmail.settings.sharing',
    ]) {
      expect(applied.stdout).toContain(`https://www.googleapis.com/auth/${scope}`);
      expect(applied.stderr).toContain(`https://www.googleapis.com/auth/${scope}`);
    }
    expect(writeCalls(tenant.emulator)).toBe(writesBefore);
    expect(tenant.emulator.control.snapshot().sendAs).toEqual([]);
  });
});

describe('the state', () => {
  test('fails with [MP3002] before any change when a ledger.json left by an earlier version is corrupt', async () => {
    const run = freshRun('corrupt');
    mkdirSync(join(run.cwd, '.mailpolicy'), { recursive: true });
    writeFileSync(join(run.cwd, '.mailpolicy', 'ledger.json'), '{"version": 1, "identities": [tru');
    const writesBefore = writeCalls(tenant.emulator);
    const applied = await run.cli('apply', '--manifest', run.manifest, '--auto-approve');
    expect(describeRun(applied)).toMatch(/^exit 1/);
    expect(applied.stderr).toContain('[MP3002]');
    expect(applied.stderr).toContain('ledger.json');
    expect(writeCalls(tenant.emulator)).toBe(writesBefore);
  });

  test('a rotated SMTP password plans one sensitive update, applies it, then plans clean', async () => {
    const run = freshRun('rotation');
    expect(describeRun(await run.cli('apply', '--manifest', run.manifest, '--auto-approve'))).toMatch(/^exit 0/);
    expect(describeRun(await run.cli('plan', '--manifest', run.manifest, '--detailed-exitcode'))).toMatch(/^exit 0/);

    const rotated = 'rotated-canary-9f8e7d6c5b4a';
    smtp.accounts['user.name@partnerdomain.com'] = rotated;
    try {
      run.env = { ...run.env, PARTNER_SMTP_PASSWORD: rotated };
      const planned = await run.cli('plan', '--manifest', run.manifest, '--detailed-exitcode');
      expect(describeRun(planned)).toMatch(/^exit 2/);
      expect(changeLines(planned.stdout)).toEqual(['~ user@example.com → user.name@partnerdomain.com']);
      expect(planned.stdout).toContain('~ smtp.password: (sensitive)');
      expect(planned.stdout).toContain('Plan: 0 to create, 1 to update, 0 to delete');

      const authBefore = smtp.server.authenticated;
      const applied = await run.cli('apply', '--manifest', run.manifest, '--auto-approve');
      expect(describeRun(applied)).toMatch(/^exit 0/);
      expect(smtp.server.authenticated).toBeGreaterThan(authBefore);
      const after = await run.cli('plan', '--manifest', run.manifest, '--detailed-exitcode');
      expect(describeRun(after)).toMatch(/^exit 0/);
      for (const result of [planned, applied, after]) {
        expect(result.stdout + result.stderr).not.toContain(rotated);
      }
      for (const { file, text } of filesUnder(run.cwd)) {
        if (text.includes(rotated) || text.includes(smtp.password))
          throw new Error(`a password was written to ${file}`);
      }
    } finally {
      smtp.accounts['user.name@partnerdomain.com'] = smtp.password;
    }
  });
});
