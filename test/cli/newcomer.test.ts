/**
 * What a newcomer reads and runs first: drift's help, synth's counts, commands run from a folder inside the app,
 * import against a standalone emulator without --admin, and the choice of Gmail read scope.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { scopesForAccess } from '../../lib/admin';
import { describeRun, runCli } from './helpers/cli';
import { synthPartnerGateway, type CliTenant, type PartnerSmtp, usePartnerTenant } from './helpers/tenant';

let tenant: CliTenant;
let smtp: PartnerSmtp;

usePartnerTenant((started) => ({ tenant, smtp } = started));

/** An app folder whose app command copies an already synthesised partner-gateway stack into the output. */
function appWithStack(name: string): { appDir: string; env: NodeJS.ProcessEnv } {
  const appDir = tenant.freshDir(name);
  const env = { ...tenant.env, ...smtp.env };
  const stackDir = synthPartnerGateway(join(appDir, 'prepared'), env);
  writeFileSync(
    join(appDir, 'copy-stack.js'),
    // What cdktf writes: the stack's folder and the manifest.json listing it.
    `require('node:fs').cpSync(${JSON.stringify(join(stackDir, '..', '..'))}, process.env.CDKTF_OUTDIR, { recursive: true });\n`,
  );
  writeFileSync(join(appDir, 'cdktf.json'), JSON.stringify({ language: 'typescript', app: 'node copy-stack.js' }));
  return { appDir, env };
}

test('drift --help describes drift, not plan', async () => {
  const result = await runCli(['drift', '--help'], { cwd: tenant.dir, env: tenant.env });
  expect(describeRun(result)).toMatch(/^exit 0/);
  expect(result.stdout.split('\n')[0]).toMatch(/^Usage: mailpolicy drift /);
  expect(result.stdout).not.toContain('--out');
  expect(result.stdout).not.toMatch(/^\s+--drift\b/m);
});

test('synth and plan run from a folder below the app find its cdktf.json, and synth counts in words', async () => {
  tenant.emulator.control.seed('demo');
  const { appDir, env } = appWithStack('subfolder');
  const below = join(appDir, 'policies', 'team');
  mkdirSync(below, { recursive: true });

  const synth = await runCli(['synth'], { cwd: below, env });
  expect(describeRun(synth)).toMatch(/^exit 0/);
  expect(synth.stdout).toContain('(2 org units, 1 gateway policy, 1 user, 1 send-as identity)');
  expect(existsSync(join(appDir, 'cdktf.out', 'stacks', 'partner-gateway', 'mail-policy.json'))).toBe(true);

  const plan = await runCli(['plan', '--detailed-exitcode'], { cwd: below, env });
  expect(describeRun(plan)).toMatch(/^exit 2/);
  // The target is named once: in the text plan's first line.
  expect(plan.stdout.split('\n')[0]).toContain(`Workspace emulator at ${tenant.emulator.url} (not Google)`);
  expect(plan.stderr).not.toContain('Target:');
});

test('import against a standalone emulator finds its super admin without --admin', async () => {
  tenant.emulator.control.seed('demo');
  const dir = tenant.freshDir('import');
  const { MAILPOLICY_ADMIN: _admin, ...env } = tenant.env;
  const result = await runCli(['import', '--out', 'main.ts'], { cwd: dir, env });
  expect(describeRun(result)).toMatch(/^exit 0/);
  expect(existsSync(join(dir, 'main.ts'))).toBe(true);
});

test('--gmail-read-scope readonly reads send-as with gmail.readonly; the default asks gmail.settings.basic', async () => {
  tenant.emulator.control.seed('demo');
  const { appDir, env } = appWithStack('gmail-readonly');
  const keyFile = join(appDir, 'readonly-key.json');
  tenant.emulator.writeCredentials(keyFile, { scopes: scopesForAccess('read', 'readonly') });
  const readonlyEnv = { ...env, GOOGLE_APPLICATION_CREDENTIALS: keyFile };

  const basic = await runCli(['plan', '--detailed-exitcode'], { cwd: appDir, env: readonlyEnv });
  expect(describeRun(basic)).toMatch(/^exit 1/);
  expect(basic.stdout + basic.stderr).toContain('gmail.settings.basic');

  const readonly = await runCli(['plan', '--detailed-exitcode', '--gmail-read-scope', 'readonly'], {
    cwd: appDir,
    env: readonlyEnv,
  });
  expect(describeRun(readonly)).toMatch(/^exit 2/);
  const byEnv = await runCli(['plan', '--detailed-exitcode'], {
    cwd: appDir,
    env: { ...readonlyEnv, MAILPOLICY_GMAIL_READ_SCOPE: 'readonly' },
  });
  expect(describeRun(byEnv)).toMatch(/^exit 2/);

  const wrong = await runCli(['plan', '--gmail-read-scope', 'all'], { cwd: appDir, env: readonlyEnv });
  expect(describeRun(wrong)).toMatch(/^exit 1/);
  expect(wrong.stderr).toContain("--gmail-read-scope: 'all' (allowed: basic, readonly)");
});
