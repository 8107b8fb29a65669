import type { GatewayPolicySpec } from '../../../model/manifest';
import { gatewayManualSteps } from '../../diff-gateway-policies';
import type { Change } from '../../plan';
import {
  isAdminError,
  observedString,
  resolveOrgUnitId,
  retryNotFound,
  type ChangeOutcome,
  type RunContext,
} from './context';

function desiredPolicy(change: Change): GatewayPolicySpec {
  if (!change.desired || !('allowPerUserOutboundGateways' in change.desired)) {
    throw new Error(`change ${change.id} has no desired gateway policy`);
  }
  return change.desired;
}

function policyPath(change: Change): string {
  if (change.desired && 'allowPerUserOutboundGateways' in change.desired) return change.desired.orgUnitPath;
  return observedString(change, 'orgUnitPath') ?? change.subject;
}

/** Sets, changes or removes the explicit gateway policy of one OU; a refused write becomes a manual step. */
export async function executeGatewayPolicy(ctx: RunContext, change: Change): Promise<ChangeOutcome> {
  const path = policyPath(change);
  const allow = change.action === 'delete' ? 'inherit' : desiredPolicy(change).allowPerUserOutboundGateways;
  if (change.action === 'manual') {
    return { status: 'manual', steps: change.manualSteps ?? gatewayManualSteps(path, allow) };
  }
  try {
    if (allow === 'inherit') return await removePolicy(ctx, change, path);
    const orgUnitId = await resolveOrgUnitId(ctx, path, change);
    const existing = observedString(change, 'policyName');
    await retryNotFound(ctx, () => ctx.admin.setGatewayPolicy(orgUnitId, allow, existing), 3);
    return { status: 'done' };
  } catch (error) {
    if (!isAdminError(error, 'policyWriteRefused')) throw error;
    await ctx.ledger.markPolicyWritesRefused();
    return { status: 'manual', steps: gatewayManualSteps(path, allow) };
  }
}

async function removePolicy(ctx: RunContext, change: Change, path: string): Promise<ChangeOutcome> {
  let name = observedString(change, 'policyName');
  if (!name) {
    const orgUnitId = await resolveOrgUnitId(ctx, path, change);
    const policies = await ctx.slot(() => ctx.admin.listGatewayPolicies());
    name = policies.find((p) => p.orgUnitId.replace(/^id:/, '') === orgUnitId && p.type !== 'SYSTEM')?.name;
    if (!name) return { status: 'done', note: 'no explicit policy left' };
  }
  const policyName = name;
  try {
    await ctx.slot(() => ctx.admin.deleteGatewayPolicy(policyName));
  } catch (error) {
    if (isAdminError(error, 'notFound')) return { status: 'done', note: 'already gone' };
    throw error;
  }
  return { status: 'done' };
}

/**
 * Whether the gateway setting of a manual step's OU now has the desired value (a person did the step): the
 * explicit policy shows the value, or, for `inherit`, no explicit policy is left.
 */
export async function gatewayPolicyInEffect(ctx: RunContext, change: Change): Promise<boolean> {
  const path = policyPath(change);
  const allow =
    change.action === 'delete' || !change.desired ? 'inherit' : desiredPolicy(change).allowPerUserOutboundGateways;
  const orgUnitId = await resolveOrgUnitId(ctx, path, change);
  const policies = await ctx.slot(() => ctx.admin.listGatewayPolicies());
  const explicit = policies.find((p) => p.orgUnitId.replace(/^id:/, '') === orgUnitId && p.type !== 'SYSTEM');
  if (allow === 'inherit') return explicit === undefined;
  return explicit !== undefined && explicit.allowUsersToUseExternalSmtpServers === allow;
}
