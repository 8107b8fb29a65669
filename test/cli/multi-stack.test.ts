/**
 * Multi-stack apps through the `mailpolicy` binary: `--all` covers every stack, `--stack NAME` one, neither is a
 * usage error naming the stacks; `apply --all` converges both.
 */
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

import { describeRun, REPO_ROOT, runCli, type CliResult } from './helpers/cli';
import { startCliTenant, type CliTenant } from './helpers/tenant';

let tenant: CliTenant;
let cli: (...args: string[]) => Promise<CliResult>;

const TENANT = {
  customerId: 'C0twostacks',
  domains: ['example.com'],
  users: [
    { primaryEmail: 'admin@example.com', isAdmin: true },
    // Gmail accepts an in-domain send-as only when it is a Directory alias of the user (GAM #681).
    { primaryEmail: 'ann@example.com', aliases: ['alpha@example.com'] },
    { primaryEmail: 'bob@example.com', aliases: ['beta@example.com'] },
  ],
};

beforeAll(async () => {
  tenant = await startCliTenant({ seed: TENANT });
  // The fixture app runs from a copy, with the package and cdktf linked in, so synth writes nothing in the repo.
  const appDir = join(tenant.freshDir('two-stacks'), 'app');
  cpSync(join(__dirname, 'fixtures', 'two-stacks'), appDir, { recursive: true });
  mkdirSync(join(appDir, 'node_modules'));
  symlinkSync(REPO_ROOT, join(appDir, 'node_modules', 'workspace-mail-policy'), 'dir');
  symlinkSync(join(REPO_ROOT, 'node_modules', 'cdktf'), join(appDir, 'node_modules', 'cdktf'), 'dir');
  cli = (...args) => runCli(args, { cwd: appDir, env: tenant.env });
});

afterAll(async () => {
  await tenant.close();
});

test('fails with a usage error naming the stacks when neither --stack nor --all is given', async () => {
  const result = await cli('plan');
  expect(describeRun(result)).toMatch(/^exit 1/);
  expect(result.stderr).toContain('[MP');
  expect(result.stderr).toContain('2 stacks (alpha, beta)');
  expect(result.stderr).toContain('--stack NAME');
  expect(result.stderr).toContain('--all');
});

test('plan --all covers both stacks; --stack picks one; apply --all converges both', async () => {
  const all = await cli('plan', '--all', '--detailed-exitcode');
  expect(describeRun(all)).toMatch(/^exit 2/);
  expect(all.stdout).toContain('Stack alpha');
  expect(all.stdout).toContain('Stack beta');
  expect(all.stdout).toContain('+ ann@example.com → alpha@example.com');
  expect(all.stdout).toContain('+ bob@example.com → beta@example.com');

  const beta = await cli('plan', '--stack', 'beta', '--detailed-exitcode');
  expect(describeRun(beta)).toMatch(/^exit 2/);
  expect(beta.stdout).toContain('beta@example.com');
  expect(beta.stdout).not.toContain('alpha@example.com');
  expect(beta.stdout).not.toContain('/Alpha');

  const applied = await cli('apply', '--all', '--auto-approve');
  expect(describeRun(applied)).toMatch(/^exit 0/);
  const snapshot = tenant.emulator.control.snapshot();
  expect(snapshot.orgUnits?.map((ou) => ou.path).sort()).toEqual(['/Alpha', '/Beta']);
  expect(snapshot.users).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ primaryEmail: 'ann@example.com', orgUnitPath: '/Alpha' }),
      expect.objectContaining({ primaryEmail: 'bob@example.com', orgUnitPath: '/Beta' }),
    ]),
  );
  expect(snapshot.sendAs?.map((s) => `${s.userEmail} ${s.sendAsEmail} ${s.displayName}`).sort()).toEqual([
    'ann@example.com alpha@example.com Alpha team',
    'bob@example.com beta@example.com Beta team',
  ]);

  const again = await cli('plan', '--all', '--detailed-exitcode');
  expect(describeRun(again)).toMatch(/^exit 0/);
});
