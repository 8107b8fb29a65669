#!/usr/bin/env node
'use strict';
/*
 * The quick start: the partner-gateway example end to end against the embedded emulator.
 *
 * 1. starts a local SMTP server on 127.0.0.1 with a fresh self-signed certificate, standing in for
 *    partnerdomain.com's outbound gateway (STARTTLS, user name user.name@partnerdomain.com);
 * 2. runs `mailpolicy synth`, `plan`, `apply --auto-approve` and `plan` again on examples/partner-gateway,
 *    each against the embedded emulator (its data in examples/partner-gateway/.mailpolicy/), which checks the
 *    SMTP endpoint for real before it accepts the send-as identity;
 * 3. stops the SMTP server.
 *
 * The demo starts from a fresh emulator tenant every time, so it can be run again. Values reach the commands
 * through the environment, never through a shell command line.
 */
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { mkdirSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const appDir = join(root, 'examples', 'partner-gateway');
const stateDir = join(appDir, '.mailpolicy');
const cli = join(root, 'bin', 'mailpolicy.js');

// Bold headings only on a terminal, and never with NO_COLOR set (https://no-color.org).
const bold = process.stdout.isTTY === true && !process.env.NO_COLOR;

function step(title) {
  process.stdout.write(bold ? `\n\x1b[1m━━ ${title}\x1b[0m\n` : `\n━━ ${title}\n`);
}

// Asynchronous on purpose: the SMTP stand-in runs in this process and must keep answering while the
// command runs.
async function run(args, env, expected) {
  process.stdout.write(`$ mailpolicy ${args.join(' ')}\n`);
  const status = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: appDir, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (!expected.includes(status)) {
    throw new Error(`mailpolicy ${args[0]} exited with ${status} (expected ${expected.join(' or ')})`);
  }
  return status;
}

async function main() {
  const { createTestCertificate, startSmtpStandIn } = require(join(root, 'dist', 'emulator'));

  step('Resetting the demo tenant (examples/partner-gateway/.mailpolicy)');
  rmSync(join(stateDir, 'emulator.sqlite'), { force: true });
  rmSync(join(stateDir, 'ledger.json'), { force: true });
  mkdirSync(stateDir, { recursive: true });

  step('Starting a stand-in for smtp.partnerdomain.com on 127.0.0.1 (STARTTLS, self-signed certificate)');
  const tls = createTestCertificate(['smtp.partnerdomain.test']);
  const caFile = join(stateDir, 'demo-smtp-ca.pem');
  writeFileSync(caFile, tls.cert);
  const password = randomBytes(18).toString('base64url');
  const smtp = await startSmtpStandIn({
    mode: 'starttls',
    tls,
    accounts: { 'user.name@partnerdomain.com': password },
  });
  process.stdout.write(`SMTP stand-in listening on ${smtp.host}:${smtp.port}\n`);

  const env = {
    ...process.env,
    PARTNER_SMTP_HOST: smtp.host,
    PARTNER_SMTP_PORT: String(smtp.port),
    PARTNER_SMTP_PASSWORD: password,
    MAILPOLICY_EMULATOR_SMTP_CA: caFile,
    MAILPOLICY_TARGET: 'emulator',
  };
  delete env.GOOGLE_APPLICATION_CREDENTIALS;
  delete env.MAILPOLICY_EMULATOR_URL;
  try {
    step('1/4 synth: constructs → cdktf.out/stacks/partner-gateway/{mail-policy.json,cdk.tf.json}');
    await run(['synth'], env, [0]);
    step('2/4 plan: what apply will change in the emulator tenant');
    await run(['plan', '--detailed-exitcode'], env, [2]);
    step('3/4 apply');
    await run(['apply', '--auto-approve'], env, [0]);
    step('4/4 plan again: nothing left to do');
    await run(['plan', '--detailed-exitcode'], env, [0]);
    process.stdout.write('\nDone. The second command is the test suite: npm test\n');
  } finally {
    await smtp.close();
  }
}

main().catch((error) => {
  process.stderr.write(`quick start failed: ${error.message}\n`);
  process.exitCode = 1;
});
