import type { OrgUnitRecord } from '../../../admin/workspace-admin';
import type { OrgUnitSpec } from '../../../model/manifest';
import { orgUnitKey } from '../../../model/org-unit-path';
import type { Change } from '../../plan';
import { isAdminError, observedString, retryNotFound, type ChangeOutcome, type RunContext } from './context';

/** Creates, updates (rename, move, description) or deletes one OU. */
export async function executeOrgUnit(ctx: RunContext, change: Change): Promise<ChangeOutcome> {
  switch (change.action) {
    case 'create':
      return createOrgUnit(ctx, desiredOrgUnit(change));
    case 'update':
      return updateOrgUnit(ctx, change, desiredOrgUnit(change));
    case 'delete':
      return deleteOrgUnit(ctx, change);
    case 'replace': {
      await deleteOrgUnit(ctx, change);
      return createOrgUnit(ctx, desiredOrgUnit(change));
    }
    case 'manual':
      return { status: 'manual', steps: change.manualSteps ?? [`Change the organisational unit ${change.subject}.`] };
  }
}

function desiredOrgUnit(change: Change): OrgUnitSpec {
  if (!change.desired || !('path' in change.desired)) {
    throw new Error(`change ${change.id} has no desired organisational unit`);
  }
  return change.desired;
}

async function createOrgUnit(ctx: RunContext, spec: OrgUnitSpec): Promise<ChangeOutcome> {
  try {
    // The parent may have been created a moment ago: tolerate a short notFound.
    const created = await retryNotFound(ctx, () =>
      ctx.admin.createOrgUnit({ name: spec.name, parentOrgUnitPath: spec.parentPath, description: spec.description }),
    );
    remember(ctx, created);
    return { status: 'done' };
  } catch (error) {
    if (!isAdminError(error, 'alreadyExists')) throw error;
  }
  // Already there (an earlier, interrupted run made it): converge its description.
  const existing = await findOrgUnit(ctx, spec.path);
  if (!existing) throw new Error(`organisational unit ${spec.path} exists according to Google but is not listed`);
  remember(ctx, existing);
  if (spec.description !== undefined && (existing.description ?? '') !== spec.description) {
    remember(
      ctx,
      await ctx.slot(() => ctx.admin.updateOrgUnit(existing.orgUnitPath, { description: spec.description })),
    );
    return { status: 'done', note: 'already existed; description updated' };
  }
  return { status: 'done', note: 'already existed' };
}

async function updateOrgUnit(ctx: RunContext, change: Change, spec: OrgUnitSpec): Promise<ChangeOutcome> {
  const currentPath = observedString(change, 'orgUnitPath') ?? spec.movedFrom ?? spec.path;
  const patch = { name: spec.name, parentOrgUnitPath: spec.parentPath, description: spec.description };
  try {
    remember(ctx, await retryNotFound(ctx, () => ctx.admin.updateOrgUnit(currentPath, patch), 3));
    return { status: 'done' };
  } catch (error) {
    if (!isAdminError(error, 'notFound') || orgUnitKey(currentPath) === orgUnitKey(spec.path)) throw error;
  }
  // The OU is no longer at its old path: an interrupted run may have moved it already.
  const moved = await findOrgUnit(ctx, spec.path);
  if (!moved) throw new Error(`organisational unit ${currentPath} was not found, nor at its new path ${spec.path}`);
  remember(ctx, await ctx.slot(() => ctx.admin.updateOrgUnit(moved.orgUnitPath, patch)));
  return { status: 'done', note: 'already moved; converged' };
}

async function deleteOrgUnit(ctx: RunContext, change: Change): Promise<ChangeOutcome> {
  const path = observedString(change, 'orgUnitPath') ?? change.subject;
  try {
    await ctx.slot(() => ctx.admin.deleteOrgUnit(path));
  } catch (error) {
    if (isAdminError(error, 'notFound')) return { status: 'done', note: 'already gone' };
    throw error;
  }
  ctx.orgUnits.delete(orgUnitKey(path));
  return { status: 'done' };
}

async function findOrgUnit(ctx: RunContext, path: string): Promise<OrgUnitRecord | undefined> {
  const all = await ctx.slot(() => ctx.admin.listOrgUnits());
  return all.find((ou) => orgUnitKey(ou.orgUnitPath) === orgUnitKey(path));
}

function remember(ctx: RunContext, record: OrgUnitRecord): void {
  ctx.orgUnits.set(orgUnitKey(record.orgUnitPath), record);
}
