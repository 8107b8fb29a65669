import { resolve } from 'node:path';

import { renderText } from '../../engine/render';
import { readSavedPlan } from '../../engine/saved-plan';
import { ErrorCodes, MailPolicyError } from '../../model/errors';
import { confirmed, executePlan, RUN_OPTIONS, runOptionsOf, type RunOptions } from '../apply-run';
import { flagOption, helpText, parseCommandArgs, type OptionTable, type ParsedArgs } from '../args';
import { loadStacks, type LoadedStack } from '../app-runner';
import {
  STACK_OPTIONS,
  STATE_OPTIONS,
  TARGET_OPTIONS,
  stackSelection,
  stateOption,
  targetOptions,
} from '../common-options';
import { info, type CommandIo } from '../io';
import { blockReasons, hasChanges, isBlocked, planStack } from '../planning';
import { checkReplanned, checkSavedManifest } from '../reviewed-plan';
import { lockStateForApply } from '../stack-state';
import { connect, type Connection } from '../target';
import { workspaceDir, type WorkspaceDir } from '../workspace-dir';

const OPTIONS: OptionTable = { ...STACK_OPTIONS, ...STATE_OPTIONS, ...TARGET_OPTIONS, ...RUN_OPTIONS };

export const APPLY_HELP = helpText(
  'mailpolicy apply [PLAN_FILE [--manifest FILE | --app DIR] | --manifest FILE | --app DIR] [--stack NAME | --all] [--auto-approve] [--lock-timeout DURATION]',
  [
    'Applies a reviewed plan (saved with `plan --out`), or plans and applies in one go, holding the stack’s lock.',
    'A saved plan is applied only while it is exactly what its manifest produces: it is refused, changing',
    'nothing, when the live tenant changed since it was made (MP3000), when its changes were edited (MP3021),',
    'or, with --manifest/--app beside it (the merged code), when that code is not what the plan was made from.',
    'Exit codes: 0 done; 1 error, a locked stack or some changes failed; 3 identities still waiting for the',
    'gateway setting to propagate (rerun apply later to finish them); 4 dependants of manual steps skipped.',
  ].join('\n'),
  OPTIONS,
);

/** Exit code of two runs together, worst first as applyExitCode orders them: 1, then 4 (manual), then 3. */
export function worseExit(a: number, b: number): number {
  return a === 1 || b === 1 ? 1 : Math.max(a, b);
}

/** How one stack is run by apply or destroy. */
export interface StackRunOptions extends RunOptions {
  readonly operation: 'apply' | 'destroy';
  readonly state: { url?: string };
  /** The confirmation question. */
  readonly question: string;
  /** Print `Stack NAME` above the plan (several stacks). */
  readonly header: boolean;
}

/**
 * Plans one stack under its lock and applies after confirmation: the plan shown is the plan applied. `code` is the
 * manifest whose declared objects end up recorded as in place (the stack's manifest; an empty one for destroy).
 */
export async function planAndApplyStack(
  stack: LoadedStack,
  planned: { manifest: LoadedStack['manifest']; declared: LoadedStack['manifest'] },
  connection: Connection,
  workspace: WorkspaceDir,
  io: CommandIo,
  options: StackRunOptions,
): Promise<{ readonly exit: number; readonly cancelled?: boolean }> {
  const state = await lockStateForApply(planned.manifest, workspace, io.env, options.operation, {
    ...options.state,
    lockTimeoutMs: options.lockTimeoutMs,
  });
  try {
    const now = await planStack(
      planned.manifest,
      connection.client('write'),
      connection.target,
      workspace,
      io.env,
      state,
      {
        gatewayWrites: options.gatewayWrites,
      },
    );
    const color = io.stdout.isTTY === true && !io.env.NO_COLOR;
    io.stdout.write((options.header ? `Stack ${stack.name}\n` : '') + renderText(now.plan, { color }));
    if (isBlocked(now.plan)) {
      const reasons = blockReasons(now.plan).map((line) => `  - ${line}`);
      info(io, `Refused, nothing was changed:\n${reasons.join('\n')}`);
      return { exit: 1 };
    }
    if (!hasChanges(now.plan)) {
      await executePlan(now.plan, now, planned.declared, connection, workspace, io, { ...options, autoApprove: true });
      return { exit: 0 };
    }
    if (!(await confirmed(io, options, options.question))) {
      info(io, `${options.operation === 'destroy' ? 'Destroy' : 'Apply'} cancelled. Nothing was changed.`);
      return { exit: 1, cancelled: true };
    }
    return { exit: await executePlan(now.plan, now, planned.declared, connection, workspace, io, options) };
  } finally {
    await state.release();
  }
}

/** `apply PLAN_FILE`: applies the reviewed plan only while it is exactly what its code produces now. */
async function applySavedPlan(planFile: string, args: ParsedArgs, options: RunOptions, io: CommandIo): Promise<number> {
  const saved = readSavedPlan(resolve(io.cwd, planFile));
  const selection = stackSelection(args);
  const besideCode = (selection.manifests?.length ?? 0) > 0 || selection.appDir !== undefined;
  const code = besideCode
    ? (await loadStacks({ ...selection, stack: saved.manifest.stack, all: false }, io.cwd, io.env, io))[0]
    : undefined;
  checkSavedManifest(planFile, saved, code);
  const workspace = workspaceDir(code ? resolve(code.manifestFile, '..') : io.cwd, io.env, io.cwd);
  const target = { ...targetOptions(args), concurrency: options.concurrency };
  const connection = await connect(target, workspace, io.env, `admin@${saved.manifest.domains[0]}`);
  info(io, `Target: ${connection.target.description}`);
  const state = await lockStateForApply(saved.manifest, workspace, io.env, 'apply', {
    ...stateOption(args),
    lockTimeoutMs: options.lockTimeoutMs,
  });
  try {
    const now = await planStack(
      saved.manifest,
      connection.client('write'),
      connection.target,
      workspace,
      io.env,
      state,
      {
        gatewayWrites: options.gatewayWrites,
        credentials: saved.credentials,
      },
    );
    checkReplanned(planFile, saved, now);
    if (isBlocked(now.plan)) {
      throw new MailPolicyError(
        ErrorCodes.PLAN_FILE_INVALID,
        `${planFile} has unreadable objects or blocking findings and cannot be applied`,
      );
    }
    if (!hasChanges(now.plan)) info(io, 'No changes. The tenant matches the code.');
    return await executePlan(now.plan, now, saved.manifest, connection, workspace, io, options);
  } finally {
    await state.release();
    await connection.close();
  }
}

/** `apply --manifest … | --app …`: plans each stack under its lock, shows the plan, confirms, applies. */
async function applyStacks(args: ParsedArgs, options: RunOptions, io: CommandIo): Promise<number> {
  const stacks = await loadStacks(stackSelection(args), io.cwd, io.env, io);
  const workspace = workspaceDir(resolve(stacks[0].manifestFile, '..'), io.env, io.cwd);
  const target = { ...targetOptions(args), concurrency: options.concurrency };
  const connection = await connect(target, workspace, io.env, `admin@${stacks[0].manifest.domains[0]}`);
  // Each stack's plan, printed below before anything is applied, names the target in its first line.
  let exit = 0;
  try {
    for (const stack of stacks) {
      const run = await planAndApplyStack(
        stack,
        { manifest: stack.manifest, declared: stack.manifest },
        connection,
        workspace,
        io,
        {
          ...options,
          operation: 'apply',
          state: stateOption(args),
          question: 'Do you want to apply these changes?',
          header: stacks.length > 1,
        },
      );
      exit = worseExit(exit, run.exit);
      if (run.cancelled) break;
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
