import { ErrorCodes, MailPolicyError } from '../../model/errors';
import { findLock, forceUnlock, openStateBackend } from '../../state';
import { flagOption, helpText, parseCommandArgs, stringOption, type OptionTable } from '../args';
import { STATE_OPTIONS, stateOption } from '../common-options';
import type { CommandIo } from '../io';
import { workspaceDir } from '../workspace-dir';

const OPTIONS: OptionTable = {
  ...STATE_OPTIONS,
  stack: { type: 'string', value: 'NAME', help: 'the stack whose lock it is (default: found by the lock id)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const FORCE_UNLOCK_HELP = helpText(
  'mailpolicy force-unlock LOCK_ID [--stack NAME] [--state URL]',
  [
    "Releases a stack's lock left behind by an apply or destroy that is gone (killed, timed out), by the id the",
    'locked command printed. Only use it on your own lock: an apply still running loses its lock and stops',
    'recording state at its next write.',
  ].join('\n'),
  OPTIONS,
);

export async function runForceUnlock(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs('force-unlock', argv, OPTIONS);
  if (flagOption(args, 'help')) {
    io.stdout.write(FORCE_UNLOCK_HELP);
    return 0;
  }
  const [id, ...extra] = args.positionals;
  if (!id || extra.length > 0) {
    throw new MailPolicyError(
      ErrorCodes.USAGE,
      'force-unlock takes exactly one LOCK_ID (the id a locked command printed)',
    );
  }
  const workspace = workspaceDir(io.cwd, io.env);
  const backend = openStateBackend({ appDir: workspace.appDir, env: io.env, ...stateOption(args) });
  const stack = stringOption(args, 'stack') ?? (await findLock(backend, id))?.stack;
  if (!stack) {
    throw new MailPolicyError(
      ErrorCodes.STATE_LOCKED,
      `no lock with id ${id} in ${backend.describe('*')}: it was released already, or it belongs to another state (pass --state URL)`,
    );
  }
  const released = await forceUnlock(backend, stack, id);
  const holder = released.info
    ? ` (held by ${released.info.who} for ${released.info.operation} since ${released.info.created})`
    : '';
  io.stdout.write(`Released the lock ${id} of stack ${stack}${holder}.\n`);
  return 0;
}
