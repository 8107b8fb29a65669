import type { UserRecord } from '../admin/workspace-admin';
import { normaliseEmail } from '../model/email';
import { reportMissingUser } from './diff-placements';
import type { DiffContext } from './private/diff-context';

/** Rule id of the blocking finding for an in-domain send-as address Gmail would refuse: not an alias of its user. */
export const LIVE_SENDAS_NOT_ALIAS = 'MPR-LIVE-SENDAS-NOT-ALIAS';

/** The addresses that reach a user: the primary, the aliases and the aliases Google derives, lower case. */
export function addressesOf(user: UserRecord): Set<string> {
  return new Set(
    [user.primaryEmail, ...(user.aliases ?? []), ...(user.nonEditableAliases ?? [])].map((a) => normaliseEmail(a)),
  );
}

/**
 * Declared aliases: one the user does not have yet is added (`users.aliases.insert`), before the send-as
 * identities that use it. Unreadable users plan nothing; missing users are a finding.
 */
export function diffAliases(ctx: DiffContext): void {
  for (const [id, object] of ctx.declared) {
    if (object.kind !== 'alias') continue;
    const { userEmail, alias } = object.spec;
    const subject = `${userEmail} ← ${alias}`;
    const user = ctx.observedValue(ctx.input.observed.users?.[userEmail], { kind: 'alias', subject });
    if (user === undefined) continue;
    if (!user) {
      reportMissingUser(ctx, userEmail);
      continue;
    }
    if (addressesOf(user).has(alias)) {
      ctx.unchanged++;
      continue;
    }
    ctx.addChange({
      id,
      kind: 'alias',
      action: 'create',
      subject,
      attributes: [{ name: 'alias', after: alias }],
      dependsOn: [],
      security: [],
      cause: ctx.causeFor(id, object.spec),
      target: { userEmail, alias },
      desired: object.spec,
    });
  }
}
