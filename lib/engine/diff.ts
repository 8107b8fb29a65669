import { effectiveGatewayResolver } from '../model/effective-gateway';
import { isBlockingFinding, type Finding } from '../model/findings';
import { diffAliases } from './diff-aliases';
import { diffGatewayAuthority, diffGroupAuthority } from './diff-gateway-authority';
import { diffGatewayPolicies } from './diff-gateway-policies';
import { diffOrgUnits } from './diff-org-units';
import { diffPlacements } from './diff-placements';
import { diffRemovals } from './diff-removals';
import { diffSendAs } from './diff-send-as';
import { type Change } from './change';
import { gatewayPicture, gatewayState, groupRuleFor, type GatewayState } from './picture';
import { normaliseEmail } from '../model/email';
import { PLAN_FORMAT_VERSION, type Plan, type PlanSummary } from './plan';
import { compareStrings, DiffContext, type DiffInput } from './private/diff-context';
import { orderChanges } from './private/order';

export type { DiffInput } from './private/diff-context';

/** Rule id of the blocking finding for an SMTP identity whose user may not use per-user gateways. */
export const LIVE_GATEWAY_NOT_ALLOWED = 'MPR-LIVE-GATEWAY-NOT-ALLOWED';
/** Rule id of the blocking finding for a read refused for lack of permission. */
export const LIVE_PERMISSION_DENIED = 'MPR-LIVE-PERMISSION-DENIED';

/**
 * Computes the plan: what to change so the tenant matches the manifest. Pure and deterministic: the same input
 * gives a byte-identical `JSON.stringify(plan)`; inputs are never mutated; no clock, environment or I/O.
 */
export function diff(input: DiffInput): Plan {
  const ctx = new DiffContext(input);
  diffOrgUnits(ctx);
  diffGatewayPolicies(ctx);
  diffPlacements(ctx);
  diffAliases(ctx);
  diffRemovals(ctx);
  diffSendAs(ctx);
  diffGatewayAuthority(ctx);
  diffGroupAuthority(ctx);
  const gateways = gatewayState(ctx);
  checkLiveGateways(ctx, gateways);
  reportPermissionErrors(ctx);
  const picture = gateways ? gatewayPicture(ctx, gateways) : undefined;

  const changes = orderChanges(ctx.changes.values());
  const findings: Finding[] = [...(input.findings ?? []), ...ctx.findings.sort(compareFindings)];
  const indeterminate = ctx.indeterminate.sort(
    (a, b) => compareStrings(a.kind, b.kind) || compareStrings(a.subject, b.subject),
  );
  const unmanaged = ctx.unmanaged.sort(
    (a, b) => compareStrings(a.kind, b.kind) || compareStrings(a.subject, b.subject),
  );
  const notes = ctx.notes.sort((a, b) => compareStrings(a.subject, b.subject) || compareStrings(a.message, b.message));
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    stack: typeof input.manifest.stack === 'string' ? input.manifest.stack : '',
    ...(input.stateMissing ? { stateMissing: true as const } : {}),
    target: { kind: input.target.kind, description: input.target.description },
    changes,
    findings,
    indeterminate,
    unmanaged,
    notes,
    ...(ctx.pendingVerification.length > 0
      ? {
          pendingVerification: ctx.pendingVerification.sort(
            (a, b) => compareStrings(a.userEmail, b.userEmail) || compareStrings(a.sendAsEmail, b.sendAsEmail),
          ),
        }
      : {}),
    summary: summarise(changes, findings, indeterminate.length, ctx.unchanged),
    ...(picture ? { picture } : {}),
  };
}

/** Counts per action, unchanged objects, unreadable objects and blocking findings. */
export function summarise(
  changes: readonly Change[],
  findings: readonly Finding[],
  indeterminate: number,
  unchanged: number,
): PlanSummary {
  const count = (action: Change['action']): number => changes.filter((c) => c.action === action).length;
  return {
    create: count('create'),
    update: count('update'),
    delete: count('delete'),
    replace: count('replace'),
    manual: count('manual'),
    forget: count('forget'),
    unchanged,
    indeterminate,
    blockingFindings: findings.filter(isBlockingFinding).length,
  };
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    compareStrings(a.ruleId, b.ruleId) || compareStrings(a.subject, b.subject) || compareStrings(a.message, b.message)
  );
}

/**
 * Every declared identity with SMTP needs per-user gateways allowed for its user's OU once this plan is done:
 * live explicit policies (on OUs projected through this plan's moves) with this plan's policy changes applied,
 * manual ones included.
 */
function checkLiveGateways(ctx: DiffContext, state: GatewayState | undefined): void {
  if (!state) return;
  const resolve = effectiveGatewayResolver(state.after);
  for (const { subject, spec, orgUnitPath: path } of state.identities) {
    // A group's own setting outranks every OU's for its members.
    const group = groupRuleFor(state.groupsAfter, normaliseEmail(spec.userEmail), path);
    const effective = group ? { allowed: group.allow, decidedBy: undefined } : resolve(path);
    if (effective.allowed || !spec.smtp) continue;
    const decided = group
      ? `the setting of its group ${group.email} does not allow it, and outranks the OU's`
      : effective.decidedBy
        ? `the explicit setting on ${effective.decidedBy} does not allow it`
        : 'no OU on its path allows it (Google’s default: not allowed)';
    ctx.findings.push({
      ruleId: LIVE_GATEWAY_NOT_ALLOWED,
      level: 'error',
      subject,
      message: `${spec.sendAsEmail} of ${spec.userEmail} sends through SMTP server ${spec.smtp.host}, but per-user outbound gateways are not allowed for ${path}: ${decided}.`,
      fix: `Allow per-user outbound gateways on ${path} (or an ancestor) with a GatewayPolicy, or place the user in an OU that allows them.`,
      ...(spec.constructPath ? { constructPath: spec.constructPath } : {}),
    });
  }
}

/** A read refused for lack of permission is a blocking finding, so it cannot be missed. */
function reportPermissionErrors(ctx: DiffContext): void {
  const { orgUnits, gatewayPolicies, groupPolicies, groups, users, sendAs, scopeMembers } = ctx.input.observed;
  const all = [
    orgUnits,
    gatewayPolicies,
    groupPolicies,
    ...Object.values(groups ?? {}),
    ...Object.values(users ?? {}),
    ...Object.values(sendAs ?? {}),
    ...Object.values(scopeMembers ?? {}),
  ];
  const messages = new Set<string>();
  for (const read of all) if (read?.status === 'indeterminate' && read.permission) messages.add(read.error);
  for (const message of [...messages].sort(compareStrings)) {
    ctx.findings.push({
      ruleId: LIVE_PERMISSION_DENIED,
      level: 'error',
      subject: `target:${ctx.input.target.kind}`,
      message: `A read was refused: ${message}`,
      fix: 'Grant the service account the missing OAuth scope in the domain-wide delegation, or use an admin with the needed role.',
    });
  }
}
