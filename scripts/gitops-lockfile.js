#!/usr/bin/env node
'use strict';
/*
 * Regenerates examples/gitops/package-lock.json: the lockfile a repository made from the template starts with.
 *
 * It resolves the template's package.json against this package packed as it would be published (`npm pack`),
 * so the lock pins the dependency tree the release brings, then records the package itself by name and version
 * only, like every other entry, fetched from the configured registry (its integrity is unknown until it is
 * published: the first `npm install` fills it in, and `npm ci` accepts the entry without). The result holds no
 * path of this machine. Run it when the dependencies or the version change:
 *
 *   node scripts/gitops-lockfile.js
 */
const { execFileSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');
const template = join(root, 'examples', 'gitops');
const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const work = mkdtempSync(join(tmpdir(), 'mailpolicy-gitops-lock-'));
try {
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' });
  const tarball = join(work, packed.trim().split('\n').pop());

  const manifest = JSON.parse(readFileSync(join(template, 'package.json'), 'utf8'));
  const range = manifest.dependencies[own.name];
  const resolving = { ...manifest, dependencies: { ...manifest.dependencies, [own.name]: `file:${tarball}` } };
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify(resolving, null, 2));
  execFileSync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: app,
    stdio: 'inherit',
  });

  const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8'));
  lock.packages[''].dependencies[own.name] = range;
  const entry = lock.packages[`node_modules/${own.name}`];
  entry.version = own.version;
  delete entry.resolved;
  delete entry.integrity;
  const text = `${JSON.stringify(lock, null, 2)}\n`;
  if (text.includes(work) || text.includes(root) || text.includes('file:')) {
    throw new Error('the generated lockfile still names a local path');
  }
  writeFileSync(join(template, 'package-lock.json'), text);
  process.stdout.write(`wrote examples/gitops/package-lock.json (${Object.keys(lock.packages).length - 1} packages)\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
