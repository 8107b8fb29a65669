import { resolve } from 'node:path';

import { renderDot, renderMermaid, renderPictureText } from '../../engine/render';
import { ErrorCodes, MailPolicyError } from '../../model/errors';
import { flagOption, helpText, parseCommandArgs, stringOption, type OptionTable } from '../args';
import { loadStacks } from '../app-runner';
import {
  STACK_OPTIONS,
  STATE_OPTIONS,
  TARGET_OPTIONS,
  stackSelection,
  stateOption,
  targetOptions,
} from '../common-options';
import { readStateForPlan } from '../stack-state';
import { info, type CommandIo } from '../io';
import { blockReasons, planStack } from '../planning';
import { connect } from '../target';
import { workspaceDir } from '../workspace-dir';

const { all: _all, ...ONE_STACK } = STACK_OPTIONS;

const OPTIONS: OptionTable = {
  ...ONE_STACK,
  ...STATE_OPTIONS,
  ...TARGET_OPTIONS,
  format: { type: 'string', value: 'mermaid|dot|text', help: 'output format (default: mermaid)' },
  'max-nodes': {
    type: 'string',
    value: 'N',
    help: 'fold the least important subtrees beyond N boxes (default: 80 for mermaid, every OU otherwise)',
  },
};

export const GRAPH_HELP = helpText(
  'mailpolicy graph [--manifest FILE | --app DIR] [--stack NAME] [--format mermaid|dot|text] [--max-nodes N]',
  'Draws who may bypass the outbound gateway: the OUs that matter, each with its effective "Allow per-user outbound\n' +
    'gateways" setting before → after the plan and the SMTP identities relying on it; changed OUs highlighted.\n' +
    'The same picture as in `mailpolicy plan --format markdown`. Reads the live tenant; never writes.\n' +
    'Exit codes: 0 drawn; 1 error, or the OU list or gateway policies could not be read.',
  OPTIONS,
);

type Format = 'mermaid' | 'dot' | 'text';

function formatOf(value: string | undefined): Format {
  if (value === undefined) return 'mermaid';
  if (value === 'mermaid' || value === 'dot' || value === 'text') return value;
  throw new MailPolicyError(ErrorCodes.USAGE, `--format: '${value}' is not a format (allowed: mermaid, dot, text)`);
}

function maxNodesOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 2) {
    throw new MailPolicyError(ErrorCodes.USAGE, `--max-nodes: '${value}' (allowed: a whole number, 2 or more)`);
  }
  return n;
}

/** `mailpolicy graph`: plans one stack read-only, like `plan`, and prints only its gateway picture. */
export async function runGraph(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs('graph', argv, OPTIONS);
  if (flagOption(args, 'help')) {
    io.stdout.write(GRAPH_HELP);
    return 0;
  }
  const format = formatOf(stringOption(args, 'format'));
  const maxNodes = maxNodesOf(stringOption(args, 'max-nodes'));
  const [stack] = await loadStacks(stackSelection(args), io.cwd, io.env, io);
  const workspace = workspaceDir(resolve(stack.manifestFile, '..'), io.env, io.cwd);
  const connection = await connect(targetOptions(args), workspace, io.env, `admin@${stack.manifest.domains[0]}`);
  info(io, `Target: ${connection.target.description}`);
  try {
    const state = await readStateForPlan(stack.manifest, workspace, io.env, stateOption(args));
    const { plan } = await planStack(
      stack.manifest,
      connection.client('read'),
      connection.target,
      workspace,
      io.env,
      state,
    );
    if (!plan.picture) {
      const reasons = blockReasons(plan).filter((r) => r.startsWith('cannot read'));
      io.stderr.write(
        `Cannot draw the picture: the OU list or the gateway policies could not be read.\n${reasons.map((r) => `  ${r}\n`).join('')}`,
      );
      return 1;
    }
    const options = maxNodes === undefined ? {} : { maxNodes };
    if (format === 'mermaid') io.stdout.write(renderMermaid(plan.picture, options));
    else if (format === 'dot') io.stdout.write(renderDot(plan.picture, options));
    else io.stdout.write(`${renderPictureText(plan.picture, options).join('\n')}\n`);
    return 0;
  } finally {
    await connection.close();
  }
}
