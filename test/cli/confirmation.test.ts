/**
 * `mailpolicy apply` on a terminal asks before it changes anything. The command runs in a real pseudo-terminal
 * (util-linux `script`), so stdin is a TTY as for a person at a shell; values reach it through the environment.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { CLI, collect, describeRun, type CliResult } from './helpers/cli';
import { synthPartnerGateway, writeCalls, type CliTenant, type PartnerSmtp, usePartnerTenant } from './helpers/tenant';

const PROMPT = "Only 'yes' will be accepted";

let tenant: CliTenant;
let smtp: PartnerSmtp;

usePartnerTenant((started) => ({ tenant, smtp } = started));

/** Runs `mailpolicy apply --manifest FILE` on a pseudo-terminal and types `answer` at the prompt. */
async function applyOnTerminal(answer: string): Promise<CliResult> {
  tenant.emulator.control.seed('demo');
  const cwd = tenant.freshDir('confirm');
  const env = { ...tenant.env, ...smtp.env };
  const manifest = join(synthPartnerGateway(join(cwd, 'cdktf.out'), env), 'mail-policy.json');
  const child = spawn(
    'script',
    ['-qec', 'exec "$NODE" "$MAILPOLICY_CLI" apply --manifest "$MAILPOLICY_TEST_MANIFEST"', '/dev/null'],
    {
      cwd,
      env: { ...env, NODE: process.execPath, MAILPOLICY_CLI: CLI, MAILPOLICY_TEST_MANIFEST: manifest },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let typed = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    if (!typed && chunk.toString('utf8').includes(PROMPT)) {
      typed = true;
      child.stdin?.write(`${answer}\r`);
    }
  });
  const result = await collect(child);
  child.stdin?.destroy();
  return result;
}

test('answering anything but yes changes nothing (exit 1)', async () => {
  const before = writeCalls(tenant.emulator);
  const result = await applyOnTerminal('no');
  expect(describeRun(result)).toMatch(/^exit 1/);
  expect(result.stdout).toContain(PROMPT);
  expect(result.stdout).toContain('Apply cancelled. Nothing was changed.');
  expect(writeCalls(tenant.emulator)).toBe(before);
});

test('answering yes applies the plan it showed (exit 0)', async () => {
  const result = await applyOnTerminal('yes');
  expect(describeRun(result)).toMatch(/^exit 0/);
  expect(result.stdout).toContain('Plan: 3 to create, 1 to update');
  expect(result.stdout).toContain('Apply complete: 4 done');
  expect(tenant.emulator.control.snapshot().sendAs).toEqual(
    expect.arrayContaining([expect.objectContaining({ sendAsEmail: 'user.name@partnerdomain.com' })]),
  );
  expect(result.stdout).not.toContain(smtp.password);
});
