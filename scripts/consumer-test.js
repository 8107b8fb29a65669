#!/usr/bin/env node
'use strict';
/*
 * The package as a user gets it: packs it, then in fresh folders outside this repository
 *
 * 1. follows README's "Install in your own repo" word for word, with the packed tarball in place of the
 *    registry name: its install commands, its main.ts, cdktf.json, tsconfig.json and .gitignore, then
 *    `npx tsc --noEmit` and its synth / plan / apply commands (run from a subfolder of the app) against the
 *    embedded emulator, with a local SMTP stand-in for the example's partner server; then checks that a second
 *    plan has nothing left to do — once with cdktf and once with CDK Terrain (cdktn), each app holding only its
 *    own framework;
 * 2. type-checks an import of every entry point under moduleResolution node10, node16 and bundler;
 * 3. checks that npm refuses the package next to cdktf 0.20 / constructs 10.3 (a peer conflict, not a nested
 *    second copy of constructs);
 * 4. installs examples/gitops as its README says (with the tarball), type-checks and synthesises it, and checks
 *    its lockfile holds no path of this machine.
 *
 * The commands and files come from README.md, from fenced blocks after `<!-- readme-test:run NAME -->` and
 * `<!-- readme-test:file NAME -->` markers, so the test fails when README's commands stop working. Dependencies
 * come from the npm registry as for any user. Exit 0 when everything passed.
 *
 * Usage: node scripts/consumer-test.js [--keep]   (--keep leaves the temporary folders for a look)
 */
const { spawn, spawnSync } = require('node:child_process');
const { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const keep = process.argv.includes('--keep');
const PACKAGE = 'workspace-mail-policy';

/**
 * The frameworks the README's app is tested with: cdktf as README writes it, and CDK Terrain (cdktn) the way
 * README's framework note says a cdktn user adapts it — the framework import in main.ts and the framework in
 * the install line; cdktf.json, cdktf.out/ and the commands stay.
 */
const FRAMEWORKS = [
  { name: 'cdktf', rewrite: (text) => text },
  {
    name: 'cdktn',
    rewrite: (text) =>
      text.replace(/from 'cdktf'/g, "from 'cdktn'").replace(/(^|\s)cdktf@0\.21(?=\s|$)/g, '$1cdktn@0.24'),
  },
];

let failures = 0;
function section(title) {
  process.stdout.write(`\n== ${title}\n`);
}
function pass(what) {
  process.stdout.write(`ok   ${what}\n`);
}
function fail(what, detail) {
  failures++;
  process.stdout.write(`FAIL ${what}\n${detail ? `${detail.trimEnd()}\n` : ''}`);
}

/** A clean environment for the user's commands: no Google target, no colour, this machine's npm settings. */
function userEnv(extra = {}) {
  const env = { ...process.env, NO_COLOR: '1', ...extra };
  for (const name of Object.keys(env)) {
    if (name === 'GOOGLE_APPLICATION_CREDENTIALS' || (name.startsWith('MAILPOLICY_') && !(name in extra))) {
      delete env[name];
    }
  }
  return env;
}

/** Runs a shell command line as README shows it; returns its exit code and output. */
function sh(line, cwd, env) {
  const result = spawnSync('/bin/sh', ['-c', line], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status ?? 1, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

function expectCommand(line, cwd, env, allowed = [0]) {
  const { code, output } = sh(line, cwd, env);
  if (allowed.includes(code)) pass(`${line}  (exit ${code})`);
  else fail(`${line}  (exit ${code}, expected ${allowed.join(' or ')})`, output.slice(-4000));
  return { code, output };
}

/** README's marked blocks: `run` blocks as lists of command lines, `file` blocks by file name. */
function readmeBlocks() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const run = {};
  const files = {};
  const marker = /<!-- readme-test:(run|file) (\S+) -->\s*\n\s*```[\w-]*\n([\s\S]*?)```/g;
  for (const match of readme.matchAll(marker)) {
    const [, kind, name, body] = match;
    if (kind === 'file') files[name] = body;
    else run[name] = body.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  }
  for (const name of ['install', 'commands'])
    if (!run[name]) throw new Error(`README.md has no readme-test:run ${name} block`);
  for (const name of ['main.ts', 'cdktf.json'])
    if (!files[name]) throw new Error(`README.md has no readme-test:file ${name} block`);
  return { run, files };
}

/** README's install line with the tarball in place of the registry name (only the bare package word). */
function withTarball(line, tarball) {
  return line.replace(new RegExp(`(^|\\s)${PACKAGE}(?=\\s|$)`), `$1${tarball}`);
}

function pack(workdir) {
  section('npm pack');
  const { code, output } = sh(`npm pack --silent --pack-destination "${workdir}"`, root, process.env);
  if (code !== 0) throw new Error(`npm pack failed:\n${output}`);
  const name = output.trim().split('\n').pop();
  const tarball = join(workdir, name);
  const listing = sh(`tar -tzf "${tarball}"`, workdir, process.env).output.split('\n');
  for (const file of ['package/LICENSE', 'package/README.md', 'package/docs/gitops.md', 'package/dist/index.d.ts']) {
    if (listing.includes(file)) pass(`the tarball holds ${file.slice('package/'.length)}`);
    else fail(`the tarball holds ${file.slice('package/'.length)}`);
  }
  return tarball;
}

/** Starts an SMTP stand-in from the installed package (as `npm start` does) in a child process. */
function startSmtp(appDir, env) {
  const script = `
    const { writeFileSync } = require('node:fs');
    const { createTestCertificate, startSmtpStandIn } = require('${PACKAGE}/emulator');
    const tls = createTestCertificate(['smtp.partnerdomain.test']);
    writeFileSync(process.argv[1], tls.cert);
    startSmtpStandIn({ mode: 'starttls', tls, accounts: { 'user.name@partnerdomain.com': process.env.PARTNER_SMTP_PASSWORD } })
      .then((smtp) => process.stdout.write(JSON.stringify({ host: smtp.host, port: smtp.port }) + '\\n'));
    process.stdin.on('end', () => process.exit(0));
    process.stdin.resume();`;
  const caFile = join(appDir, 'smtp-ca.pem');
  const child = spawn(process.execPath, ['-e', script, caFile], {
    cwd: appDir,
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolveStart, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      if (buffer.includes('\n')) resolveStart({ ...JSON.parse(buffer), caFile, stop: () => child.stdin.end() });
    });
    child.on('exit', (code) => reject(new Error(`the SMTP stand-in exited with ${code}`)));
  });
}

async function readmeApp(workdir, tarball, framework) {
  section(`README's "Install in your own repo" with ${framework.name}`);
  const { run, files } = readmeBlocks();
  const appDir = join(workdir, `app-${framework.name}`);
  mkdirSync(appDir);
  const env = userEnv();
  expectCommand('npm init -y', appDir, env);
  const install = run.install.map((line) => framework.rewrite(withTarball(line, tarball)));
  const main = framework.rewrite(files['main.ts']);
  if (install.some((line) => line.includes(`${framework.name}@`)) && main.includes(`from '${framework.name}'`))
    pass(`README's install line and main.ts, for ${framework.name}`);
  else fail(`README's install line and main.ts, for ${framework.name}`, `${install.join('\n')}\n${main}`);
  for (const line of install) expectCommand(line, appDir, env);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(appDir, name), name === 'main.ts' ? main : body);
  for (const other of FRAMEWORKS.filter((f) => f !== framework)) {
    if (existsSync(join(appDir, 'node_modules', other.name)))
      fail(`${other.name} is not installed in the ${framework.name} app`);
    else pass(`${other.name} is not installed in the ${framework.name} app`);
  }
  if (files['tsconfig.json']) expectCommand('npx --no-install tsc --noEmit', appDir, env);

  const password = `pw-${process.pid}-${Date.now()}`;
  const smtp = await startSmtp(appDir, { ...env, PARTNER_SMTP_PASSWORD: password });
  const appEnv = userEnv({
    PARTNER_SMTP_HOST: smtp.host,
    PARTNER_SMTP_PORT: String(smtp.port),
    PARTNER_SMTP_PASSWORD: password,
    MAILPOLICY_EMULATOR_SMTP_CA: smtp.caFile,
  });
  const below = join(appDir, 'policies');
  mkdirSync(below);
  try {
    for (const line of run.commands) expectCommand(line, below, appEnv);
    expectCommand('npx mailpolicy plan --detailed-exitcode', below, appEnv, [0]);
  } finally {
    smtp.stop();
  }
  const ignored = sh('git init -q && git status --porcelain --ignored', appDir, env).output;
  if (/!! \.mailpolicy\//.test(ignored) && /!! cdktf\.out\//.test(ignored))
    pass("README's .gitignore ignores .mailpolicy/ and cdktf.out/");
  else fail("README's .gitignore ignores .mailpolicy/ and cdktf.out/", ignored);
  return appDir;
}

function moduleResolutions(appDir) {
  section('every entry point under moduleResolution node10, node16 and bundler');
  const imports = [
    `import { MailPolicy } from '${PACKAGE}';`,
    `import { startEmulator } from '${PACKAGE}/emulator';`,
    `import { createWorkspaceAdmin } from '${PACKAGE}/admin';`,
    `import { diff, applyPlan } from '${PACKAGE}/engine';`,
    `import { StateStore } from '${PACKAGE}/state';`,
    'export const used = [MailPolicy, startEmulator, createWorkspaceAdmin, diff, applyPlan, StateStore];',
  ].join('\n');
  const modes = {
    node10: { module: 'commonjs', moduleResolution: 'node10' },
    node16: { module: 'node16', moduleResolution: 'node16' },
    bundler: { module: 'esnext', moduleResolution: 'bundler' },
  };
  for (const [mode, options] of Object.entries(modes)) {
    const dir = join(appDir, `resolution-${mode}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'index.ts'), `${imports}\n`);
    const compilerOptions = {
      ...options,
      target: 'ES2022',
      strict: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node'],
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['index.ts'] }, null, 2));
    const { code, output } = sh('npx --no-install tsc -p .', dir, userEnv());
    if (code === 0) pass(`moduleResolution ${mode}`);
    else fail(`moduleResolution ${mode}`, output);
  }
}

function peerConflict(workdir, tarball) {
  section('an app on cdktf 0.20 / constructs 10.3 gets a peer conflict, not a second constructs');
  const dir = join(workdir, 'old-cdktf');
  mkdirSync(dir);
  const env = userEnv();
  expectCommand('npm init -y', dir, env);
  expectCommand('npm install --no-audit --no-fund cdktf@0.20 constructs@10.3', dir, env);
  const { code, output } = sh(`npm install --no-audit --no-fund "${tarball}"`, dir, env);
  if (code !== 0 && /ERESOLVE/.test(output) && /constructs/.test(output))
    pass('npm install <tarball> fails with ERESOLVE naming constructs');
  else fail(`npm install <tarball> should fail with ERESOLVE (exit ${code})`, output.slice(-3000));
}

function gitopsTemplate(workdir, tarball) {
  section('examples/gitops as a template');
  const lock = readFileSync(join(root, 'examples', 'gitops', 'package-lock.json'), 'utf8');
  if (/"(resolved|version)": "file:/.test(lock) || lock.includes(root) || /\/(tmp|work|home|root)\//.test(lock)) {
    fail('the template lockfile names no path of this machine');
  } else pass('the template lockfile names no path of this machine');
  const dir = join(workdir, 'gitops');
  cpSync(join(root, 'examples', 'gitops'), dir, { recursive: true });
  const env = userEnv();
  // As its README says, with the tarball standing in for the release the lockfile pins.
  expectCommand(`npm install --no-audit --no-fund "${tarball}"`, dir, env);
  expectCommand('npm run typecheck', dir, env);
  expectCommand('npx mailpolicy synth', dir, env);
  if (existsSync(join(dir, 'cdktf.out', 'stacks', 'mail-policy', 'mail-policy.json')))
    pass('the template synthesised its manifest');
  else fail('the template synthesised its manifest');
}

async function main() {
  const workdir = mkdtempSync(join(tmpdir(), 'mailpolicy-consumer-'));
  process.stdout.write(`consumer test in ${workdir}\n`);
  try {
    const tarball = pack(workdir);
    let firstApp;
    for (const framework of FRAMEWORKS) {
      const app = await readmeApp(workdir, tarball, framework);
      firstApp ??= app;
    }
    moduleResolutions(firstApp);
    peerConflict(workdir, tarball);
    gitopsTemplate(workdir, tarball);
  } finally {
    if (keep) process.stdout.write(`\nkept ${workdir}\n`);
    else rmSync(workdir, { recursive: true, force: true });
  }
  process.stdout.write(`\nconsumer test: ${failures === 0 ? 'passed' : `${failures} failed`}\n`);
  process.exitCode = failures === 0 ? 0 : 1;
}

main().catch((error) => {
  process.stderr.write(`consumer test failed: ${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
