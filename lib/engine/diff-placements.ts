import { normaliseEmail } from '../model/email';
import type { UserSpec } from '../model/manifest';
import { orgUnitKey } from '../model/org-unit-path';
import { placementChangeId } from './change-ids';
import { compareStrings, type DiffContext } from './private/diff-context';
import { unreadReason } from './observed-state';

/** Rule id of the blocking finding for a referenced user that does not exist (users are never created). */
export const LIVE_USER_MISSING = 'MPR-LIVE-USER-MISSING';

/** Adds the missing-user finding once per user. */
export function reportMissingUser(ctx: DiffContext, email: string, constructPath?: string): void {
  const subject = `user:${normaliseEmail(email)}`;
  if (ctx.reported.has(`${LIVE_USER_MISSING} ${subject}`)) return;
  ctx.reported.add(`${LIVE_USER_MISSING} ${subject}`);
  ctx.findings.push({
    ruleId: LIVE_USER_MISSING,
    level: 'error',
    subject,
    message: `The user ${email} is referenced by the stack but does not exist in the tenant (the stack never creates users).`,
    fix: `Create the user ${email} first, or correct the address in the code.`,
    ...(constructPath ? { constructPath } : {}),
  });
}

/**
 * User placement: move users whose live OU (after this plan's OU moves) differs from the declared one.
 * Needs a readable OU list and the user's record.
 */
export function diffPlacements(ctx: DiffContext): void {
  const specs = uniqueByEmail(ctx.input.manifest.users).filter((u) => typeof u.orgUnitPath === 'string');
  for (const spec of specs) {
    const key = normaliseEmail(spec.email);
    const desiredPath = spec.orgUnitPath as string;
    if (!ctx.orgUnitsByPath) {
      const ous = ctx.input.observed.orgUnits;
      ctx.addIndeterminate({
        kind: 'userPlacement',
        subject: spec.email,
        error: unreadReason(ous),
      });
      continue;
    }
    const user = ctx.input.observed.users?.[key];
    if (!user || user.status !== 'ok') {
      ctx.addIndeterminate({ kind: 'userPlacement', subject: spec.email, error: user?.error ?? 'not read' });
      continue;
    }
    if (!user.value) {
      reportMissingUser(ctx, spec.email, spec.constructPath);
      continue;
    }
    const current = ctx.projectPath(user.value.orgUnitPath);
    if (orgUnitKey(current) === orgUnitKey(desiredPath)) {
      ctx.unchanged++;
      continue;
    }
    const ouChange = ctx.orgUnitChangeId(desiredPath);
    ctx.addChange({
      id: placementChangeId(key),
      kind: 'userPlacement',
      action: 'update',
      subject: spec.email,
      attributes: [{ name: 'orgUnitPath', before: user.value.orgUnitPath, after: desiredPath }],
      dependsOn: ouChange ? [ouChange] : [],
      security: [],
      cause: ctx.causeFor(placementChangeId(key), spec),
      target: { email: key, liveOrgUnitPath: user.value.orgUnitPath },
      desired: spec,
      write: { orgUnitPath: desiredPath },
    });
  }
}

function uniqueByEmail(specs: readonly UserSpec[]): UserSpec[] {
  const seen = new Map<string, UserSpec>();
  for (const spec of specs) {
    if (typeof spec?.email !== 'string') continue;
    const key = normaliseEmail(spec.email);
    if (!seen.has(key)) seen.set(key, spec);
  }
  return [...seen.entries()].sort((a, b) => compareStrings(a[0], b[0])).map((e) => e[1]);
}
