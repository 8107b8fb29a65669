import { ErrorCodes, MailPolicyError } from '../../../model/errors';
import type { SecretRef } from '../../../model/manifest';
import { resolveSecret } from '../../../model/secret-ref';
import type { Change } from '../../change';

/**
 * Checks, before the first write, that every input the run needs is there: each SMTP credential a write will
 * send resolves (environment variable set, file readable inside the allowed folders). Any problem refuses the
 * whole run with the full list, so a run never stops half-way for a missing secret. Values are resolved and
 * dropped at once; only reference names reach the message.
 */
export function checkRunInputs(changes: readonly Change[], env: NodeJS.ProcessEnv, cwd: string): void {
  const problems: string[] = [];
  for (const change of changes) {
    if (change.kind !== 'sendAs' || change.action === 'delete' || change.action === 'forget') continue;
    if (!change.write.fields.includes('smtpMsa')) continue;
    const smtp = change.desired.smtp;
    if (!smtp) {
      problems.push(`${change.subject}: the write sends smtpMsa, but the identity declares no SMTP endpoint`);
      continue;
    }
    const refs: Array<[string, SecretRef]> = [['password', smtp.password]];
    if (typeof smtp.username !== 'string') refs.push(['username', smtp.username]);
    for (const [field, ref] of refs) {
      const resolved = resolveSecret(ref, env, cwd);
      if (!resolved.ok) problems.push(`${change.subject}: SMTP ${field} ${ref.ref}: ${resolved.reason}`);
    }
  }
  if (problems.length === 0) return;
  throw new MailPolicyError(
    ErrorCodes.SECRET_UNRESOLVED,
    `apply needs ${problems.length} SMTP credential${problems.length === 1 ? '' : 's'} that cannot be read here; nothing was changed:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSet them (env:NAME or file:PATH) where apply runs, then apply again.`,
    { problems },
  );
}
