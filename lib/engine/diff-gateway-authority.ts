import { isWithinOrgUnit, orgUnitKey } from '../model/org-unit-path';
import { orgUnitSubject } from '../model/rules/finding-rule';
import { gatewayPolicyChangeId, groupPolicyChangeId } from './change-ids';
import { gatewayManualSteps, groupManualSteps } from './diff-gateway-policies';
import { compareStrings, stripIdPrefix, type DiffContext } from './private/diff-context';

/** Rule id of the warning for a live policy allowing per-user gateways that the stack does not declare. */
export const LIVE_UNDECLARED_GATEWAY = 'MPR-LIVE-UNDECLARED-GATEWAY';

/**
 * Authority over the gateway setting. Every live explicit policy that allows per-user outbound gateways and is
 * not declared by the stack is a warning in every plan (a reviewer must see that the console, or another stack,
 * lets mail bypass the outbound gateway there). Inside a `gatewayPolicies` ownership scope
 * (`policy.ownGatewayPolicies()` / `ownGatewayPoliciesUnder(ou)`), every undeclared explicit policy, allowing or
 * not, is planned for deletion: the code is the whole truth there, and the OU inherits again.
 */
export function diffGatewayAuthority(ctx: DiffContext): void {
  const policies = ctx.policyByOrgUnitId;
  const paths = ctx.orgUnitPathById;
  if (!policies || !paths) return; // unreadable: the policy rows are indeterminate already.
  const declared = new Set<string>();
  for (const spec of ctx.input.manifest.gatewayPolicies) {
    if (typeof spec?.orgUnitPath !== 'string') continue;
    const key = orgUnitKey(spec.orgUnitPath);
    const ou = ctx.liveOrgUnitFor.get(key) ?? ctx.orgUnitsByPath?.get(key);
    if (ou) declared.add(stripIdPrefix(ou.orgUnitId));
  }
  const scopes = ctx.input.manifest.ownership.flatMap((s) =>
    s?.kind === 'gatewayPolicies' && typeof s.orgUnitPath === 'string' ? [s.orgUnitPath] : [],
  );
  const undeclared = [...policies.entries()]
    .filter(([ouId, policy]) => !declared.has(ouId) && policy.type !== 'SYSTEM' && paths.has(ouId))
    .map(([ouId, policy]) => ({ ouId, policy, livePath: paths.get(ouId) as string }))
    .sort((a, b) => compareStrings(orgUnitKey(a.livePath), orgUnitKey(b.livePath)));
  for (const { ouId, policy, livePath } of undeclared) {
    const path = ctx.projectPath(livePath);
    if (ctx.changes.has(gatewayPolicyChangeId(path))) continue; // removed from code: planned already
    const scope = scopes.find((s) => isWithinOrgUnit(path, s));
    if (policy.allowUsersToUseExternalSmtpServers) {
      ctx.findings.push({
        ruleId: LIVE_UNDECLARED_GATEWAY,
        level: 'warning',
        advisory: true,
        subject: orgUnitSubject(path),
        message:
          `The tenant allows per-user outbound gateways on ${path} (explicit policy ${policy.name}), but this stack does not declare it: ` +
          `mail from users there may bypass the domain's outbound gateway.` +
          (scope ? ` The stack owns the setting under ${scope}, so this plan removes it.` : ''),
        fix: scope
          ? 'Apply this plan to remove it, or declare an OutboundGatewayPolicy for the OU if it is wanted.'
          : `Declare it (OutboundGatewayPolicy on ${path}) if it is wanted, or make the stack authoritative with policy.ownGatewayPolicies() so undeclared allowances are removed.`,
      });
    }
    if (!scope) continue;
    const common = {
      id: gatewayPolicyChangeId(path),
      kind: 'gatewayPolicy' as const,
      subject: path,
      attributes: [
        { name: 'allowPerUserOutboundGateways', before: policy.allowUsersToUseExternalSmtpServers, after: 'inherit' },
      ],
      dependsOn: [],
      security: ['destructive' as const],
      cause: 'scope' as const,
      reason: `not declared, and the stack owns the gateway setting under ${scope}: the OU inherits again`,
    };
    const target = { orgUnitPath: path, orgUnitId: ouId, policyName: policy.name };
    if (ctx.input.observed.policyWrites === 'manual') {
      ctx.addChange({
        ...common,
        action: 'manual',
        target,
        desired: { orgUnitPath: path, allowPerUserOutboundGateways: 'inherit' },
        write: { allow: 'inherit' },
        manualSteps: gatewayManualSteps(path, 'inherit'),
      });
    } else {
      ctx.addChange({ ...common, action: 'delete', target });
    }
  }
}

/** Rule id of the warning for a live group-scoped policy allowing per-user gateways (it outranks OU settings). */
export const LIVE_GROUP_GATEWAY = 'MPR-LIVE-GROUP-GATEWAY';

/**
 * Group-scoped gateway policies: the code never declares them, and they outrank every OU's setting for the
 * group's members — the blind spot a review must not have. Each one that allows per-user gateways is a warning in
 * every plan, naming the group; inside a `gatewayPolicies` ownership scope each one (allowing or not) is planned
 * for deletion, so the members follow their OU's setting again.
 */
export function diffGroupAuthority(ctx: DiffContext): void {
  const policies = ctx.input.observed.groupPolicies;
  if (!policies) return; // an observed state without group reads
  if (policies.status !== 'ok') {
    ctx.addIndeterminate({ kind: 'groupPolicy', subject: 'group-scoped gateway policies', error: policies.error });
    return;
  }
  const scopes = ctx.input.manifest.ownership.flatMap((s) =>
    s?.kind === 'gatewayPolicies' && typeof s.orgUnitPath === 'string' ? [s.orgUnitPath] : [],
  );
  const paths = ctx.orgUnitPathById;
  for (const policy of [...policies.value].sort((a, b) => compareStrings(a.name, b.name))) {
    const group = ctx.observedValue(ctx.input.observed.groups?.[policy.groupId], {
      kind: 'groupPolicy',
      subject: `group ${policy.groupId}`,
    });
    if (!group) continue;
    const email = group.email;
    const livePath = policy.orgUnitId !== undefined ? paths?.get(stripIdPrefix(policy.orgUnitId)) : undefined;
    const scopePath = livePath === undefined ? '/' : ctx.projectPath(livePath);
    const owner = scopes.find((s) => isWithinOrgUnit(scopePath, s));
    const within = scopePath === '/' ? '' : ` within ${scopePath}`;
    if (policy.allowUsersToUseExternalSmtpServers) {
      ctx.findings.push({
        ruleId: LIVE_GROUP_GATEWAY,
        level: 'warning',
        advisory: true,
        subject: `group:${email}`,
        message:
          `The group ${email} allows per-user outbound gateways for its ${group.members.length} member${group.members.length === 1 ? '' : 's'}${within} (policy ${policy.name}), whatever their OU's setting: a group's setting outranks every OU's.` +
          (owner ? ` The stack owns the setting under ${owner}, so this plan removes it.` : ''),
        fix: owner
          ? 'Apply this plan to remove it.'
          : `Remove the group's override in the Admin console if it is not wanted, or make the stack authoritative with policy.ownGatewayPolicies() so group overrides are removed.`,
      });
    }
    if (!owner) continue;
    const common = {
      id: groupPolicyChangeId(policy.name),
      kind: 'groupPolicy' as const,
      subject: `group ${email}`,
      attributes: [
        { name: 'allowPerUserOutboundGateways', before: policy.allowUsersToUseExternalSmtpServers, after: 'inherit' },
      ],
      dependsOn: [],
      security: ['destructive' as const],
      cause: 'scope' as const,
      reason: `a group override the code does not declare, and the stack owns the gateway setting under ${owner}: its members follow their OU again`,
      target: { groupId: policy.groupId, groupEmail: email, policyName: policy.name, orgUnitPath: scopePath },
    };
    if (ctx.input.observed.policyWrites === 'manual')
      ctx.addChange({ ...common, action: 'manual', manualSteps: groupManualSteps(email) });
    else ctx.addChange({ ...common, action: 'delete' });
  }
}
