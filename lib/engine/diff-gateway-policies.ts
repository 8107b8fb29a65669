import type { GatewayPolicySpec } from '../model/manifest';
import { orgUnitKey } from '../model/org-unit-path';
import { gatewayPolicyChangeId, REMOVED_OUTSIDE } from './change-ids';
import type { AttributeChange, GatewayPolicyChange, SecurityFlag } from './change';
import { compareStrings, stripIdPrefix, type DiffContext } from './private/diff-context';

/** Where the setting lives in the Admin console, for manual steps. */
export const GATEWAY_CONSOLE_PATH = 'Admin console › Apps › Google Workspace › Gmail › End User Access';
const SETTING_LABEL =
  'Allow users to send mail through an external SMTP server when configuring a "from" address hosted outside your email domains';

/** The exact console steps to set (or clear) the setting on one OU. */
export function gatewayManualSteps(orgUnitPath: string, desired: boolean | 'inherit'): string[] {
  const action =
    desired === 'inherit'
      ? `Next to "Allow per-user outbound gateways", click "Inherit" (remove the setting overridden on this OU)`
      : `Under "Allow per-user outbound gateways", ${desired ? 'tick' : 'untick'} "${SETTING_LABEL}"`;
  return [
    `Open ${GATEWAY_CONSOLE_PATH}.`,
    `In the organisational units list on the left, select ${orgUnitPath}.`,
    `${action}.`,
    'Click Save. Changes can take up to 24 hours to take effect.',
  ];
}

/** The console steps to remove a group's own gateway setting, so its members get their OU's again. */
export function groupManualSteps(groupEmail: string): string[] {
  return [
    `Open ${GATEWAY_CONSOLE_PATH}.`,
    `On the left, open Groups and select ${groupEmail}.`,
    'Next to "Allow per-user outbound gateways", click "Remove" (the group’s override), so its members follow their OU again.',
    'Click Save. Changes can take up to 24 hours to take effect.',
  ];
}

/**
 * Gateway policies: compare the desired value with the OU's explicit policy. Planned as API changes, or as
 * manual steps when the target refuses policy writes. Needs a readable OU list and policy list.
 */
export function diffGatewayPolicies(ctx: DiffContext): void {
  const specs = uniqueByPath(ctx.input.manifest.gatewayPolicies);
  const policies = ctx.policyByOrgUnitId;
  if (!policies) {
    const { orgUnits, gatewayPolicies } = ctx.input.observed;
    const error =
      orgUnits?.status === 'indeterminate'
        ? orgUnits.error
        : gatewayPolicies?.status === 'indeterminate'
          ? gatewayPolicies.error
          : 'not read';
    for (const spec of specs) ctx.addIndeterminate({ kind: 'gatewayPolicy', subject: spec.orgUnitPath, error });
    return;
  }
  const manual = ctx.input.observed.policyWrites === 'manual';
  for (const spec of specs) {
    const key = orgUnitKey(spec.orgUnitPath);
    const id = gatewayPolicyChangeId(spec.orgUnitPath);
    const ou = ctx.liveOrgUnitFor.get(key) ?? ctx.orgUnitsByPath?.get(key);
    const ouChange = ctx.orgUnitChangeId(spec.orgUnitPath);
    if (!ou && !ouChange) continue; // the OU is missing and not planned: a finding says so already.
    const explicit = ou ? policies.get(stripIdPrefix(ou.orgUnitId)) : undefined;
    const desired = spec.allowPerUserOutboundGateways;
    const before = explicit ? explicit.allowUsersToUseExternalSmtpServers : 'inherit';
    if (before === desired) {
      ctx.unchanged++;
      continue;
    }
    const security: SecurityFlag[] = [];
    if (desired === true) security.push('allows-gateway');
    if (desired === 'inherit') security.push('destructive');
    const attributes: AttributeChange[] = [{ name: 'allowPerUserOutboundGateways', before, after: desired }];
    const orgUnitId = ou ? stripIdPrefix(ou.orgUnitId) : undefined;
    const common = {
      id,
      kind: 'gatewayPolicy' as const,
      subject: spec.orgUnitPath,
      attributes,
      dependsOn: ouChange ? [ouChange] : [],
      security,
      desired: spec,
    };
    const target = {
      orgUnitPath: spec.orgUnitPath,
      ...(orgUnitId !== undefined ? { orgUnitId } : {}),
      ...(explicit ? { policyName: explicit.name } : {}),
    };
    // The stack put this setting in place before: the tenant changed it (or removed it) outside the code.
    const cause = ctx.causeFor(id, spec);
    const reason =
      desired === 'inherit'
        ? 'the OU inherits the setting of its parent again'
        : cause === 'tenant' && !explicit
          ? REMOVED_OUTSIDE
          : undefined;
    let change: GatewayPolicyChange;
    if (manual) {
      change = {
        ...common,
        action: 'manual',
        cause,
        ...(reason ? { reason } : {}),
        target,
        write: { allow: desired },
        manualSteps: gatewayManualSteps(spec.orgUnitPath, desired),
      };
    } else if (desired === 'inherit') {
      if (!explicit || orgUnitId === undefined) continue; // nothing explicit to remove
      change = {
        ...common,
        action: 'delete',
        cause,
        reason: 'the OU inherits the setting of its parent again',
        target: { ...target, orgUnitId, policyName: explicit.name },
      };
    } else if (explicit && orgUnitId !== undefined) {
      change = {
        ...common,
        action: 'update',
        cause,
        target: { ...target, orgUnitId, policyName: explicit.name },
        write: { allow: desired },
      };
    } else {
      change = { ...common, action: 'create', cause, ...(reason ? { reason } : {}), target, write: { allow: desired } };
    }
    ctx.addChange(change);
  }
}

function uniqueByPath(specs: readonly GatewayPolicySpec[]): GatewayPolicySpec[] {
  const seen = new Map<string, GatewayPolicySpec>();
  for (const spec of specs) {
    if (typeof spec?.orgUnitPath !== 'string') continue;
    const key = orgUnitKey(spec.orgUnitPath);
    if (!seen.has(key)) seen.set(key, spec);
  }
  return [...seen.entries()].sort((a, b) => compareStrings(a[0], b[0])).map((e) => e[1]);
}
