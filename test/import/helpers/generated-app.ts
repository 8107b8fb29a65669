import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

import type { Manifest } from '../../../lib/model/manifest';

const run = promisify(execFile);

/** The repository root. */
export const REPO = resolve(__dirname, '../../..');
const GENERATED = join(REPO, 'test/import/.generated');
const BIN = join(REPO, 'node_modules/.bin');

/**
 * The package's entry point. `lib/index.ts` re-exports the constructs once the lead has added it; until then
 * the generated code is checked against `lib/constructs/index.ts`, which exports the same public names.
 */
function entryPoint(): string {
  const index = join(REPO, 'lib/index.ts');
  return existsSync(index) ? index : join(REPO, 'lib/constructs/index.ts');
}

/** Writes `source` as `main.ts` of a fresh folder under test/import/.generated, with a tsconfig for tsc and tsx. */
export function writeApp(name: string, source: string): string {
  const dir = join(GENERATED, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.ts'), source);
  const tsconfig = {
    extends: relative(dir, join(REPO, 'tsconfig.json')),
    compilerOptions: {
      // No baseUrl: with one, `cdktf` would resolve to the repository's cdktf.json.
      baseUrl: null,
      paths: { 'workspace-mail-policy': [relative(dir, entryPoint())] },
      types: ['node'],
      rootDir: relative(dir, REPO),
      noEmit: true,
    },
    include: ['main.ts'],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  return dir;
}

/**
 * A fresh app folder under test/import/.generated as `cdktf init` would leave it for `mailpolicy import --out main.ts`:
 * a `cdktf.json` whose app command runs `main.ts` with tsx (so `mailpolicy plan --app` synthesises it, and the folder
 * is the app folder whose `.mailpolicy/state` import and plan use), and the tsconfig of {@link writeApp}.
 * With `source`, `main.ts` is written too.
 */
export function writeCdktfApp(name: string, source?: string): string {
  const dir = writeApp(name, source ?? '');
  if (source === undefined) rmSync(join(dir, 'main.ts'));
  const app = `${JSON.stringify(join(BIN, 'tsx'))} --tsconfig tsconfig.json main.ts`;
  writeFileSync(join(dir, 'cdktf.json'), JSON.stringify({ language: 'typescript', app, output: 'cdktf.out' }, null, 2));
  return dir;
}

/** Runs `tsc --noEmit` over the apps in `dirs` in one compiler run; resolves with the diagnostics ('' when clean). */
export async function typecheckApps(dirs: readonly string[]): Promise<string> {
  const project = join(GENERATED, `tsconfig.check-${process.pid}.json`);
  const first = JSON.parse(readFileSync(join(dirs[0], 'tsconfig.json'), 'utf8'));
  const config = {
    ...first,
    extends: relative(GENERATED, join(REPO, 'tsconfig.json')),
    compilerOptions: {
      ...first.compilerOptions,
      paths: { 'workspace-mail-policy': [relative(GENERATED, entryPoint())] },
      rootDir: relative(GENERATED, REPO),
      // Cached between runs in the ignored folder: later runs only re-check what changed.
      incremental: true,
      tsBuildInfoFile: join(
        GENERATED,
        `check-${dirs.length}-${relative(GENERATED, dirs[0]).replace(/\W+/g, '-')}.tsbuildinfo`,
      ),
    },
    include: dirs.map((dir) => relative(GENERATED, join(dir, 'main.ts'))),
  };
  writeFileSync(project, JSON.stringify(config, null, 2));
  try {
    await run(join(BIN, 'tsc'), ['--noEmit', '-p', project], { cwd: REPO });
    return '';
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message;
  } finally {
    rmSync(project, { force: true });
  }
}

/** Runs the app with tsx (as `cdktf synth` would) and returns the synthesised manifest of `stack`. */
export async function synthApp(dir: string, stack: string, env: NodeJS.ProcessEnv = {}): Promise<Manifest> {
  const outdir = join(dir, 'cdktf.out');
  await run(join(BIN, 'tsx'), ['--tsconfig', 'tsconfig.json', 'main.ts'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CDKTF_OUTDIR: outdir,
      MAILPOLICY_FINGERPRINT_KEY: 'import-tests-fingerprint-key',
      ...env,
    },
  });
  return JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'mail-policy.json'), 'utf8')) as Manifest;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined && key !== 'constructPath' && key !== 'fingerprint') out[key] = canonical(v);
  }
  return out;
}

/**
 * A manifest without construct paths and fingerprints, keys sorted and every list sorted, so a synthesised
 * manifest compares equal to `GeneratedApp.manifest` when they declare the same things.
 */
export function comparable(manifest: Manifest): unknown {
  const c = canonical(manifest) as Record<string, unknown>;
  for (const key of ['orgUnits', 'gatewayPolicies', 'users', 'sendAs', 'ownership', 'acknowledgements']) {
    const list = c[key] as unknown[];
    c[key] = [...list].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  }
  return c;
}
