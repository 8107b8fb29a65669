import type { SendAsRecord } from '../admin/workspace-admin';
import { isInDomains, normaliseEmail } from '../model/email';
import { sendAsSubject } from '../model/rules/finding-rule';
import type { SendAsSpec, UserSpec } from '../model/manifest';
import { orgUnitAncestry } from '../model/org-unit-path';
import {
  creationFields,
  declaredPlainFields,
  plainFieldDifferences,
  smtpEndpointDifferences,
  type SendAsFieldName,
} from '../model/send-as-fields';
import type { AttributeChange, SecurityFlag, SendAsChange } from './change';
import {
  aliasChangeId,
  defaultSwitchChangeId,
  gatewayPolicyChangeId,
  placementChangeId,
  REMOVED_OUTSIDE,
  sendAsChangeId,
} from './change-ids';
import { addressesOf, LIVE_SENDAS_NOT_ALIAS } from './diff-aliases';
import { reportMissingUser } from './diff-placements';
import { identityKey } from './credentials';
import { credentialChanges, noteUnresolved, SENSITIVE, sourceAttributes, subjectOf } from './diff-send-as-credentials';
import { scopeMembersKey } from './observe';
import { unreadReason } from './observed-state';
import { compareStrings, type DiffContext } from './private/diff-context';

type SendAsWriteField = SendAsFieldName;

/** The exclusive scope of each scoped user (lower-cased email → scope label), and unreadable scopes. */
function scopesByUser(ctx: DiffContext): Map<string, string> {
  const out = new Map<string, string>();
  const scopes = [...ctx.input.manifest.ownership].filter((s) => s && typeof s === 'object');
  for (const scope of scopes) {
    if (scope.kind === 'user' && typeof scope.email === 'string') {
      const key = normaliseEmail(scope.email);
      if (!out.has(key)) out.set(key, `user ${scope.email}`);
    } else if (scope.kind === 'orgUnit' && typeof scope.orgUnitPath === 'string') {
      const members = ctx.observedValue(ctx.input.observed.scopeMembers?.[scopeMembersKey(scope.orgUnitPath)], {
        kind: 'sendAs',
        subject: `exclusive scope ${scope.orgUnitPath}`,
      });
      if (!members) continue;
      for (const member of members) {
        const key = normaliseEmail(member.primaryEmail);
        if (!out.has(key)) out.set(key, `OU ${scope.orgUnitPath}`);
      }
    }
  }
  return out;
}

/**
 * Send-as identities: create, update, replace (SMTP removed), credential rotation by fingerprint, and deletes
 * of undeclared identities inside exclusive scopes. Unreadable send-as lists plan nothing for that user.
 */
export function diffSendAs(ctx: DiffContext): void {
  const byUser = new Map<string, SendAsSpec[]>();
  const seen = new Set<string>();
  for (const spec of ctx.input.manifest.sendAs) {
    if (typeof spec?.userEmail !== 'string' || typeof spec.sendAsEmail !== 'string') continue;
    const key = identityKey(spec.userEmail, spec.sendAsEmail);
    if (seen.has(key)) continue;
    seen.add(key);
    const user = normaliseEmail(spec.userEmail);
    const list = byUser.get(user) ?? [];
    list.push(spec);
    byUser.set(user, list);
  }
  const scoped = scopesByUser(ctx);
  const referenced = ctx.input.manifest.users.flatMap((u) =>
    typeof u?.email === 'string' ? [normaliseEmail(u.email)] : [],
  );
  const users = [...new Set([...byUser.keys(), ...scoped.keys(), ...referenced])].sort(compareStrings);
  const placements = placementsByUser(ctx.input.manifest.users);
  for (const user of users) {
    const specs = (byUser.get(user) ?? []).sort((a, b) =>
      compareStrings(normaliseEmail(a.sendAsEmail), normaliseEmail(b.sendAsEmail)),
    );
    const record = ctx.input.observed.users?.[user];
    if (record?.status === 'ok' && record.value === null) {
      if (specs.length > 0) reportMissingUser(ctx, specs[0].userEmail, specs[0].constructPath);
      continue;
    }
    const list = ctx.input.observed.sendAs?.[user];
    if (!list || list.status !== 'ok' || !Array.isArray(list.value)) {
      const error = unreadReason(list);
      for (const spec of specs) ctx.addIndeterminate({ kind: 'sendAs', subject: subjectOf(spec), error });
      if (specs.length === 0) ctx.addIndeterminate({ kind: 'sendAs', subject: user, error });
      continue;
    }
    const live = new Map<string, SendAsRecord>();
    for (const identity of list.value) {
      if (typeof identity?.sendAsEmail !== 'string') continue;
      const key = normaliseEmail(identity.sendAsEmail);
      if (!live.has(key)) live.set(key, identity);
    }
    const deps = identityDependencies(ctx, user, placements.get(user));
    for (const spec of specs) diffIdentity(ctx, spec, live.get(normaliseEmail(spec.sendAsEmail)), deps);
    const declared = new Set(specs.map((s) => normaliseEmail(s.sendAsEmail)));
    const scope = scoped.get(user);
    for (const [key, identity] of [...live.entries()].sort((a, b) => compareStrings(a[0], b[0]))) {
      if (declared.has(key) || identity.isPrimary || key === user) continue;
      if (ctx.changes.has(sendAsChangeId(user, key))) continue; // removed from code: planned already
      const subject = `${user} → ${identity.sendAsEmail}`;
      if (!scope) {
        ctx.unmanaged.push({ kind: 'sendAs', subject });
        continue;
      }
      ctx.addChange({
        id: sendAsChangeId(user, key),
        kind: 'sendAs',
        action: 'delete',
        subject,
        attributes: liveAttributes(identity),
        dependsOn: [],
        security: ['destructive'],
        cause: 'scope',
        reason: `not declared, inside exclusive scope ${scope}`,
        target: { userEmail: user, sendAsEmail: identity.sendAsEmail },
      });
    }
  }
}

function placementsByUser(users: readonly UserSpec[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const user of users) {
    if (typeof user?.email !== 'string' || typeof user.orgUnitPath !== 'string') continue;
    const key = normaliseEmail(user.email);
    if (!out.has(key)) out.set(key, user.orgUnitPath);
  }
  return out;
}

/** The user's OU once this plan is applied, or undefined when unknown. */
export function plannedOrgUnitOf(ctx: DiffContext, user: string, placement?: string): string | undefined {
  if (placement !== undefined) return placement;
  const record = ctx.input.observed.users?.[user];
  if (record?.status === 'ok' && record.value) return ctx.projectPath(record.value.orgUnitPath);
  return undefined;
}

/** Placement change, policy changes on the OU ancestry and OU creates/moves that an identity must wait for. */
function identityDependencies(ctx: DiffContext, user: string, placement?: string): string[] {
  const deps = new Set<string>();
  const placementId = placementChangeId(user);
  if (ctx.changes.has(placementId)) deps.add(placementId);
  const path = placement ?? plannedOrgUnitOf(ctx, user);
  if (path !== undefined) {
    for (const ancestor of orgUnitAncestry(path)) {
      const policyId = gatewayPolicyChangeId(ancestor);
      if (ctx.changes.has(policyId)) deps.add(policyId);
      const ouId = ctx.orgUnitChangeId(ancestor);
      if (ouId) deps.add(ouId);
    }
  }
  return [...deps].sort(compareStrings);
}

function liveAttributes(identity: SendAsRecord): AttributeChange[] {
  const out: AttributeChange[] = [];
  if (identity.displayName !== undefined) out.push({ name: 'displayName', before: identity.displayName });
  if (identity.smtpMsa) out.push({ name: 'smtp.host', before: identity.smtpMsa.host });
  return out;
}

/** The identity a change is about: the user (lower case) and the address as the live record spells it. */
function targetOf(spec: SendAsSpec, live?: SendAsRecord): SendAsChange['target'] {
  return {
    userEmail: normaliseEmail(spec.userEmail),
    sendAsEmail: live?.sendAsEmail ?? spec.sendAsEmail,
    ...(live?.isPrimary ? { isPrimary: true } : {}),
    ...(live?.verificationStatus ? { verificationStatus: live.verificationStatus } : {}),
  };
}

/** What a create (or the create half of a replace) writes and shows: every declared field but the default. */
function creation(spec: SendAsSpec): { attributes: AttributeChange[]; fields: SendAsWriteField[] } {
  const attributes: AttributeChange[] = [];
  const fields = creationFields(spec);
  for (const { name, value } of declaredPlainFields(spec)) {
    if (fields.includes(name)) attributes.push({ name, after: value });
  }
  if (spec.smtp) {
    attributes.push(
      { name: 'smtp.host', after: spec.smtp.host },
      { name: 'smtp.port', after: spec.smtp.port },
      { name: 'smtp.securityMode', after: spec.smtp.securityMode },
      ...SENSITIVE,
      ...sourceAttributes(spec),
    );
  }
  return { attributes, fields };
}

function diffIdentity(ctx: DiffContext, spec: SendAsSpec, live: SendAsRecord | undefined, deps: string[]): void {
  const key = identityKey(spec.userEmail, spec.sendAsEmail);
  const id = sendAsChangeId(spec.userEmail, spec.sendAsEmail);
  const subject = subjectOf(spec);
  const smtp = spec.smtp;
  const withoutTls: SecurityFlag[] = smtp?.securityMode === 'none' ? ['smtp-without-tls'] : [];
  if (!live) {
    const { attributes, fields } = creation(spec);
    if (smtp) noteUnresolved(ctx, spec);
    const cause = ctx.causeFor(id, spec);
    const alias = aliasDependency(ctx, spec);
    ctx.addChange({
      id,
      kind: 'sendAs',
      action: 'create',
      subject,
      attributes,
      dependsOn: alias ? [...deps, alias].sort(compareStrings) : deps,
      security: withoutTls,
      cause,
      ...(cause === 'tenant' ? { reason: REMOVED_OUTSIDE } : {}),
      target: targetOf(spec),
      desired: spec,
      write: { fields },
    });
    if (spec.isDefault === true) addDefaultSwitch(ctx, spec, id, false);
    return;
  }
  if (!smtp && live.smtpMsa) {
    // SMTP removed in code: Gmail cannot drop smtpMsa from an identity, so it is deleted and created again.
    const { attributes, fields } = creation(spec);
    attributes.push(
      { name: 'smtp.host', before: live.smtpMsa.host },
      { name: 'smtp.port', before: live.smtpMsa.port },
      { name: 'smtp.securityMode', before: live.smtpMsa.securityMode },
    );
    ctx.addChange({
      id,
      kind: 'sendAs',
      action: 'replace',
      subject,
      attributes,
      dependsOn: deps,
      security: ['destructive'],
      cause: ctx.causeFor(id, spec),
      reason: 'the SMTP endpoint was removed in code; Gmail cannot remove it from an existing identity',
      target: targetOf(spec, live),
      desired: spec,
      write: { fields },
    });
    if (spec.isDefault === true) addDefaultSwitch(ctx, spec, id, live.isDefault === true);
    return;
  }
  if (live.verificationStatus === 'pending') notePending(ctx, spec, live);
  const attributes: AttributeChange[] = [];
  const fields: SendAsWriteField[] = [];
  for (const difference of plainFieldDifferences(spec, live)) {
    attributes.push(difference);
    fields.push(difference.name);
  }
  let rotation = false;
  let reason: string | undefined;
  if (smtp) {
    const endpoint = smtpEndpointDifferences(smtp, live.smtpMsa);
    if (endpoint.length > 0) {
      // A new endpoint always re-sends the credentials.
      attributes.push(...endpoint, ...SENSITIVE, ...sourceAttributes(spec));
      fields.push('smtpMsa');
      noteUnresolved(ctx, spec);
    } else {
      const credentials = credentialChanges(ctx, spec, key);
      if (credentials.attributes.length > 0) {
        attributes.push(...credentials.attributes);
        fields.push('smtpMsa');
        rotation = true;
        reason = credentials.reason;
      }
    }
  }
  if (fields.length === 0) {
    ctx.unchanged++;
    return;
  }
  const onlyRotation = rotation && fields.length === 1;
  ctx.addChange({
    id,
    kind: 'sendAs',
    action: 'update',
    subject,
    attributes,
    dependsOn: deps,
    security: fields.includes('smtpMsa') ? withoutTls : [],
    cause: onlyRotation ? 'rotation' : ctx.causeFor(id, spec),
    ...(reason ? { reason } : {}),
    target: targetOf(spec, live),
    desired: spec,
    write: { fields },
  });
}

/**
 * An in-domain address must be an alias of its user before Gmail accepts it as a send-as without an SMTP endpoint
 * ("Custom from requires smtpMsa configuration", GAM #681). Returns the id of this plan's change adding the alias
 * when it is declared; reports a blocking finding when the address is neither a live nor a declared alias.
 */
function aliasDependency(ctx: DiffContext, spec: SendAsSpec): string | undefined {
  const user = normaliseEmail(spec.userEmail);
  const address = normaliseEmail(spec.sendAsEmail);
  if (spec.smtp || address === user || !isInDomains(address, ctx.input.manifest.domains)) return undefined;
  const record = ctx.input.observed.users?.[user];
  if (record?.status !== 'ok' || !record.value) return undefined; // unreadable or missing: reported elsewhere
  if (addressesOf(record.value).has(address)) return undefined;
  const aliasChange = aliasChangeId(user, address);
  if (ctx.changes.get(aliasChange)?.action === 'create') return aliasChange;
  ctx.findings.push({
    ruleId: LIVE_SENDAS_NOT_ALIAS,
    level: 'error',
    subject: sendAsSubject(user, address),
    message: `${spec.sendAsEmail} is in the customer's domains but is not an address of ${spec.userEmail} (its primary address or an alias): Gmail refuses it ("Custom from requires smtpMsa configuration").`,
    fix: `Declare the alias: User.fromEmail(scope, id, '${user}', { aliases: ['${address}'] }) — the plan then adds it first — or add it in the Admin console.`,
    ...(spec.constructPath ? { constructPath: spec.constructPath } : {}),
  });
  return undefined;
}

/** Rule id of the blocking finding for an identity declared default while Gmail still has it pending. */
export const LIVE_PENDING_DEFAULT = 'MPR-LIVE-PENDING-DEFAULT';

/** A declared identity pending verification: listed in the plan; one declared default is a blocking finding. */
function notePending(ctx: DiffContext, spec: SendAsSpec, live: SendAsRecord): void {
  const userEmail = normaliseEmail(spec.userEmail);
  ctx.pendingVerification.push({ subject: subjectOf(spec), userEmail, sendAsEmail: live.sendAsEmail });
  if (spec.isDefault !== true || live.isDefault === true) return;
  ctx.findings.push({
    ruleId: LIVE_PENDING_DEFAULT,
    level: 'error',
    subject: sendAsSubject(userEmail, spec.sendAsEmail),
    message: `${spec.sendAsEmail} of ${spec.userEmail} is declared the default From address, but its owner has not confirmed Gmail's verification mail yet: Gmail refuses an unverified send-as as the default.`,
    fix: `Have the owner of ${spec.sendAsEmail} click the link in the mail from account-verification-noreply@google.com (check spam; \`mailpolicy verify\` sends it again), then apply; or drop isDefault until then.`,
    ...(spec.constructPath ? { constructPath: spec.constructPath } : {}),
  });
}

function addDefaultSwitch(ctx: DiffContext, spec: SendAsSpec, createId: string, alreadyDefault: boolean): void {
  ctx.addChange({
    id: defaultSwitchChangeId(spec.userEmail, spec.sendAsEmail),
    kind: 'sendAs',
    action: 'update',
    subject: subjectOf(spec),
    attributes: [{ name: 'isDefault', before: alreadyDefault, after: true }],
    dependsOn: [createId],
    security: [],
    cause: 'default-switch',
    reason: 'becomes the default From address once created',
    target: targetOf(spec),
    desired: spec,
    write: { fields: ['isDefault'] },
  });
}
