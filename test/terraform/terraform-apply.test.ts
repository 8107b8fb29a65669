/**
 * Terraform for real: the example app synthesised by `mailpolicy synth`, then `terraform init` and
 * `terraform apply` in its stack folder. The built-in `terraform_data` needs no provider, so init downloads
 * nothing; its `local-exec` runs `npx --no-install mailpolicy apply` (the package's bin in the app's
 * node_modules, nothing on PATH) against the emulator. A second apply changes nothing — in Terraform and in the
 * tenant — and a changed manifest replaces the resource, which runs apply again.
 *
 * Skipped, saying so, when no `terraform` is on PATH. Terraform runs with an empty CLI configuration, its data
 * and plugin cache in a temporary folder, no update checks, and HOME pointed at a temporary folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

import { CLI, collect, describeRun, REPO_ROOT, runCli, type CliResult } from '../cli/helpers/cli';
import { startCliTenant, startPartnerSmtp, writeCalls, type CliTenant, type PartnerSmtp } from '../cli/helpers/tenant';

/** `name` on PATH, as an executable file; undefined when there is none. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

function terraformBinary(): { path?: string; why: string } {
  const path = onPath('terraform');
  if (path === undefined) return { why: 'no terraform on PATH' };
  const version = spawnSync(path, ['version'], { encoding: 'utf8' });
  if (version.status !== 0) return { why: `${path} version exited with ${version.status ?? version.signal}` };
  return { path, why: version.stdout.split('\n')[0] };
}

const TERRAFORM = terraformBinary();
const EXAMPLE = join(REPO_ROOT, 'examples', 'partner-gateway');
const STACK = 'partner-gateway';
const DISPLAY_NAME = 'User Name (Partner Domain)';

if (TERRAFORM.path === undefined) {
  process.stderr.write(`test/terraform: skipped, ${TERRAFORM.why}\n`);
}

const describeWithTerraform = TERRAFORM.path === undefined ? describe.skip : describe;

describeWithTerraform(`terraform init && terraform apply of the synthesised example (${TERRAFORM.why})`, () => {
  let tenant: CliTenant;
  let smtp: PartnerSmtp;
  let appDir: string;
  let stackDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    tenant = await startCliTenant();
    smtp = await startPartnerSmtp(tenant.emulator);

    // The example as a user's app: its main.ts and cdktf.json, the package and cdktf in node_modules as npm
    // installs them (node_modules/.bin/mailpolicy included), so `npx --no-install mailpolicy` finds the bin.
    appDir = tenant.freshDir('app');
    copyFileSync(join(EXAMPLE, 'main.ts'), join(appDir, 'main.ts'));
    const cdktfJson = JSON.parse(readFileSync(join(EXAMPLE, 'cdktf.json'), 'utf8')) as Record<string, unknown>;
    // tsx from the app's node_modules without npx's lookup (the example's `npx tsx` would need node_modules/.bin).
    writeFileSync(join(appDir, 'cdktf.json'), JSON.stringify({ ...cdktfJson, app: 'node --import tsx main.ts' }));
    writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    const modules = join(appDir, 'node_modules');
    mkdirSync(join(modules, '.bin'), { recursive: true });
    symlinkSync(REPO_ROOT, join(modules, 'workspace-mail-policy'), 'dir');
    for (const name of ['cdktf', 'constructs', 'tsx'])
      symlinkSync(join(REPO_ROOT, 'node_modules', name), join(modules, name), 'dir');
    symlinkSync(CLI, join(modules, '.bin', 'mailpolicy'));
    stackDir = join(appDir, 'cdktf.out', 'stacks', STACK);

    const home = tenant.freshDir('home');
    const cliConfig = join(tenant.freshDir('terraform-cli'), 'terraformrc');
    writeFileSync(cliConfig, '');
    env = {
      ...tenant.env,
      ...smtp.env,
      // Node for npx and the bin, terraform itself, and the system's sh; not node_modules/.bin.
      PATH: [dirname(process.execPath), dirname(TERRAFORM.path as string), '/usr/bin', '/bin'].join(':'),
      HOME: home,
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      TF_CLI_CONFIG_FILE: cliConfig,
      TF_DATA_DIR: tenant.freshDir('terraform-data'),
      TF_PLUGIN_CACHE_DIR: tenant.freshDir('terraform-plugins'),
      CHECKPOINT_DISABLE: '1',
      NPM_CONFIG_UPDATE_NOTIFIER: 'false',
      NPM_CONFIG_CACHE: join(home, '.npm'),
    };
  });

  afterAll(async () => {
    await smtp?.server.close();
    await tenant?.close();
  });

  /** Runs terraform with `args` in the stack folder; never through a shell. */
  async function terraform(...args: string[]): Promise<CliResult> {
    const child = spawn(TERRAFORM.path as string, [...args, '-no-color'], {
      cwd: stackDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result = await collect(child);
    expect(result.stdout + result.stderr).not.toContain(smtp.password);
    return result;
  }

  async function synth(): Promise<void> {
    const result = await runCli(['synth'], { cwd: appDir, env });
    expect(describeRun(result)).toMatch(/^exit 0/);
  }

  async function initAndApply(): Promise<CliResult> {
    const init = await terraform('init', '-input=false');
    expect(describeRun(init)).toMatch(/^exit 0/);
    // terraform_data is built in: no provider to find or download.
    expect(init.stdout).not.toMatch(/Finding|Installing/);
    const apply = await terraform('apply', '-auto-approve', '-input=false');
    expect(describeRun(apply)).toMatch(/^exit 0/);
    return apply;
  }

  async function planExitCode(): Promise<string> {
    const plan = await runCli(['plan', '--manifest', join(stackDir, 'mail-policy.json'), '--detailed-exitcode'], {
      cwd: stackDir,
      env,
    });
    return describeRun(plan);
  }

  function sendAsDisplayNames(): string[] {
    return (tenant.emulator.control.snapshot().sendAs ?? []).map((s) => `${s.sendAsEmail} ${s.displayName}`);
  }

  test('the first apply runs mailpolicy apply and converges the tenant', async () => {
    await synth();
    expect(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')).toContain('"terraform_data"');

    const apply = await initAndApply();
    expect(apply.stdout).toContain("Provisioning with 'local-exec'...");
    expect(apply.stdout).toMatch(/Apply complete! Resources: 1 added, 0 changed, 0 destroyed\./);

    const snapshot = tenant.emulator.control.snapshot();
    expect(snapshot.orgUnits?.map((ou) => ou.path).sort()).toEqual(['/Sales', '/Sales/Partners']);
    expect(snapshot.policies).toEqual([
      expect.objectContaining({ orgUnitPath: '/Sales/Partners', allowUsersToUseExternalSmtpServers: true }),
    ]);
    expect(snapshot.users).toContainEqual(
      expect.objectContaining({ primaryEmail: 'user@example.com', orgUnitPath: '/Sales/Partners' }),
    );
    expect(sendAsDisplayNames()).toEqual([`user.name@partnerdomain.com ${DISPLAY_NAME}`]);
    expect(await planExitCode()).toMatch(/^exit 0/);
  });

  test('a second apply changes nothing, in Terraform and in the tenant', async () => {
    const writesBefore = writeCalls(tenant.emulator);
    const apply = await initAndApply();
    expect(apply.stdout).toContain('No changes.');
    expect(apply.stdout).toMatch(/Apply complete! Resources: 0 added, 0 changed, 0 destroyed\./);
    expect(apply.stdout).not.toContain('local-exec');
    expect(writeCalls(tenant.emulator)).toBe(writesBefore);
  });

  test('a changed manifest replaces the resource, which runs apply again, and the change lands', async () => {
    const renamed = 'User Name (Partner Domain, renamed)';
    const main = readFileSync(join(appDir, 'main.ts'), 'utf8');
    expect(main).toContain(`displayName: '${DISPLAY_NAME}'`);
    writeFileSync(join(appDir, 'main.ts'), main.replace(`displayName: '${DISPLAY_NAME}'`, `displayName: '${renamed}'`));
    await synth();

    const writesBefore = writeCalls(tenant.emulator);
    const apply = await initAndApply();
    expect(apply.stdout).toContain('must be replaced');
    expect(apply.stdout).toContain("Provisioning with 'local-exec'...");
    expect(apply.stdout).toMatch(/Apply complete! Resources: 1 added, 0 changed, 1 destroyed\./);
    expect(writeCalls(tenant.emulator)).toBeGreaterThan(writesBefore);
    expect(sendAsDisplayNames()).toEqual([`user.name@partnerdomain.com ${renamed}`]);
    expect(await planExitCode()).toMatch(/^exit 0/);
  });
});
