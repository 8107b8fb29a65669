/**
 * Reads GitHub Actions workflow files and runs their steps' scripts the way a runner does, with `npx` replaced
 * by a stub that records its arguments, prints what it is told and exits with the code it is given. Used to test
 * the gitops template's workflows for what they do with each exit code of mailpolicy, offline.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parse } from 'yaml';

export interface WorkflowStep {
  readonly id?: string;
  readonly name?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly with?: Readonly<Record<string, string | number | boolean>>;
}

export interface WorkflowJob {
  readonly name?: string;
  readonly if?: string;
  readonly needs?: string | readonly string[];
  readonly environment?: string | { readonly name: string };
  readonly concurrency?: string | { readonly group: string; readonly 'cancel-in-progress'?: boolean | string };
  readonly permissions?: Readonly<Record<string, string>> | string;
  readonly env?: Readonly<Record<string, string>>;
  readonly steps: readonly WorkflowStep[];
}

export interface Workflow {
  readonly name: string;
  readonly on: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly jobs: Readonly<Record<string, WorkflowJob>>;
}

export function readWorkflow(path: string): Workflow {
  return parse(readFileSync(path, 'utf8')) as Workflow;
}

/** The step of `job` whose id is `id` (or whose script mentions `id`). */
export function findStep(job: WorkflowJob, id: string): WorkflowStep {
  const step = job.steps.find((s) => s.id === id) ?? job.steps.find((s) => s.run?.includes(id));
  if (!step) throw new Error(`no step ${id}`);
  return step;
}

/** A scratch folder with the stub `npx` on PATH. */
export interface StepSandbox {
  readonly dir: string;
  readonly runnerTemp: string;
  /** Runs `script` as a runner runs `run:` (bash -eo pipefail), `npx` exiting `exit` after printing `stdout`. */
  run(
    script: string,
    npx: { readonly exit: number; readonly stdout?: string },
    env?: Readonly<Record<string, string>>,
  ): StepResult;
  remove(): void;
}

export interface StepResult {
  readonly status: number;
  /** stdout and stderr of the script, where workflow commands (`::warning::`) go. */
  readonly log: string;
  /** What the script wrote to `$GITHUB_OUTPUT`, as name → value. */
  readonly outputs: Readonly<Record<string, string>>;
  /** What the script wrote to `$GITHUB_STEP_SUMMARY`. */
  readonly summary: string;
  /** The arguments the stub `npx` got, or undefined when it was not called. */
  readonly npxArgs: readonly string[] | undefined;
}

const STUB = `#!/bin/sh
printf '%s\\n' "$@" > "$STUB_ARGS"
if [ -n "$STUB_STDOUT" ]; then printf '%s\\n' "$STUB_STDOUT"; fi
exit "$STUB_EXIT"
`;

export function stepSandbox(): StepSandbox {
  const dir = mkdtempSync(join(tmpdir(), 'mailpolicy-workflow-'));
  const bin = join(dir, 'bin');
  const runnerTemp = join(dir, 'runner-temp');
  const work = join(dir, 'work');
  for (const d of [bin, runnerTemp, work]) mkdirSync(d);
  writeFileSync(join(bin, 'npx'), STUB);
  chmodSync(join(bin, 'npx'), 0o755);
  let count = 0;
  return {
    dir: work,
    runnerTemp,
    run(script, npx, env = {}) {
      count++;
      const files = {
        script: join(dir, `step-${count}.sh`),
        output: join(dir, `output-${count}`),
        summary: join(dir, `summary-${count}`),
        args: join(dir, `npx-args-${count}`),
      };
      writeFileSync(files.script, script);
      writeFileSync(files.output, '');
      writeFileSync(files.summary, '');
      const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', files.script], {
        cwd: work,
        encoding: 'utf8',
        env: {
          PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
          HOME: dir,
          RUNNER_TEMP: runnerTemp,
          GITHUB_OUTPUT: files.output,
          GITHUB_STEP_SUMMARY: files.summary,
          STUB_ARGS: files.args,
          STUB_EXIT: String(npx.exit),
          STUB_STDOUT: npx.stdout ?? '',
          ...env,
        },
      });
      const outputs: Record<string, string> = {};
      for (const line of readFileSync(files.output, 'utf8').split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
      }
      return {
        status: result.status ?? -1,
        log: `${result.stdout}${result.stderr}`,
        outputs,
        summary: readFileSync(files.summary, 'utf8'),
        npxArgs: existsSync(files.args) ? readFileSync(files.args, 'utf8').trimEnd().split('\n') : undefined,
      };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The calls an `actions/github-script` script made, with the stand-ins it was given. */
export interface GithubScriptCalls {
  readonly comments: { readonly body: string; readonly updated: boolean }[];
  readonly statuses: { readonly state: string; readonly description: string; readonly context: string }[];
}

/**
 * Runs an `actions/github-script` script with stand-ins for `github` (comments and commit statuses recorded),
 * `context`, `process.env` and a `require('node:fs')` reading files of `dir`.
 */
export async function runGithubScript(
  script: string,
  env: Readonly<Record<string, string | undefined>>,
  dir: string,
): Promise<GithubScriptCalls> {
  const calls: GithubScriptCalls = { comments: [], statuses: [] };
  const fs = {
    existsSync: (path: string) => existsSync(join(dir, path)),
    readFileSync: (path: string, encoding: BufferEncoding) => readFileSync(join(dir, path), encoding),
  };
  const github = {
    paginate: async () => [],
    rest: {
      issues: {
        listComments: {},
        createComment: async (args: { body: string }) => void calls.comments.push({ body: args.body, updated: false }),
        updateComment: async (args: { body: string }) => void calls.comments.push({ body: args.body, updated: true }),
      },
      repos: {
        createCommitStatus: async (args: { state: string; description: string; context: string }) =>
          void calls.statuses.push({ state: args.state, description: args.description, context: args.context }),
      },
    },
  };
  const fakeRequire = (id: string): unknown => {
    if (id === 'node:fs' || id === 'fs') return fs;
    throw new Error(`the script requires ${id}`);
  };
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
    ...args: string[]
  ) => (...values: unknown[]) => Promise<unknown>;
  const fn = new AsyncFunction('require', 'github', 'context', 'process', script);
  await fn(fakeRequire, github, { repo: { owner: 'acme', repo: 'mail-policy' } }, { env });
  return calls;
}
