import { orgUnitIdRef, type OrgUnitRecord } from '../../../admin/workspace-admin';
import type { OrgUnitSpec } from '../../../model/manifest';
import { orgUnitKey } from '../../../model/org-unit-path';
import { unreachable, type OrgUnitChange, type OrgUnitWriteField } from '../../change';
import { isAdminError, retryNotFound, type ChangeOutcome, type RunContext } from './context';

/** Creates, updates (rename, move, description) or deletes one OU. */
export async function executeOrgUnit(ctx: RunContext, change: OrgUnitChange): Promise<ChangeOutcome> {
  switch (change.action) {
    case 'create':
      return createOrgUnit(ctx, change.desired);
    case 'update':
      return updateOrgUnit(ctx, change);
    case 'delete':
      return deleteOrgUnit(ctx, change);
    case 'forget':
      return { status: 'done', note: 'no longer managed; left in the tenant' };
    default:
      return unreachable(change, 'organisational-unit action');
  }
}

/** The OU fields of a write, as the Directory API names them. */
function patchOf(
  spec: OrgUnitSpec,
  fields: readonly OrgUnitWriteField[],
): { name?: string; parentOrgUnitPath?: string; description?: string } {
  const patch: { name?: string; parentOrgUnitPath?: string; description?: string } = {};
  for (const field of fields) {
    switch (field) {
      case 'name':
        patch.name = spec.name;
        break;
      case 'parentOrgUnitPath':
        patch.parentOrgUnitPath = spec.parentPath;
        break;
      case 'description':
        patch.description = spec.description;
        break;
      default:
        unreachable(field, 'organisational-unit field');
    }
  }
  return patch;
}

async function createOrgUnit(ctx: RunContext, spec: OrgUnitSpec): Promise<ChangeOutcome> {
  try {
    // The parent may have been created a moment ago: tolerate a short notFound.
    const created = await retryNotFound(ctx, () =>
      ctx.admin.createOrgUnit({ name: spec.name, parentOrgUnitPath: spec.parentPath, description: spec.description }),
    );
    remember(ctx, created);
    return { status: 'done', learnt: { orgUnitId: created.orgUnitId } };
  } catch (error) {
    if (!isAdminError(error, 'alreadyExists')) throw error;
  }
  // Already there (an earlier, interrupted run made it): converge its description.
  const existing = await findOrgUnit(ctx, spec.path);
  if (!existing) throw new Error(`organisational unit ${spec.path} exists according to Google but is not listed`);
  remember(ctx, existing);
  const learnt = { orgUnitId: existing.orgUnitId };
  if (spec.description !== undefined && (existing.description ?? '') !== spec.description) {
    remember(
      ctx,
      await ctx.slot(() => ctx.admin.updateOrgUnit(existing.orgUnitPath, { description: spec.description })),
    );
    return { status: 'done', note: 'already existed; description updated', learnt };
  }
  return { status: 'done', note: 'already existed', learnt };
}

/**
 * Patches the OU by its id (`id:<orgUnitId>`, which the Directory API accepts in place of a path), so a move of
 * its parent earlier in the same run, or an interrupted run that already moved it, does not lose it.
 */
async function updateOrgUnit(
  ctx: RunContext,
  change: Extract<OrgUnitChange, { action: 'update' }>,
): Promise<ChangeOutcome> {
  const patch = patchOf(change.desired, change.write.fields);
  const byId = orgUnitIdRef(change.target.orgUnitId);
  remember(ctx, await retryNotFound(ctx, () => ctx.admin.updateOrgUnit(byId, patch), 3));
  return { status: 'done' };
}

/** Deletes the OU by id; one already gone counts as done. Google refuses an OU that still has users or children. */
async function deleteOrgUnit(
  ctx: RunContext,
  change: Extract<OrgUnitChange, { action: 'delete' }>,
): Promise<ChangeOutcome> {
  try {
    await ctx.slot(() => ctx.admin.deleteOrgUnit(orgUnitIdRef(change.target.orgUnitId)));
  } catch (error) {
    if (isAdminError(error, 'notFound')) return { status: 'done', note: 'already gone' };
    throw error;
  }
  ctx.orgUnits.delete(orgUnitKey(change.target.path));
  return { status: 'done' };
}

async function findOrgUnit(ctx: RunContext, path: string): Promise<OrgUnitRecord | undefined> {
  const all = await ctx.slot(() => ctx.admin.listOrgUnits());
  return all.find((ou) => orgUnitKey(ou.orgUnitPath) === orgUnitKey(path));
}

function remember(ctx: RunContext, record: OrgUnitRecord): void {
  ctx.orgUnits.set(orgUnitKey(record.orgUnitPath), record);
}
