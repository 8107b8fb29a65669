import { writeSavedPlan } from '../../engine/saved-plan';
import { renderJson, renderMarkdown, renderText } from '../../engine/render';
import { driftReport } from '../../engine/drift';
import { ErrorCodes, MailPolicyError } from '../../model/errors';
import { flagOption, helpText, parseCommandArgs, stringOption, type OptionTable } from '../args';
import { loadStacks } from '../app-runner';
import {
  COLOR_OPTIONS,
  GATEWAY_WRITES_OPTIONS,
  STACK_OPTIONS,
  STATE_OPTIONS,
  TARGET_OPTIONS,
  gatewayWritesOption,
  stackSelection,
  stateOption,
  targetOptions,
  useColor,
} from '../common-options';
import { info, type CommandIo } from '../io';
import { hasChanges, isBlocked, planStack } from '../planning';
import { readStateForPlan } from '../stack-state';
import { connect } from '../target';
import { workspaceDir } from '../workspace-dir';
import { resolve } from 'node:path';

const OPTIONS: OptionTable = {
  ...STACK_OPTIONS,
  ...STATE_OPTIONS,
  ...TARGET_OPTIONS,
  format: { type: 'string', value: 'text|markdown|json', help: 'output format (default: text)' },
  out: { type: 'string', value: 'FILE', help: 'save the plan with a digest of the observed state, for `apply FILE`' },
  'detailed-exitcode': { type: 'boolean', help: 'exit 0 without changes, 2 with changes, 1 on errors' },
  drift: { type: 'boolean', help: 'report only what changed outside the code (drift), not what the code adds' },
  ...GATEWAY_WRITES_OPTIONS,
  ...COLOR_OPTIONS,
};

export const PLAN_HELP = helpText(
  'mailpolicy plan [--manifest FILE | --app DIR] [--stack NAME | --all] [--format text|markdown|json] [--out FILE] [--detailed-exitcode] [--drift]',
  "Reads the live tenant in the scope of the manifest and the stack's state, and shows what apply would change. Never writes, never takes the state's lock.\nExit codes: 0 no changes; 1 error, unreadable objects or blocking findings; 2 changes (with --detailed-exitcode).",
  OPTIONS,
);

const { drift: _drift, out: _out, ...PLAN_ONLY } = OPTIONS;
const DRIFT_OPTIONS: OptionTable = {
  ...PLAN_ONLY,
  'detailed-exitcode': { type: 'boolean', help: 'always on for drift (accepted for scripts written for plan)' },
};

export const DRIFT_HELP = helpText(
  'mailpolicy drift [--manifest FILE | --app DIR] [--stack NAME | --all] [--format text|markdown|json]',
  'Reads the live tenant in the scope of the manifest and reports what changed outside the code (the same as\n`mailpolicy plan --drift --detailed-exitcode`). Never writes.\nExit codes: 0 no drift; 1 error or unreadable objects (never reported as drift); 2 drift.',
  DRIFT_OPTIONS,
);

type Format = 'text' | 'markdown' | 'json';

function formatOf(value: string | undefined): Format {
  if (value === undefined) return 'text';
  if (value === 'text' || value === 'markdown' || value === 'json') return value;
  throw new MailPolicyError(ErrorCodes.USAGE, `--format: '${value}' is not a format (allowed: text, markdown, json)`);
}

/** `mailpolicy plan …`; `command` is `drift` when run as `mailpolicy drift` (its help and messages say so). */
export async function runPlan(
  argv: readonly string[],
  io: CommandIo,
  command: 'plan' | 'drift' = 'plan',
): Promise<number> {
  const args = parseCommandArgs(command, argv, command === 'drift' ? DRIFT_OPTIONS : OPTIONS);
  if (flagOption(args, 'help')) {
    io.stdout.write(command === 'drift' ? DRIFT_HELP : PLAN_HELP);
    return 0;
  }
  const format = formatOf(stringOption(args, 'format'));
  const gatewayWrites = gatewayWritesOption(args, io.env);
  const out = stringOption(args, 'out');
  const drift = command === 'drift' || flagOption(args, 'drift');
  const detailedExitcode = command === 'drift' || flagOption(args, 'detailed-exitcode');
  const stacks = await loadStacks(stackSelection(args), io.cwd, io.env, io);
  if (out && stacks.length > 1) {
    throw new MailPolicyError(ErrorCodes.USAGE, '--out saves one stack: choose it with --stack NAME');
  }
  const workspace = workspaceDir(resolve(stacks[0].manifestFile, '..'), io.env, io.cwd);
  const connection = await connect(targetOptions(args), workspace, io.env, `admin@${stacks[0]?.manifest.domains[0]}`);
  // A text plan names the target in its first line; other formats usually go to a file, so say it here.
  if (format !== 'text') info(io, `Target: ${connection.target.description}`);
  let exit = 0;
  try {
    const rendered: string[] = [];
    for (const stack of stacks) {
      const state = await readStateForPlan(stack.manifest, workspace, io.env, stateOption(args));
      const result = await planStack(
        stack.manifest,
        connection.client('read'),
        connection.target,
        workspace,
        io.env,
        state,
        { gatewayWrites },
      );
      const plan = drift ? driftReport(result.plan) : result.plan;
      if (out) {
        writeSavedPlan(resolve(io.cwd, out), {
          plan: result.plan,
          manifest: result.manifest,
          observedDigest: result.observedDigest,
          credentials: result.credentials,
        });
        info(io, `Saved the plan to ${out}; apply it with: mailpolicy apply ${out}`);
      }
      if (format === 'json') rendered.push(renderJson(plan));
      else if (format === 'markdown') rendered.push(renderMarkdown(plan));
      else {
        const color = useColor(args, io.stdout, io.env);
        const header = stacks.length > 1 ? `Stack ${stack.name}\n` : '';
        rendered.push(header + renderText(plan, { color }));
      }
      if (isBlocked(plan)) exit = 1;
      else if (exit === 0 && hasChanges(plan) && detailedExitcode) exit = 2;
    }
    io.stdout.write(format === 'json' && stacks.length > 1 ? `[${rendered.join(',\n')}]\n` : rendered.join('\n'));
  } finally {
    await connection.close();
  }
  return exit;
}
