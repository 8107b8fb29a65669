import type { Change } from '../../change';
import { isWithinOrgUnit } from '../../../model/org-unit-path';
import { stateObjectId } from '../../../state/object-ids';
import { objectIdOf } from '../../change-ids';
import { recordOf, type DeclaredObject, type Learnt } from '../../managed-objects';
import type { RunContext } from './context';

/**
 * The declared object a finished change put in place, or undefined when the change took an object away (a
 * delete or forget of an object removed from code or undeclared inside an exclusive scope).
 */
function declaredOf(change: Change): DeclaredObject | undefined {
  if (change.cause === 'removed' || change.cause === 'scope') return undefined;
  const id = objectIdOf(change);
  switch (change.kind) {
    case 'orgUnit':
      return change.action === 'create' || change.action === 'update'
        ? { kind: 'orgUnit', id, spec: change.desired }
        : undefined;
    case 'gatewayPolicy':
      // A delete whose code says `inherit` puts the declared setting (no explicit policy) in place.
      return change.action === 'forget' || !change.desired
        ? undefined
        : { kind: 'gatewayPolicy', id, spec: change.desired };
    case 'userPlacement':
      return change.action === 'update'
        ? { kind: 'userPlacement', id, spec: { ...change.desired, orgUnitPath: change.write.orgUnitPath } }
        : undefined;
    case 'alias':
      return change.action === 'create' ? { kind: 'alias', id, spec: change.desired } : undefined;
    case 'sendAs':
      return change.action === 'delete' || change.action === 'forget'
        ? undefined
        : { kind: 'sendAs', id, spec: change.desired };
  }
}

/** The ids a change's target already holds, for the record. */
function knownIds(change: Change): Learnt {
  if (change.kind === 'orgUnit' && 'orgUnitId' in change.target) return { orgUnitId: change.target.orgUnitId };
  if (change.kind === 'gatewayPolicy') {
    const { orgUnitId, policyName } = change.target;
    return { ...(orgUnitId ? { orgUnitId } : {}), ...(policyName && change.action !== 'delete' ? { policyName } : {}) };
  }
  return {};
}

/**
 * After an OU moved (or was renamed), the state's records of it and of everything below it (OUs, their gateway
 * policies) are keyed by their new paths, keeping their origin: the objects are the same, only their paths changed.
 */
async function rekeyMovedSubtree(ctx: RunContext, from: string, to: string): Promise<void> {
  const moved = (path: string): string | undefined =>
    isWithinOrgUnit(path, from) ? `${to}${path.slice(from.length)}` : undefined;
  for (const [id, object] of Object.entries(ctx.state.state.objects)) {
    const path =
      object.kind === 'orgUnit' ? object.path : object.kind === 'gatewayPolicy' ? object.orgUnitPath : undefined;
    const next = path === undefined ? undefined : moved(path);
    if (next === undefined) continue;
    const record =
      object.kind === 'orgUnit'
        ? { ...object, path: next }
        : object.kind === 'gatewayPolicy'
          ? { ...object, orgUnitPath: next }
          : undefined;
    if (!record) continue;
    const nextId = stateObjectId(record);
    if (nextId === id) continue;
    await ctx.state.recordObject(nextId, record);
    await ctx.state.forgetObject(id);
  }
}

/**
 * Records in the stack's state what a finished change did: the object it put in place (created by this change,
 * or adopted), with the ids and credential fingerprints learnt on the way; or forgets the object it took away.
 */
export async function recordOutcome(ctx: RunContext, change: Change, learnt: Learnt = {}): Promise<void> {
  if (change.kind === 'orgUnit' && change.action === 'update' && change.cause === 'move') {
    await rekeyMovedSubtree(ctx, change.target.livePath, change.target.path);
  }
  const id = objectIdOf(change);
  const declared = declaredOf(change);
  if (!declared) {
    await ctx.state.forgetObject(id);
    return;
  }
  const origin = change.action === 'create' ? 'created' : 'adopted';
  await ctx.state.recordObject(
    id,
    recordOf(declared, origin, ctx.state.object(id), { ...knownIds(change), ...learnt }),
  );
}
