import { createInterface } from 'node:readline';
import { resolve } from 'node:path';

import { applyExitCode, applyPlan, createProgressReporter, formatApplySummary } from '../../engine/apply';
import { declaredObjectIds, objectIdOf } from '../../engine/change-ids';
import type { Change, Plan } from '../../engine/plan';
import { renderText } from '../../engine/render';
import { readSavedPlan } from '../../engine/saved-plan';
import { ErrorCodes, MailPolicyError } from '../../model/errors';
import {
  flagOption,
  helpText,
  parseCommandArgs,
  parseDuration,
  stringOption,
  type OptionTable,
  type ParsedArgs,
} from '../args';
import { loadStacks } from '../app-runner';
import { STACK_OPTIONS, TARGET_OPTIONS, gatewayWritesOption, stackSelection, targetOptions } from '../common-options';
import { info, type CommandIo } from '../io';
import { blockReasons, hasChanges, isBlocked, planStack, type StackPlan } from '../planning';
import { connect, type Connection } from '../target';
import { workspaceDir, type WorkspaceDir } from '../workspace-dir';

const OPTIONS: OptionTable = {
  ...STACK_OPTIONS,
  ...TARGET_OPTIONS,
  'auto-approve': { type: 'boolean', help: 'apply without asking for confirmation' },
  'propagation-timeout': {
    type: 'string',
    value: 'DURATION',
    help: 'how long to retry identities waiting for the gateway setting (default 15m)',
  },
  'wait-for-manual': {
    type: 'string',
    value: 'DURATION',
    help: 'wait this long for manual Admin-console steps (default: skip their dependants)',
  },
  concurrency: { type: 'string', value: 'N', help: 'changes and API calls in flight at once (default 50)' },
  'gateway-writes': {
    type: 'string',
    value: 'api|manual',
    help: 'whether the gateway setting is written by API or by a person',
  },
};

export const APPLY_HELP = helpText(
  'mailpolicy apply [PLAN_FILE | --manifest FILE | --app DIR] [--stack NAME | --all] [--auto-approve]',
  [
    'Applies a reviewed plan (saved with `plan --out`), or plans and applies in one go.',
    'A saved plan is refused when the live tenant changed since it was made.',
    'Exit codes: 0 done; 1 error or some changes failed; 3 identities still waiting for the gateway setting',
    'to propagate (rerun apply later to finish them); 4 dependants of manual steps skipped.',
  ].join('\n'),
  OPTIONS,
);

async function confirm(io: CommandIo): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    const answer = await new Promise<string>((done) =>
      rl.question("Do you want to apply these changes? Only 'yes' will be accepted: ", done),
    );
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}

function positiveInt(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new MailPolicyError(ErrorCodes.USAGE, `--${option}: '${text}' (allowed: an integer ≥ 1)`);
  }
  return value;
}

/**
 * Records which declared objects are in place now (every declared object but those of changes that did not
 * finish), so a later drift report can tell an object removed outside the code from one never applied.
 */
async function recordInPlace(planned: StackPlan, notDone: readonly Change[]): Promise<void> {
  const missing = new Set(notDone.map((change) => objectIdOf(change.id)));
  const ids = declaredObjectIds(planned.manifest).filter((id) => !missing.has(id));
  await planned.ledgerStore.recordInPlace(planned.manifest.stack, ids);
}

/** Applies `plan` (the reviewed one, or the one just computed) with the ledger and key of `planned`. */
async function execute(
  plan: Plan,
  planned: StackPlan,
  connection: Connection,
  workspace: WorkspaceDir,
  io: CommandIo,
  options: RunOptions,
): Promise<number> {
  const reporter = createProgressReporter(io.stderr, plan);
  const result = await applyPlan(plan, {
    admin: connection.client('write'),
    ledger: planned.ledgerStore,
    fingerprintKey: planned.fingerprintKey,
    env: io.env,
    cwd: workspace.appDir,
    concurrency: options.concurrency,
    propagationTimeoutMs: options.propagationTimeoutMs,
    waitForManualMs: options.waitForManualMs,
    onEvent: reporter.onEvent,
  });
  reporter.stop();
  io.stderr.write(formatApplySummary(result));
  const notDone = [
    ...result.failed.map((f) => f.change),
    ...result.pending,
    ...result.skipped.map((s) => s.change),
    ...result.manual,
  ];
  await recordInPlace(planned, notDone);
  return applyExitCode(result);
}

/** What every apply run takes from the command line. */
interface RunOptions {
  readonly propagationTimeoutMs?: number;
  readonly waitForManualMs?: number;
  readonly concurrency?: number;
  readonly gatewayWrites?: 'api' | 'manual';
  readonly autoApprove: boolean;
}

function runOptionsOf(args: ParsedArgs, env: NodeJS.ProcessEnv): RunOptions {
  const timeout = stringOption(args, 'propagation-timeout');
  const wait = stringOption(args, 'wait-for-manual');
  return {
    propagationTimeoutMs: timeout === undefined ? undefined : parseDuration('propagation-timeout', timeout),
    waitForManualMs: wait === undefined ? undefined : parseDuration('wait-for-manual', wait),
    concurrency: positiveInt('concurrency', stringOption(args, 'concurrency')),
    gatewayWrites: gatewayWritesOption(args, env),
    autoApprove: flagOption(args, 'auto-approve'),
  };
}

/**
 * `apply PLAN_FILE`: re-observes, refuses when the tenant changed since the plan was saved (MP3000), else
 * executes exactly the reviewed plan.
 */
async function applySavedPlan(planFile: string, args: ParsedArgs, options: RunOptions, io: CommandIo): Promise<number> {
  const saved = readSavedPlan(resolve(io.cwd, planFile));
  const workspace = workspaceDir(io.cwd, io.env);
  const target = { ...targetOptions(args), concurrency: options.concurrency };
  const connection = await connect(target, workspace, io.env, `admin@${saved.manifest.domains[0]}`);
  info(io, `Target: ${connection.target.description}`);
  try {
    const now = await planStack(saved.manifest, connection.client('write'), connection.target, workspace, io.env, {
      gatewayWrites: options.gatewayWrites,
    });
    if (now.observedDigest !== saved.observedDigest) {
      throw new MailPolicyError(
        ErrorCodes.PLAN_STALE,
        `the live tenant changed since ${planFile} was made (observed-state digest ${saved.observedDigest.slice(0, 12)}… is now ${now.observedDigest.slice(0, 12)}…). Nothing was changed. Run 'mailpolicy plan --out ${planFile}' again and review the new plan.`,
      );
    }
    if (isBlocked(saved.plan)) {
      throw new MailPolicyError(
        ErrorCodes.PLAN_FILE_INVALID,
        `${planFile} has unreadable objects or blocking findings and cannot be applied`,
      );
    }
    if (!hasChanges(saved.plan)) {
      info(io, 'No changes. The tenant matches the code.');
      await recordInPlace(now, []);
      return 0;
    }
    return await execute(saved.plan, now, connection, workspace, io, options);
  } finally {
    await connection.close();
  }
}

/** `apply --manifest … | --app …`: plans each stack, shows the plan, confirms (or --auto-approve), applies. */
async function applyStacks(args: ParsedArgs, options: RunOptions, io: CommandIo): Promise<number> {
  const stacks = await loadStacks(stackSelection(args), io.cwd, io.env, io);
  const workspace = workspaceDir(resolve(stacks[0].manifestFile, '..'), io.env, io.cwd);
  const target = { ...targetOptions(args), concurrency: options.concurrency };
  const connection = await connect(target, workspace, io.env, `admin@${stacks[0].manifest.domains[0]}`);
  // Each stack's plan, printed below before anything is applied, names the target in its first line.
  let exit = 0;
  try {
    for (const stack of stacks) {
      const planned = await planStack(
        stack.manifest,
        connection.client('write'),
        connection.target,
        workspace,
        io.env,
        {
          gatewayWrites: options.gatewayWrites,
        },
      );
      const color = io.stdout.isTTY === true && !io.env.NO_COLOR;
      io.stdout.write((stacks.length > 1 ? `Stack ${stack.name}\n` : '') + renderText(planned.plan, { color }));
      if (isBlocked(planned.plan)) {
        const reasons = blockReasons(planned.plan).map((line) => `  - ${line}`);
        info(io, `Apply refused, nothing was changed:\n${reasons.join('\n')}`);
        exit = 1;
        continue;
      }
      if (!hasChanges(planned.plan)) {
        await recordInPlace(planned, []);
        continue;
      }
      if (!options.autoApprove) {
        if (io.stdin.isTTY !== true) {
          throw new MailPolicyError(
            ErrorCodes.USAGE,
            'apply needs confirmation: run it on a terminal, or pass --auto-approve (for CI), or apply a reviewed plan file',
          );
        }
        if (!(await confirm(io))) {
          info(io, 'Apply cancelled. Nothing was changed.');
          return 1;
        }
      }
      const code = await execute(planned.plan, planned, connection, workspace, io, options);
      // Worst first, as applyExitCode orders them: 1 (failed), then 4 (manual), then 3 (pending).
      exit = exit === 1 || code === 1 ? 1 : Math.max(exit, code);
    }
  } finally {
    await connection.close();
  }
  return exit;
}

export async function runApply(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs('apply', argv, OPTIONS);
  if (flagOption(args, 'help')) {
    io.stdout.write(APPLY_HELP);
    return 0;
  }
  const options = runOptionsOf(args, io.env);
  if (args.positionals.length > 1) {
    throw new MailPolicyError(
      ErrorCodes.USAGE,
      `apply takes at most one plan file, got: ${args.positionals.join(' ')}`,
    );
  }
  const planFile = args.positionals[0];
  return planFile ? applySavedPlan(planFile, args, options, io) : applyStacks(args, options, io);
}
