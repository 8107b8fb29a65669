/**
 * Runs the real `mailpolicy` binary (bin/mailpolicy.js → dist/) as a child process. Always asynchronous: the
 * emulator and the SMTP stand-in live in the test process and must keep answering while the command runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const CLI = join(REPO_ROOT, 'bin', 'mailpolicy.js');

if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'))) {
  throw new Error('dist/ is missing: run `npm run build` (npm test does it through pretest)');
}

/** What a finished command printed and how it exited. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRunOptions {
  /** Working directory of the command. */
  readonly cwd: string;
  /** The whole environment of the command (nothing is inherited but what is passed). */
  readonly env: NodeJS.ProcessEnv;
}

/** A started command: the child, and a promise of its result. */
export interface RunningCli {
  readonly child: ChildProcess;
  readonly result: Promise<CliResult>;
}

/** Starts `mailpolicy ...args`; stdin is closed (not a TTY). */
export function spawnCli(args: readonly string[], options: CliRunOptions): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const result = collect(child);
  return { child, result };
}

/** Collects a child's output until it closes. */
export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `mailpolicy ...args` to the end. */
export function runCli(args: readonly string[], options: CliRunOptions): Promise<CliResult> {
  return spawnCli(args, options).result;
}

/** Explains a result in a failing assertion: `expect(describeRun(r)).toContain('exit 0')`. */
export function describeRun(result: CliResult): string {
  return `exit ${result.code ?? result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** The symbol lines (`+ …`, `~ …`, `- …`, `! …`) at the first indentation level of a text plan. */
export function changeLines(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => /^ {2}[+~!-] /.test(line))
    .map((line) => line.trim());
}
