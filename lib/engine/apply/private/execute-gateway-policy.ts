import { unreachable, type GatewayPolicyChange, type GroupPolicyChange } from '../../change';
import { gatewayManualSteps, groupManualSteps } from '../../diff-gateway-policies';
import { isAdminError, resolveOrgUnitId, retryNotFound, type ChangeOutcome, type RunContext } from './context';

/** Sets, changes or removes the explicit gateway policy of one OU; a refused write becomes a manual step. */
export async function executeGatewayPolicy(ctx: RunContext, change: GatewayPolicyChange): Promise<ChangeOutcome> {
  const { target } = change;
  switch (change.action) {
    case 'manual':
      return { status: 'manual', steps: change.manualSteps };
    case 'create':
    case 'update':
      return refusedAsManual(ctx, target.orgUnitPath, change.write.allow, () =>
        setPolicy(ctx, target.orgUnitPath, change.write.allow, target.orgUnitId, target.policyName),
      );
    case 'delete':
      return refusedAsManual(ctx, change.target.orgUnitPath, 'inherit', () =>
        removePolicy(ctx, change.target.policyName),
      );
    case 'forget':
      return { status: 'done', note: 'no longer managed; left in the tenant' };
    default:
      return unreachable(change, 'gateway-policy action');
  }
}

/** Runs a policy write; where the Policy API refuses writes of this setting, records it and asks a person. */
async function refusedAsManual(
  ctx: RunContext,
  orgUnitPath: string,
  allow: boolean | 'inherit',
  write: () => Promise<ChangeOutcome>,
): Promise<ChangeOutcome> {
  try {
    return await write();
  } catch (error) {
    if (!isAdminError(error, 'policyWriteRefused')) throw error;
    await ctx.state.markPolicyWritesRefused();
    return { status: 'manual', steps: gatewayManualSteps(orgUnitPath, allow) };
  }
}

/**
 * Creates or patches the OU's explicit policy. A create answered "already exists" (another run made it since the
 * plan, or an interrupted one did) reads the policy back and patches it instead.
 */
async function setPolicy(
  ctx: RunContext,
  orgUnitPath: string,
  allow: boolean,
  knownOrgUnitId: string | undefined,
  policyName: string | undefined,
): Promise<ChangeOutcome> {
  const orgUnitId = await resolveOrgUnitId(ctx, orgUnitPath, knownOrgUnitId);
  try {
    const set = await retryNotFound(ctx, () => ctx.admin.setGatewayPolicy(orgUnitId, allow, policyName), 3);
    return { status: 'done', learnt: { orgUnitId, ...(set.name ? { policyName: set.name } : {}) } };
  } catch (error) {
    if (policyName !== undefined || !isAdminError(error, 'alreadyExists')) throw error;
  }
  const existing = (await ctx.slot(() => ctx.admin.listGatewayPolicies())).find(
    (p) => p.orgUnitId === orgUnitId && p.type !== 'SYSTEM',
  );
  if (!existing) throw new Error(`the gateway policy of ${orgUnitPath} exists according to Google but is not listed`);
  const learnt = { orgUnitId, policyName: existing.name };
  if (existing.allowUsersToUseExternalSmtpServers === allow) return { status: 'done', note: 'already existed', learnt };
  await ctx.slot(() => ctx.admin.setGatewayPolicy(orgUnitId, allow, existing.name));
  return { status: 'done', note: 'already existed; converged', learnt };
}

async function removePolicy(ctx: RunContext, policyName: string): Promise<ChangeOutcome> {
  try {
    await ctx.slot(() => ctx.admin.deleteGatewayPolicy(policyName));
  } catch (error) {
    if (isAdminError(error, 'notFound')) return { status: 'done', note: 'already gone' };
    throw error;
  }
  return { status: 'done' };
}

/** Removes a group-scoped gateway policy; where the Policy API refuses, a person does it in the console. */
export async function executeGroupPolicy(ctx: RunContext, change: GroupPolicyChange): Promise<ChangeOutcome> {
  switch (change.action) {
    case 'manual':
      return { status: 'manual', steps: change.manualSteps };
    case 'delete':
      try {
        return await removePolicy(ctx, change.target.policyName);
      } catch (error) {
        if (!isAdminError(error, 'policyWriteRefused')) throw error;
        await ctx.state.markPolicyWritesRefused();
        return { status: 'manual', steps: groupManualSteps(change.target.groupEmail) };
      }
    default:
      return unreachable(change, 'group-policy action');
  }
}

/**
 * Whether the gateway setting of a manual step's OU now has the value the step asks for (a person did it): the
 * explicit policy shows the value, or, for `inherit`, no explicit policy is left.
 */
export async function gatewayPolicyInEffect(
  ctx: RunContext,
  change: Extract<GatewayPolicyChange, { action: 'manual' }>,
): Promise<boolean> {
  const { target } = change;
  const orgUnitId = await resolveOrgUnitId(ctx, target.orgUnitPath, target.orgUnitId);
  const policies = await ctx.slot(() => ctx.admin.listGatewayPolicies());
  const explicit = policies.find((p) => p.orgUnitId === orgUnitId && p.type !== 'SYSTEM');
  if (change.write.allow === 'inherit') return explicit === undefined;
  return explicit !== undefined && explicit.allowUsersToUseExternalSmtpServers === change.write.allow;
}
