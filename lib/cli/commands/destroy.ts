import { resolve } from 'node:path';

import type { Manifest } from '../../model/manifest';
import { RUN_OPTIONS, runOptionsOf } from '../apply-run';
import { flagOption, helpText, parseCommandArgs, type OptionTable } from '../args';
import { loadStacks } from '../app-runner';
import {
  STACK_OPTIONS,
  STATE_OPTIONS,
  TARGET_OPTIONS,
  stackSelection,
  stateOption,
  targetOptions,
} from '../common-options';
import { info, type CommandIo } from '../io';
import { connect } from '../target';
import { workspaceDir } from '../workspace-dir';
import { planAndApplyStack, worseExit } from './apply';

const OPTIONS: OptionTable = { ...STACK_OPTIONS, ...STATE_OPTIONS, ...TARGET_OPTIONS, ...RUN_OPTIONS };

export const DESTROY_HELP = helpText(
  'mailpolicy destroy [--manifest FILE | --app DIR] [--stack NAME | --all] [--auto-approve] [--lock-timeout DURATION]',
  [
    'Removes every object the stack manages (its state lists them), as if its code declared nothing: objects',
    'under RemovalPolicy.DESTROY are deleted, in an order Google accepts (identities, then gateway policies, then',
    'OUs leaves first); objects under RETAIN are forgotten and stay in the tenant. Objects the stack does not',
    'manage are never touched. The same plan, confirmation, lock and exit codes as apply.',
  ].join('\n'),
  OPTIONS,
);

/** The stack's manifest declaring nothing: the stack, customer, domains and acknowledgements stay. */
function declaringNothing(manifest: Manifest): Manifest {
  return { ...manifest, orgUnits: [], gatewayPolicies: [], users: [], sendAs: [], ownership: [] };
}

export async function runDestroy(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs('destroy', argv, OPTIONS);
  if (flagOption(args, 'help')) {
    io.stdout.write(DESTROY_HELP);
    return 0;
  }
  const options = runOptionsOf(args, io.env);
  const stacks = await loadStacks(stackSelection(args), io.cwd, io.env, io);
  const workspace = workspaceDir(resolve(stacks[0].manifestFile, '..'), io.env, io.cwd);
  const target = { ...targetOptions(args), concurrency: options.concurrency };
  const connection = await connect(target, workspace, io.env, `admin@${stacks[0].manifest.domains[0]}`);
  info(io, `Target: ${connection.target.description}`);
  let exit = 0;
  try {
    for (const stack of stacks) {
      const empty = declaringNothing(stack.manifest);
      const run = await planAndApplyStack(stack, { manifest: empty, declared: empty }, connection, workspace, io, {
        ...options,
        operation: 'destroy',
        state: stateOption(args),
        question: `Do you really want to destroy every object stack ${stack.name} manages?`,
        header: stacks.length > 1,
      });
      exit = worseExit(exit, run.exit);
      if (run.cancelled) break;
    }
  } finally {
    await connection.close();
  }
  return exit;
}
