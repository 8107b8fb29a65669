import { normaliseEmail } from '../model/email';
import { isWithinOrgUnit, orgUnitDepth, orgUnitKey } from '../model/org-unit-path';
import { orgUnitSubject } from '../model/rules/finding-rule';
import type {
  AliasObject,
  GatewayPolicyObject,
  ManagedObject,
  OrgUnitObject,
  SendAsObject,
  UserPlacementObject,
} from '../state/stack-state';
import { gatewayPolicyChangeId, orgUnitChangeId, placementChangeId, sendAsChangeId } from './change-ids';
import { gatewayManualSteps } from './diff-gateway-policies';
import { scopeMembersKey } from './observe';
import { compareStrings, stripIdPrefix, type DiffContext } from './private/diff-context';

/** Rule id of the blocking finding for an OU removed from code that Google would refuse to delete. */
export const LIVE_OU_NOT_EMPTY = 'MPR-LIVE-OU-NOT-EMPTY';

const REMOVED = 'removed from code';
const RETAINED = 'removed from code; removalPolicy RETAIN: it will no longer be managed and stays in the tenant';

/**
 * Removal from code: every object the stack's state holds that the code no longer declares is planned away —
 * deleted under `RemovalPolicy.DESTROY` (a send-as identity, never a primary address; a gateway policy, so the OU
 * inherits again; an OU, children first, refused in the plan when Google would refuse it), forgotten under
 * `RETAIN` ("will no longer be managed"). A user placement is always forgotten: the user stays where they are.
 * Deletes run in reverse dependency order: identities, then the policies they relied on, then OUs leaves first.
 */
export function diffRemovals(ctx: DiffContext): void {
  const declared = ctx.declared;
  const removed = [...ctx.managed.entries()]
    .filter(([id, object]) => !declared.has(id) && !movedByThisPlan(ctx, object, declared))
    .sort((a, b) => compareStrings(a[0], b[0]));
  const identities: Array<[string, SendAsObject]> = [];
  const policies: Array<[string, GatewayPolicyObject]> = [];
  const orgUnits: Array<[string, OrgUnitObject]> = [];
  const aliases: Array<[string, AliasObject]> = [];
  for (const [id, object] of removed) {
    if (object.kind === 'sendAs') identities.push([id, object]);
    else if (object.kind === 'gatewayPolicy') policies.push([id, object]);
    else if (object.kind === 'orgUnit') orgUnits.push([id, object]);
    else if (object.kind === 'userPlacement') forgetPlacement(ctx, id, object);
    else if (object.kind === 'alias') aliases.push([id, object]);
  }
  for (const [id, object] of identities) removeIdentity(ctx, id, object);
  for (const [id, object] of aliases) removeAlias(ctx, id, object);
  for (const [id, object] of policies) removePolicy(ctx, id, object, identities);
  removeOrgUnits(ctx, orgUnits);
}

/**
 * Whether a state record is of an OU (or its gateway policy) that this plan's moves carry to a declared path: the
 * OU moved with `movedFrom` (or under a moved parent) is the same object, not a removed one.
 */
function movedByThisPlan(ctx: DiffContext, object: ManagedObject, declared: ReadonlyMap<string, unknown>): boolean {
  if (object.kind === 'orgUnit') {
    const projected = ctx.projectPath(object.path);
    return orgUnitKey(projected) !== orgUnitKey(object.path) && declared.has(orgUnitChangeId(projected));
  }
  if (object.kind === 'gatewayPolicy') {
    const projected = ctx.projectPath(object.orgUnitPath);
    return orgUnitKey(projected) !== orgUnitKey(object.orgUnitPath) && declared.has(gatewayPolicyChangeId(projected));
  }
  return false;
}

/** The fields every `forget` shares: nothing is sent to Google, the object leaves the state. */
function forgetting(id: string, subject: string, reason: string) {
  return {
    id,
    action: 'forget' as const,
    subject,
    attributes: [],
    dependsOn: [],
    security: [],
    cause: 'removed' as const,
    reason,
  };
}

function forgetPlacement(ctx: DiffContext, id: string, object: UserPlacementObject): void {
  const reason = 'removed from code: the user stays in their OU, which is no longer managed';
  ctx.addChange({
    ...forgetting(id, object.email, reason),
    kind: 'userPlacement',
    target: { email: normaliseEmail(object.email) },
  });
}

function removeIdentity(ctx: DiffContext, id: string, object: SendAsObject): void {
  const user = normaliseEmail(object.userEmail);
  const subject = `${user} → ${object.sendAsEmail}`;
  const target = { userEmail: user, sendAsEmail: object.sendAsEmail };
  const forget = (reason: string): void =>
    ctx.addChange({ ...forgetting(id, subject, reason), kind: 'sendAs', target });
  if (object.removalPolicy === 'retain') return forget(RETAINED);
  const list = ctx.observedValue(ctx.input.observed.sendAs?.[user], { kind: 'sendAs', subject });
  if (!list) return;
  const live = list.find((s) => normaliseEmail(s.sendAsEmail) === normaliseEmail(object.sendAsEmail));
  if (!live) return forget(`${REMOVED}; already gone from the tenant`);
  if (live.isPrimary || normaliseEmail(live.sendAsEmail) === user)
    return forget(`${REMOVED}; it is the user's primary address, which is never deleted`);
  ctx.addChange({
    id,
    kind: 'sendAs',
    action: 'delete',
    subject,
    attributes: [
      ...(live.displayName !== undefined ? [{ name: 'displayName', before: live.displayName }] : []),
      ...(live.smtpMsa ? [{ name: 'smtp.host', before: live.smtpMsa.host }] : []),
    ],
    dependsOn: [],
    security: ['destructive'],
    cause: 'removed',
    reason: REMOVED,
    target: { ...target, sendAsEmail: live.sendAsEmail },
  });
}

/** An alias removed from code is taken off its user (after an identity on the same address is deleted). */
function removeAlias(ctx: DiffContext, id: string, object: AliasObject): void {
  const userEmail = normaliseEmail(object.userEmail);
  const alias = normaliseEmail(object.alias);
  const subject = `${userEmail} ← ${alias}`;
  const target = { userEmail, alias };
  const forget = (reason: string): void => ctx.addChange({ ...forgetting(id, subject, reason), kind: 'alias', target });
  if (object.removalPolicy === 'retain') return forget(RETAINED);
  const record = ctx.observedValue(ctx.input.observed.users?.[userEmail], { kind: 'alias', subject });
  if (record === undefined) return;
  if (!record || !(record.aliases ?? []).map(normaliseEmail).includes(alias))
    return forget(`${REMOVED}; already gone from the tenant`);
  const identity = sendAsChangeId(userEmail, alias);
  ctx.addChange({
    id,
    kind: 'alias',
    action: 'delete',
    subject,
    attributes: [{ name: 'alias', before: alias }],
    dependsOn: ctx.changes.has(identity) ? [identity] : [],
    security: ['destructive'],
    cause: 'removed',
    reason: `${REMOVED}: mail to ${alias} no longer reaches ${userEmail}`,
    target,
  });
}

/** The live OU path of a user (as observed), when known. */
function liveOrgUnitOf(ctx: DiffContext, email: string): string | undefined {
  const record = ctx.input.observed.users?.[normaliseEmail(email)];
  return record?.status === 'ok' && record.value ? ctx.projectPath(record.value.orgUnitPath) : undefined;
}

function removePolicy(
  ctx: DiffContext,
  id: string,
  object: GatewayPolicyObject,
  identities: ReadonlyArray<[string, SendAsObject]>,
): void {
  const path = object.orgUnitPath;
  const forget = (reason: string): void =>
    ctx.addChange({ ...forgetting(id, path, reason), kind: 'gatewayPolicy', target: { orgUnitPath: path } });
  if (object.removalPolicy === 'retain') return forget(RETAINED);
  if (!ctx.orgUnitsByPath || !ctx.policyByOrgUnitId) {
    ctx.addIndeterminate({
      kind: 'gatewayPolicy',
      subject: path,
      error: 'the OUs or their policies could not be read',
    });
    return;
  }
  const ou = ctx.orgUnitsByPath.get(orgUnitKey(path));
  const explicit = ou ? ctx.policyByOrgUnitId.get(stripIdPrefix(ou.orgUnitId)) : undefined;
  if (!ou || !explicit) return forget(`${REMOVED}; no explicit policy is left on it`);
  // The identities relying on this setting go first.
  const dependsOn = identities
    .filter(([identityId, identity]) => {
      const where = liveOrgUnitOf(ctx, identity.userEmail);
      return ctx.changes.has(identityId) && where !== undefined && isWithinOrgUnit(where, path);
    })
    .map(([identityId]) => identityId);
  const common = {
    id,
    kind: 'gatewayPolicy' as const,
    subject: path,
    attributes: [
      { name: 'allowPerUserOutboundGateways', before: explicit.allowUsersToUseExternalSmtpServers, after: 'inherit' },
    ],
    dependsOn,
    security: ['destructive' as const],
    cause: 'removed' as const,
    reason: `${REMOVED}: the OU inherits the setting of its parent again`,
  };
  const fullTarget = { orgUnitPath: path, orgUnitId: stripIdPrefix(ou.orgUnitId), policyName: explicit.name };
  if (ctx.input.observed.policyWrites === 'manual') {
    ctx.addChange({
      ...common,
      action: 'manual',
      target: fullTarget,
      desired: { orgUnitPath: path, allowPerUserOutboundGateways: 'inherit' },
      write: { allow: 'inherit' },
      manualSteps: gatewayManualSteps(path, 'inherit'),
    });
    return;
  }
  ctx.addChange({ ...common, action: 'delete', target: fullTarget });
}

/** OU deletes, leaves first; an OU Google would refuse (users, other child OUs) is a blocking finding instead. */
function removeOrgUnits(ctx: DiffContext, removed: ReadonlyArray<[string, OrgUnitObject]>): void {
  const live = ctx.orgUnitsByPath;
  const ordered = [...removed].sort((a, b) => orgUnitDepth(b[1].path) - orgUnitDepth(a[1].path));
  const deleting = new Map<string, string>(); // OU key → change id
  for (const [id, object] of ordered) {
    const path = object.path;
    const forget = (reason: string): void =>
      ctx.addChange({ ...forgetting(id, path, reason), kind: 'orgUnit', target: { path } });
    if (object.removalPolicy === 'retain') {
      forget(RETAINED);
      continue;
    }
    if (!live) {
      ctx.addIndeterminate({ kind: 'orgUnit', subject: path, error: 'the OU list could not be read' });
      continue;
    }
    const current = live.get(orgUnitKey(path));
    if (!current) {
      forget(`${REMOVED}; already gone from the tenant`);
      continue;
    }
    const blockers: string[] = [];
    const dependsOn: string[] = [];
    for (const [key, child] of live) {
      if (key === orgUnitKey(path) || !isWithinOrgUnit(child.orgUnitPath, path)) continue;
      if (orgUnitDepth(child.orgUnitPath) !== orgUnitDepth(path) + 1) continue;
      const childDelete = deleting.get(key);
      if (childDelete) dependsOn.push(childDelete);
      else blockers.push(`child OU ${child.orgUnitPath}`);
    }
    const members = ctx.observedValue(
      ctx.input.observed.scopeMembers?.[scopeMembersKey(path)],
      { kind: 'orgUnit', subject: path },
      (error) => `its users could not be read (${error})`,
    );
    if (!members) continue;
    const staying: string[] = [];
    for (const member of members) {
      const placement = ctx.changes.get(placementChangeId(member.primaryEmail));
      if (
        placement?.kind === 'userPlacement' &&
        placement.action === 'update' &&
        !isWithinOrgUnit(placement.write.orgUnitPath, path)
      )
        dependsOn.push(placement.id);
      else staying.push(member.primaryEmail);
    }
    if (staying.length > 0) {
      const shown = staying.slice(0, 5).join(', ') + (staying.length > 5 ? ` and ${staying.length - 5} more` : '');
      blockers.push(`${staying.length} user${staying.length === 1 ? '' : 's'} (${shown})`);
    }
    if (blockers.length > 0) {
      ctx.findings.push({
        ruleId: LIVE_OU_NOT_EMPTY,
        level: 'error',
        subject: orgUnitSubject(path),
        message: `${path} was removed from code, but Google refuses to delete an OU that still holds ${blockers.join(' and ')}.`,
        fix: `Move them out first (place the users elsewhere with User.fromEmail(..., { orgUnit })), or keep the OU: declare it again, or give it removalPolicy: RemovalPolicy.RETAIN so it is only forgotten.`,
      });
      continue;
    }
    for (const [policyId, change] of ctx.changes)
      if (
        change.kind === 'gatewayPolicy' &&
        change.action !== 'forget' &&
        isWithinOrgUnit(change.target.orgUnitPath, path)
      )
        dependsOn.push(policyId);
    deleting.set(orgUnitKey(path), id);
    ctx.addChange({
      id,
      kind: 'orgUnit',
      action: 'delete',
      subject: path,
      attributes: [{ name: 'name', before: current.name }],
      dependsOn: [...new Set(dependsOn)].sort(compareStrings),
      security: ['destructive'],
      cause: 'removed',
      reason: REMOVED,
      target: { path: current.orgUnitPath, orgUnitId: stripIdPrefix(current.orgUnitId) },
    });
  }
}
