/**
 * What a user sees when synth fails, run as users run it: a real app in a child process, through
 * `npx tsx main.ts` (tsx's own command line) and through `mailpolicy synth` (which runs the app command of
 * cdktf.json). A failed validation prints every problem with its code on stderr and no stack trace; an app
 * that forgets `app.synth()` is told so.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describeRun, REPO_ROOT, runCli, type CliResult } from '../cli/helpers/cli';

const TSX_CLI = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const LIB = join(REPO_ROOT, 'lib', 'index.ts');
const dirs: string[] = [];

/** A main.ts that creates an App and a stack named 'mail', then runs `body`. */
function mainSource(body: string): string {
  return [
    "import { App, TerraformStack } from 'cdktf';",
    `import { MailPolicy, OrgUnit, OutboundGatewayPolicy, SendAsIdentity, User } from ${JSON.stringify(LIB)};`,
    '',
    'const app = new App();',
    "const stack = new TerraformStack(app, 'mail');",
    body,
    '',
  ].join('\n');
}

/** A cdktf app folder whose main.ts holds `body` (after an App and a stack named 'mail' are created). */
function appDir(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailpolicy-synth-errors-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(REPO_ROOT, 'node_modules', 'cdktf'), join(dir, 'node_modules', 'cdktf'), 'dir');
  symlinkSync(join(REPO_ROOT, 'node_modules', 'tsx'), join(dir, 'node_modules', 'tsx'), 'dir');
  writeFileSync(join(dir, 'main.ts'), mainSource(body));
  writeFileSync(join(dir, 'cdktf.json'), JSON.stringify({ language: 'typescript', app: 'node --import tsx main.ts' }));
  return dir;
}

/** `npx tsx main.ts` in the app folder (tsx's command line, as npx runs it). */
function runTsx(dir: string): Promise<CliResult> {
  const child = spawn(process.execPath, [TSX_CLI, 'main.ts'], {
    cwd: dir,
    env: { PATH: process.env.PATH, MAILPOLICY_FINGERPRINT_KEY: 'test-fingerprint-key-0123456789' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function mailpolicySynth(dir: string): Promise<CliResult> {
  return runCli(['synth'], {
    cwd: dir,
    env: { PATH: process.env.PATH, MAILPOLICY_FINGERPRINT_KEY: 'test-fingerprint-key-0123456789' },
  });
}

/** A stack-trace line as Node prints them. */
const TRACE_LINE = /^ {4}at /m;

const BROKEN = [
  "const policy = new MailPolicy(stack, 'MailPolicy', { domains: ['example.com'] });",
  "const ou = new OrgUnit(policy, 'Slashed', { name: 'a/b' });",
  "new OutboundGatewayPolicy(policy, 'Gateway', { orgUnit: ou, allowPerUserOutboundGateways: true });",
  "const user = User.fromEmail(policy, 'Broken', 'user@@example.com');",
  "new SendAsIdentity(policy, 'Port', { user, sendAsEmail: 'p@partner.example', smtp: { host: 'smtp.partner.example', port: 70000, securityMode: 'starttls' as never, username: 'u', password: 'plain' as never } });",
  "const other = new TerraformStack(app, 'lonely');",
  "new OrgUnit(other, 'Orphan', { name: 'Orphan' });",
  'app.synth();',
].join('\n');

function expectCleanValidationErrors(result: CliResult): void {
  expect(describeRun(result)).toMatch(/^exit 1/);
  // Both stacks' problems, although cdktf would stop at the first stack.
  expect(result.stderr).toContain("Error: [MP1000] synth of stacks 'mail', 'lonely' failed validation");
  expect(result.stderr).toContain("OrgUnit lonely/Orphan needs exactly one MailPolicy in its stack 'lonely'");
  for (const code of ['MPV-OU-NAME', 'MPV-EMAIL', 'MPV-SMTP-PORT', 'MPV-SECRET-REF']) {
    expect(result.stderr).toContain(`[${code}]`);
  }
  expect(result.stderr).toContain('mail/MailPolicy/Slashed: name: ');
  expect(result.stderr).toContain('(received 70000; allowed: ');
  expect(result.stderr).not.toMatch(TRACE_LINE);
  expect(result.stderr).not.toContain('Node.js v');
  expect(result.stderr).not.toContain('plain');
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('synth errors reach stderr as our error list, without a stack trace', () => {
  test('npx tsx main.ts', async () => {
    expectCleanValidationErrors(await runTsx(appDir(BROKEN)));
  });

  test('mailpolicy synth', async () => {
    const result = await mailpolicySynth(appDir(BROKEN));
    expectCleanValidationErrors(result);
    expect(result.stderr).toMatch(/Error: \[MP4001\] the app command 'node --import tsx main.ts' .* exited with 1/);
  });

  test('a stack with mail constructs and no MailPolicy fails the same way', async () => {
    const dir = appDir(["new OrgUnit(stack, 'Orphan', { name: 'Orphan' });", 'app.synth();'].join('\n'));
    const result = await runTsx(dir);
    expect(describeRun(result)).toMatch(/^exit 1/);
    expect(result.stderr).toContain(
      "[MP1000] OrgUnit mail/Orphan needs exactly one MailPolicy in its stack 'mail' (found none)",
    );
    expect(result.stderr).not.toMatch(TRACE_LINE);
  });

  test('an error of the app itself keeps its stack trace (only our validation failures are shortened)', async () => {
    const dir = appDir(
      ["new MailPolicy(stack, 'MailPolicy', { domains: ['example.com'] });", "throw new Error('boom');"].join('\n'),
    );
    const result = await runTsx(dir);
    expect(describeRun(result)).toMatch(/^exit 1/);
    expect(result.stderr).toContain('boom');
    expect(result.stderr).toMatch(TRACE_LINE);
  });
});

describe('an app that never calls app.synth()', () => {
  const FORGETFUL = [
    "const policy = new MailPolicy(stack, 'MailPolicy', { domains: ['example.com'] });",
    "User.fromEmail(policy, 'User', 'user@example.com');",
  ].join('\n');

  test('npx tsx main.ts prints a one-line hint at exit', async () => {
    const result = await runTsx(appDir(FORGETFUL));
    expect(describeRun(result)).toMatch(/^exit 0/);
    expect(result.stderr).toBe(
      "mailpolicy: stack 'mail' was never synthesised, so no mail-policy.json was written: did main.ts call app.synth()?\n",
    );
  });

  test('mailpolicy synth says so instead of reading an older output', async () => {
    const dir = appDir(`${FORGETFUL}\napp.synth();`);
    const first = await mailpolicySynth(dir);
    expect(describeRun(first)).toMatch(/^exit 0/);
    expect(first.stdout).toContain('Stack mail:');

    writeFileSync(join(dir, 'main.ts'), mainSource(FORGETFUL));
    const second = await mailpolicySynth(dir);
    expect(describeRun(second)).toMatch(/^exit 1/);
    expect(second.stderr).toContain('[MP4001]');
    expect(second.stderr).toContain('did main.ts call app.synth()?');
    expect(second.stdout).not.toContain('Stack mail:');
  });
});
