import { resolve } from 'node:path';

import type { WorkspaceAdmin } from '../../admin/workspace-admin';
import type { PendingVerification } from '../../engine/plan';
import { MailPolicyError } from '../../model/errors';
import { mapLimited } from '../../util/concurrency';
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
import { planStack } from '../planning';
import { readStateForPlan } from '../stack-state';
import { connect } from '../target';
import { workspaceDir } from '../workspace-dir';

/** Verification mails in flight at once (each is one `sendAs.verify`, 100 Gmail quota units). */
const VERIFY_CONCURRENCY = 5;

const OPTIONS: OptionTable = {
  ...STACK_OPTIONS,
  ...STATE_OPTIONS,
  ...TARGET_OPTIONS,
  'dry-run': { type: 'boolean', help: 'list the pending identities without sending anything' },
};

export const VERIFY_HELP = helpText(
  'mailpolicy verify [--manifest FILE | --app DIR] [--stack NAME | --all] [--dry-run]',
  "Sends Gmail's verification mail again (sendAs.verify) for every declared send-as identity that Gmail holds as\n" +
    '"pending": its address\'s owner has not clicked the link yet, so the identity cannot send or be the default.\n' +
    'Reads the tenant like `plan` to find them; changes nothing else.\n' +
    'Exit codes: 0 every mail sent (or nothing pending); 1 error, or a mail could not be sent.',
  OPTIONS,
);

/** What happened to one pending identity. */
type Outcome = { readonly pending: PendingVerification; readonly error?: string };

/** `mailpolicy verify`: resends the verification mail of each declared identity pending verification. */
export async function runVerify(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs('verify', argv, OPTIONS);
  if (flagOption(args, 'help')) {
    io.stdout.write(VERIFY_HELP);
    return 0;
  }
  const dryRun = flagOption(args, 'dry-run');
  const stacks = await loadStacks(stackSelection(args), io.cwd, io.env, io);
  const workspace = workspaceDir(resolve(stacks[0].manifestFile, '..'), io.env, io.cwd);
  const connection = await connect(targetOptions(args), workspace, io.env, `admin@${stacks[0].manifest.domains[0]}`);
  info(io, `Target: ${connection.target.description}`);
  let exit = 0;
  try {
    const writer = dryRun ? undefined : connection.client('write');
    for (const stack of stacks) {
      const state = await readStateForPlan(stack.manifest, workspace, io.env, stateOption(args));
      const { plan } = await planStack(
        stack.manifest,
        connection.client('read'),
        connection.target,
        workspace,
        io.env,
        state,
      );
      const header = stacks.length > 1 ? `Stack ${stack.name}: ` : '';
      const unread = plan.indeterminate.filter((row) => row.kind === 'sendAs');
      if (unread.length > 0) {
        exit = 1;
        io.stderr.write(
          `${header}could not read the send-as identities of ${unread.length} user(s); their pending identities are not known:\n` +
            unread.map((row) => `  ${row.subject}: ${row.error}\n`).join(''),
        );
      }
      const pending = plan.pendingVerification ?? [];
      if (pending.length === 0) {
        io.stdout.write(`${header}No declared identity is waiting for verification.\n`);
        continue;
      }
      if (!writer) {
        io.stdout.write(
          `${header}${pending.length} identit${pending.length === 1 ? 'y' : 'ies'} waiting for verification:\n`,
        );
        for (const p of pending) io.stdout.write(`  ${p.userEmail} → ${p.sendAsEmail}\n`);
        continue;
      }
      const outcomes = await resend(writer, pending);
      for (const { pending: p, error } of outcomes) {
        if (error) io.stdout.write(`✗ ${p.userEmail} → ${p.sendAsEmail}: not sent: ${error}\n`);
        else io.stdout.write(`✓ ${p.userEmail} → ${p.sendAsEmail}: verification mail sent to ${p.sendAsEmail}\n`);
      }
      const failed = outcomes.filter((o) => o.error).length;
      if (failed > 0) exit = 1;
      io.stdout.write(
        `${header}${outcomes.length - failed} verification mail(s) sent, ${failed} failed. The owner of each address ` +
          'must click the link in the mail from Gmail (check spam); then run apply to finish what waits on it.\n',
      );
    }
  } finally {
    await connection.close();
  }
  return exit;
}

async function resend(admin: WorkspaceAdmin, pending: readonly PendingVerification[]): Promise<Outcome[]> {
  return mapLimited(pending, VERIFY_CONCURRENCY, async (p) => {
    try {
      await admin.verifySendAs(p.userEmail, p.sendAsEmail);
      return { pending: p };
    } catch (error) {
      if (MailPolicyError.isMailPolicyError(error)) return { pending: p, error: error.message };
      throw error;
    }
  });
}
