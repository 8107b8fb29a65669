import { normaliseEmail } from '../../model/email';
import type { SendAsSpec } from '../../model/manifest';
import { isWithinOrgUnit, orgUnitKey, ROOT_PATH } from '../../model/org-unit-path';
import { sendAsSubject } from '../../model/rules/finding-rule';
import { groupPolicyChangeId } from '../change-ids';
import { plannedOrgUnitOf } from '../diff-send-as';
import { stripIdPrefix, type DiffContext } from '../private/diff-context';

/** A declared identity with an SMTP endpoint, and the OU its user sits in once the plan is done. */
export interface PlacedSmtpIdentity {
  /** `sendAs:user/address`, as findings name it. */
  readonly subject: string;
  readonly spec: SendAsSpec;
  readonly orgUnitPath: string;
}

/**
 * The per-user outbound gateway setting around one plan, as the diff sees it: the explicit per-OU values before
 * and after the plan, and where the SMTP identities that rely on them sit. Shared by the plan-time gateway check
 * and the gateway picture, so both say the same thing.
 */
export interface GatewayState {
  /** Explicit values before the plan, by live OU path (as the tenant spells it). */
  readonly before: ReadonlyMap<string, boolean>;
  /** Explicit values after the plan, by OU path after this plan's moves, with its policy changes applied. */
  readonly after: ReadonlyMap<string, boolean>;
  /** Declared SMTP identities whose user exists, in manifest order, once each. */
  readonly identities: readonly PlacedSmtpIdentity[];
  /** Declared SMTP identities whose user could not be read or does not exist: their OU is unknown. */
  readonly unplaced: number;
  /** Group-scoped gateway policies before the plan (those whose group could be read). */
  readonly groupsBefore: readonly GroupRule[];
  /** The same after the plan: without the ones it deletes. */
  readonly groupsAfter: readonly GroupRule[];
}

/**
 * A gateway policy bound to a Google group: it applies to the group's members (nested groups included) whose OU
 * lies in `scopePath`, and outranks every OU policy; among several, the highest sortOrder wins (ScubaGoggles #1099).
 */
export interface GroupRule {
  readonly policyName: string;
  readonly groupId: string;
  readonly email: string;
  readonly members: ReadonlySet<string>;
  /** The OU the policy is limited to, after this plan's moves; `/` for the whole customer. */
  readonly scopePath: string;
  readonly allow: boolean;
  readonly sortOrder: number;
}

/** The group rule deciding a user's setting: the highest-ranked one whose group holds the user within its OU. */
export function groupRuleFor(
  rules: readonly GroupRule[],
  userEmail: string,
  orgUnitPath: string,
): GroupRule | undefined {
  let best: GroupRule | undefined;
  for (const rule of rules) {
    if (!rule.members.has(userEmail) || !isWithinOrgUnit(orgUnitPath, rule.scopePath)) continue;
    if (
      !best ||
      rule.sortOrder > best.sortOrder ||
      (rule.sortOrder === best.sortOrder && rule.policyName < best.policyName)
    )
      best = rule;
  }
  return best;
}

/** The group rules the tenant holds (readable groups only; unreadable ones are indeterminate rows). */
function groupRules(ctx: DiffContext, paths: ReadonlyMap<string, string>): GroupRule[] {
  const policies = ctx.input.observed.groupPolicies;
  if (policies?.status !== 'ok') return [];
  const rules: GroupRule[] = [];
  for (const policy of policies.value) {
    const group = ctx.input.observed.groups?.[policy.groupId];
    if (group?.status !== 'ok') continue;
    const scope = policy.orgUnitId !== undefined ? paths.get(stripIdPrefix(policy.orgUnitId)) : undefined;
    rules.push({
      policyName: policy.name,
      groupId: policy.groupId,
      email: group.value.email,
      members: new Set(group.value.members.map(normaliseEmail)),
      scopePath: scope === undefined ? ROOT_PATH : ctx.projectPath(scope),
      allow: policy.allowUsersToUseExternalSmtpServers,
      sortOrder: policy.sortOrder ?? 0,
    });
  }
  return rules.sort((a, b) => (a.policyName < b.policyName ? -1 : a.policyName > b.policyName ? 1 : 0));
}

/** Explicit values keyed case-insensitively, keeping the first spelling seen for each OU. */
class ExplicitValues {
  private readonly byKey = new Map<string, [string, boolean]>();

  public set(path: string, value: boolean): void {
    const key = orgUnitKey(path);
    this.byKey.set(key, [this.byKey.get(key)?.[0] ?? path, value]);
  }

  public delete(path: string): void {
    this.byKey.delete(orgUnitKey(path));
  }

  public toMap(): Map<string, boolean> {
    return new Map([...this.byKey.values()]);
  }
}

/**
 * The gateway state of the plan being built, or undefined when the OU list or the policies could not be read
 * (nothing can be said about the setting then). Call after every policy change has been added.
 */
export function gatewayState(ctx: DiffContext): GatewayState | undefined {
  const paths = ctx.orgUnitPathById;
  if (!ctx.policyByOrgUnitId || !paths) return undefined;
  const before = new ExplicitValues();
  const after = new ExplicitValues();
  for (const [ouId, policy] of ctx.policyByOrgUnitId) {
    const path = paths.get(stripIdPrefix(ouId));
    if (path === undefined) continue;
    before.set(path, policy.allowUsersToUseExternalSmtpServers);
    after.set(ctx.projectPath(path), policy.allowUsersToUseExternalSmtpServers);
  }
  for (const change of ctx.changes.values()) {
    if (change.kind !== 'gatewayPolicy' || change.action === 'forget') continue;
    const value = change.action === 'delete' ? 'inherit' : change.write.allow;
    if (value === 'inherit') after.delete(change.target.orgUnitPath);
    else after.set(change.target.orgUnitPath, value);
  }
  const placements = new Map<string, string>();
  for (const user of ctx.input.manifest.users) {
    if (typeof user?.email !== 'string' || typeof user.orgUnitPath !== 'string') continue;
    const email = normaliseEmail(user.email);
    if (!placements.has(email)) placements.set(email, user.orgUnitPath);
  }
  const identities: PlacedSmtpIdentity[] = [];
  const seen = new Set<string>();
  let unplaced = 0;
  for (const spec of ctx.input.manifest.sendAs) {
    if (!spec?.smtp || typeof spec.userEmail !== 'string' || typeof spec.sendAsEmail !== 'string') continue;
    const user = normaliseEmail(spec.userEmail);
    const subject = sendAsSubject(user, spec.sendAsEmail);
    if (seen.has(subject)) continue;
    seen.add(subject);
    const record = ctx.input.observed.users?.[user];
    // An unknown or missing user is reported elsewhere; its OU is unknown here.
    const path =
      record?.status === 'ok' && record.value ? plannedOrgUnitOf(ctx, user, placements.get(user)) : undefined;
    if (path === undefined) unplaced++;
    else identities.push({ subject, spec, orgUnitPath: path });
  }
  const groupsBefore = groupRules(ctx, paths);
  const groupsAfter = groupsBefore.filter((rule) => !ctx.changes.has(groupPolicyChangeId(rule.policyName)));
  return { before: before.toMap(), after: after.toMap(), identities, unplaced, groupsBefore, groupsAfter };
}
