/**
 * The Terraform path: run each `terraform_data` `local-exec` provisioner of the synthesised example exactly as
 * Terraform would (`/bin/sh -c <command>`, its `environment` over the process environment, in its
 * `working_dir`), with `mailpolicy` on PATH, against the emulator; the tenant converges.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { CLI, collect, describeRun, REPO_ROOT, runCli } from './helpers/cli';
import {
  startCliTenant,
  startPartnerSmtp,
  synthPartnerGateway,
  type CliTenant,
  type PartnerSmtp,
} from './helpers/tenant';

interface LocalExec {
  readonly command: string;
  readonly environment?: Record<string, string>;
  readonly working_dir?: string;
  readonly interpreter?: string[];
}

interface TerraformJson {
  readonly resource?: {
    readonly terraform_data?: Record<string, { provisioner?: Array<{ 'local-exec'?: LocalExec }> }>;
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

test('running the synthesised local-exec provisioners as Terraform does converges the tenant', async () => {
  // An app folder with the example's cdktf.json, so state lands in <app>/.mailpolicy as in a real project.
  const appDir = tenant.freshDir('terraform');
  copyFileSync(join(REPO_ROOT, 'examples', 'partner-gateway', 'cdktf.json'), join(appDir, 'cdktf.json'));
  const stackDir = synthPartnerGateway(join(appDir, 'cdktf.out'), smtp.env);

  // The package installed in the app as npm would (node_modules/.bin/mailpolicy), and nothing of it on PATH:
  // Terraform runs the provisioner with the user's PATH, which does not hold node_modules/.bin.
  writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  const binDir = join(appDir, 'node_modules', '.bin');
  mkdirSync(binDir, { recursive: true });
  symlinkSync(CLI, join(binDir, 'mailpolicy'));
  const baseEnv: NodeJS.ProcessEnv = {
    ...tenant.env,
    ...smtp.env,
    PATH: [dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
  };

  const tf = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as TerraformJson;
  const provisioners = Object.values(tf.resource?.terraform_data ?? {})
    .flatMap((resource) => resource.provisioner ?? [])
    .flatMap((p) => (p['local-exec'] ? [p['local-exec']] : []));
  expect(provisioners).toHaveLength(1);

  for (const exec of provisioners) {
    expect(exec.interpreter).toBeUndefined(); // Terraform's default on Unix: /bin/sh -c
    const cwd = resolve(stackDir, (exec.working_dir ?? '.').replace('${path.module}', stackDir));
    const child = spawn('/bin/sh', ['-c', exec.command], {
      cwd,
      env: { ...baseEnv, ...exec.environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result = await collect(child);
    expect(describeRun(result)).toMatch(/^exit 0/);
    expect(result.stdout + result.stderr).not.toContain(smtp.password);
  }

  const snapshot = tenant.emulator.control.snapshot();
  expect(snapshot.orgUnits?.map((ou) => ou.path).sort()).toEqual(['/Sales', '/Sales/Partners']);
  expect(snapshot.policies).toEqual([
    expect.objectContaining({ orgUnitPath: '/Sales/Partners', allowUsersToUseExternalSmtpServers: true }),
  ]);
  expect(snapshot.users).toContainEqual(
    expect.objectContaining({ primaryEmail: 'user@example.com', orgUnitPath: '/Sales/Partners' }),
  );
  expect(snapshot.sendAs).toEqual([
    expect.objectContaining({ userEmail: 'user@example.com', sendAsEmail: 'user.name@partnerdomain.com' }),
  ]);
  expect(readFileSync(join(appDir, '.mailpolicy', 'state', 'partner-gateway.json'), 'utf8')).toContain(
    'user.name@partnerdomain.com',
  );

  const plan = await runCli(['plan', '--manifest', join(stackDir, 'mail-policy.json'), '--detailed-exitcode'], {
    cwd: stackDir,
    env: baseEnv,
  });
  expect(describeRun(plan)).toMatch(/^exit 0/);
});
