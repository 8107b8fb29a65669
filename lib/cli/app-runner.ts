import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { ErrorCodes, MailPolicyError } from '../model/errors';
import { MANIFEST_FILE_NAME, type Manifest } from '../model/manifest';
import { parseManifest } from '../model/parse-manifest';
import { findAppDir } from './workspace-dir';

/**
 * Finds the manifests a command works on: given files (`--manifest`), or the stacks of a cdktf app
 * (`--app DIR`, run with the app command of its `cdktf.json`, the way `cdktf synth` runs it, without
 * needing cdktf-cli).
 */
export interface LoadedStack {
  readonly name: string;
  readonly manifestFile: string;
  readonly manifest: Manifest;
}

export interface StackSelection {
  readonly manifests?: readonly string[];
  readonly appDir?: string;
  readonly stack?: string;
  readonly all?: boolean;
}

interface CdktfConfig {
  readonly app: string;
  readonly output: string;
}

function readCdktfConfig(appDir: string): CdktfConfig {
  const file = join(appDir, 'cdktf.json');
  if (!existsSync(file)) {
    throw new MailPolicyError(ErrorCodes.APP_FAILED, `no cdktf.json in ${appDir}: pass --app DIR or --manifest FILE`);
  }
  let parsed: { app?: unknown; output?: unknown };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new MailPolicyError(ErrorCodes.APP_FAILED, `${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed.app !== 'string' || parsed.app.trim() === '') {
    throw new MailPolicyError(ErrorCodes.APP_FAILED, `${file}: "app" must be the command that runs the app`);
  }
  return { app: parsed.app, output: typeof parsed.output === 'string' ? parsed.output : 'cdktf.out' };
}

/** cdktf's own manifest, which `app.synth()` writes last, after every stack. */
const CDKTF_MANIFEST = 'manifest.json';

/** Identifies one version of a file (absent: undefined), to tell whether a run rewrote it. */
function fileVersion(file: string): string | undefined {
  try {
    const stat = statSync(file);
    return `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
  } catch {
    return undefined;
  }
}

/**
 * Runs the app command of `appDir/cdktf.json` and returns the output folder. The command comes from the
 * user's own configuration file (as with cdktf-cli); no value is interpolated into it. The app's own output
 * goes to stderr; a run that exits 0 without writing cdktf's `manifest.json` (an app that never calls
 * `app.synth()`) is an error, so stale output of an earlier run is never read.
 */
export async function synthApp(
  appDir: string,
  env: NodeJS.ProcessEnv,
  io: { stderr: NodeJS.WritableStream },
): Promise<string> {
  const config = readCdktfConfig(appDir);
  const outdir = resolve(appDir, config.output);
  const cdktfManifest = join(outdir, CDKTF_MANIFEST);
  const before = fileVersion(cdktfManifest);
  const code = await new Promise<number>((done, fail) => {
    const child = spawn('/bin/sh', ['-c', config.app], {
      cwd: appDir,
      env: { ...env, CDKTF_OUTDIR: outdir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => io.stderr.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => io.stderr.write(chunk));
    child.on('error', fail);
    child.on('close', (status) => done(status ?? 1));
  });
  if (code !== 0) {
    throw new MailPolicyError(
      ErrorCodes.APP_FAILED,
      `the app command '${config.app}' in ${appDir} exited with ${code}; its output is above`,
    );
  }
  const after = fileVersion(cdktfManifest);
  if (after === undefined || after === before) {
    throw new MailPolicyError(
      ErrorCodes.APP_FAILED,
      `the app command '${config.app}' in ${appDir} exited with 0 but did not write ${cdktfManifest}: did main.ts call app.synth()?`,
    );
  }
  return outdir;
}

/** The stacks cdktf's `manifest.json` lists (the last synth's), with their folders; undefined when unreadable. */
function stacksOfLastSynth(outdir: string): Array<{ name: string; dir: string }> | undefined {
  let parsed: { stacks?: Record<string, { workingDirectory?: unknown }> };
  try {
    parsed = JSON.parse(readFileSync(join(outdir, CDKTF_MANIFEST), 'utf8'));
  } catch {
    return undefined;
  }
  if (parsed.stacks === null || typeof parsed.stacks !== 'object') return undefined;
  return Object.entries(parsed.stacks).map(([name, stack]) => ({
    name,
    dir: join(outdir, typeof stack?.workingDirectory === 'string' ? stack.workingDirectory : join('stacks', name)),
  }));
}

/**
 * The manifests under a synth output folder, by stack name: those of the stacks of the last synth (cdktf's
 * `manifest.json`), so a stack removed from the app is not read from an older run's leftovers.
 */
export function manifestsIn(outdir: string): Array<{ name: string; file: string }> {
  const listed = stacksOfLastSynth(outdir);
  if (listed) {
    return listed
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map(({ name, dir }) => ({ name, file: join(dir, MANIFEST_FILE_NAME) }))
      .filter((entry) => existsSync(entry.file));
  }
  const stacksDir = join(outdir, 'stacks');
  if (!existsSync(stacksDir)) return [];
  return readdirSync(stacksDir)
    .sort()
    .map((name) => ({ name, file: join(stacksDir, name, MANIFEST_FILE_NAME) }))
    .filter((entry) => existsSync(entry.file));
}

/** Reads and validates one manifest file. */
export function readManifestFile(file: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new MailPolicyError(
      ErrorCodes.MANIFEST_INVALID,
      `${file} cannot be read as JSON: ${(error as Error).message}`,
    );
  }
  return parseManifest(json);
}

function select(stacks: LoadedStack[], selection: StackSelection): LoadedStack[] {
  if (selection.stack) {
    const chosen = stacks.filter((s) => s.name === selection.stack);
    if (chosen.length === 0) {
      throw new MailPolicyError(
        ErrorCodes.USAGE,
        `--stack ${selection.stack}: no such stack (stacks: ${stacks.map((s) => s.name).join(', ') || 'none'})`,
      );
    }
    return chosen;
  }
  if (stacks.length > 1 && !selection.all) {
    throw new MailPolicyError(
      ErrorCodes.USAGE,
      `the app has ${stacks.length} stacks (${stacks.map((s) => s.name).join(', ')}): choose one with --stack NAME or use --all`,
    );
  }
  return stacks;
}

/** Loads the selected stacks: from `--manifest` files, or by synthesising the app. */
export async function loadStacks(
  selection: StackSelection,
  cwd: string,
  env: NodeJS.ProcessEnv,
  io: { stderr: NodeJS.WritableStream },
): Promise<LoadedStack[]> {
  if (selection.manifests && selection.manifests.length > 0) {
    const stacks = selection.manifests.map((file) => {
      const path = resolve(cwd, file);
      const manifest = readManifestFile(path);
      return { name: manifest.stack, manifestFile: path, manifest };
    });
    return select(stacks, selection);
  }
  const appDir = selection.appDir !== undefined ? resolve(cwd, selection.appDir) : (findAppDir(cwd) ?? resolve(cwd));
  const outdir = await synthApp(appDir, env, io);
  const found = manifestsIn(outdir);
  if (found.length === 0) {
    throw new MailPolicyError(
      ErrorCodes.APP_FAILED,
      `the app in ${appDir} wrote no ${MANIFEST_FILE_NAME}: does it create a MailPolicy?`,
    );
  }
  const stacks = found.map(({ name, file }) => ({ name, manifestFile: file, manifest: readManifestFile(file) }));
  return select(stacks, selection);
}
