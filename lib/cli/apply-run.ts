import { createInterface } from 'node:readline';

import {
  applyExitCode,
  applyPlan,
  createProgressReporter,
  formatApplySummary,
  recordDeclaredInPlace,
} from '../engine/apply';
import type { Plan } from '../engine/plan';
import type { Manifest } from '../model/manifest';
import { ErrorCodes, MailPolicyError } from '../model/errors';
import { flagOption, parseDuration, stringOption, type OptionTable, type ParsedArgs } from './args';
import { GATEWAY_WRITES_OPTIONS, gatewayWritesOption } from './common-options';
import type { CommandIo } from './io';
import type { StackPlan } from './planning';
import type { Connection } from './target';
import type { WorkspaceDir } from './workspace-dir';

/** Options of every command that changes the tenant (`apply`, `destroy`). */
export const RUN_OPTIONS: OptionTable = {
  'auto-approve': { type: 'boolean', help: 'go ahead without asking for confirmation' },
  'lock-timeout': {
    type: 'string',
    value: 'DURATION',
    help: "how long to wait for the stack's lock held by another apply or destroy (default 0s: fail at once)",
  },
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
  ...GATEWAY_WRITES_OPTIONS,
};

/** What every run that changes the tenant takes from the command line. */
export interface RunOptions {
  readonly propagationTimeoutMs?: number;
  readonly waitForManualMs?: number;
  readonly concurrency?: number;
  readonly gatewayWrites?: 'api' | 'manual';
  readonly autoApprove: boolean;
  /** `--lock-timeout`, in milliseconds. @default 0 */
  readonly lockTimeoutMs: number;
}

function positiveInt(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new MailPolicyError(ErrorCodes.USAGE, `--${option}: '${text}' (allowed: an integer ≥ 1)`);
  }
  return value;
}

export function runOptionsOf(args: ParsedArgs, env: NodeJS.ProcessEnv): RunOptions {
  const timeout = stringOption(args, 'propagation-timeout');
  const wait = stringOption(args, 'wait-for-manual');
  const lock = stringOption(args, 'lock-timeout');
  return {
    propagationTimeoutMs: timeout === undefined ? undefined : parseDuration('propagation-timeout', timeout),
    waitForManualMs: wait === undefined ? undefined : parseDuration('wait-for-manual', wait),
    concurrency: positiveInt('concurrency', stringOption(args, 'concurrency')),
    gatewayWrites: gatewayWritesOption(args, env),
    autoApprove: flagOption(args, 'auto-approve'),
    lockTimeoutMs: lock === undefined ? 0 : parseDuration('lock-timeout', lock),
  };
}

/** Asks on the terminal; only `yes` goes ahead. Without a terminal (CI), `--auto-approve` is required. */
export async function confirmed(io: CommandIo, options: RunOptions, question: string): Promise<boolean> {
  if (options.autoApprove) return true;
  if (io.stdin.isTTY !== true) {
    throw new MailPolicyError(
      ErrorCodes.USAGE,
      'this needs confirmation: run it on a terminal, or pass --auto-approve (for CI), or apply a reviewed plan file',
    );
  }
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    const answer = await new Promise<string>((done) => rl.question(`${question} Only 'yes' will be accepted: `, done));
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}

/**
 * Applies `plan` (the reviewed one, or the one just computed) with the state and key of `planned`, then records
 * every declared object in place (`declared`: the stack's manifest; empty for a destroy). Returns the exit code.
 */
export async function executePlan(
  plan: Plan,
  planned: StackPlan,
  declared: Manifest,
  connection: Connection,
  workspace: WorkspaceDir,
  io: CommandIo,
  options: RunOptions,
): Promise<number> {
  const store = planned.state.store;
  if (!store) throw new MailPolicyError(ErrorCodes.PLAN_INVARIANT, 'apply needs the stack state it locked');
  const reporter = createProgressReporter(io.stderr, plan);
  const result = await applyPlan(plan, {
    admin: connection.client('write'),
    state: store,
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
  await recordDeclaredInPlace(store, declared, notDone);
  return applyExitCode(result);
}
