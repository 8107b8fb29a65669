import type { OrgUnitRecord } from '../admin/workspace-admin';
import type { OrgUnitSpec } from '../model/manifest';
import { orgUnitDepth, orgUnitKey, orgUnitSegments, parentOrgUnitPath, ROOT_PATH } from '../model/org-unit-path';
import { orgUnitSubject } from '../model/rules/finding-rule';
import { orgUnitChangeId, REMOVED_OUTSIDE } from './change-ids';
import type { AttributeChange, OrgUnitWriteField } from './change';
import { compareStrings, type DiffContext } from './private/diff-context';
import { unreadReason } from './observed-state';

/** Rule id of the blocking finding for an OU the stack references (`OrgUnit.fromPath`) that does not exist. */
export const LIVE_OU_MISSING = 'MPR-LIVE-OU-MISSING';

function nameOf(spec: OrgUnitSpec): string {
  return typeof spec.name === 'string' && spec.name !== '' ? spec.name : (orgUnitSegments(spec.path).pop() ?? '');
}

function parentOf(spec: OrgUnitSpec): string {
  return typeof spec.parentPath === 'string' && spec.parentPath !== ''
    ? spec.parentPath
    : (parentOrgUnitPath(spec.path) ?? ROOT_PATH);
}

/**
 * OUs: create the absent, update a declared description, rename or move an OU declared with `movedFrom`.
 * Never deletes. Unmanaged OUs must exist. Parents are handled before children (depth order), so a child's
 * create can depend on its parent's create or move.
 */
export function diffOrgUnits(ctx: DiffContext): void {
  const specs = uniqueByPath(ctx.input.manifest.orgUnits);
  const live = ctx.orgUnitsByPath;
  if (!live) {
    const error = unreadReason(ctx.input.observed.orgUnits);
    for (const spec of specs) ctx.addIndeterminate({ kind: 'orgUnit', subject: spec.path, error });
    return;
  }
  // Moves first, so that `projectPath` knows every rename before any child is examined.
  for (const spec of specs) {
    if (spec.managed === false || live.has(orgUnitKey(spec.path)) || !spec.movedFrom) continue;
    const origin = live.get(orgUnitKey(spec.movedFrom));
    if (origin) ctx.moves.set(orgUnitKey(spec.movedFrom), spec.path);
  }
  // Where each live OU will be once this plan's moves are done: an OU under a moved parent moves with it.
  const projected = new Map<string, OrgUnitRecord>();
  if (ctx.moves.size > 0)
    for (const ou of live.values()) {
      const to = orgUnitKey(ctx.projectPath(ou.orgUnitPath));
      // The moved OUs themselves are handled as moves below; this is for what moves along with them.
      if (ctx.moves.has(orgUnitKey(ou.orgUnitPath))) continue;
      if (to !== orgUnitKey(ou.orgUnitPath) && !live.has(to)) projected.set(to, ou);
    }
  for (const spec of specs) {
    const key = orgUnitKey(spec.path);
    const id = orgUnitChangeId(spec.path);
    const current = live.get(key) ?? projected.get(key);
    if (spec.managed === false) {
      if (current) {
        ctx.liveOrgUnitFor.set(key, current);
        ctx.unchanged++;
      } else {
        ctx.findings.push({
          ruleId: LIVE_OU_MISSING,
          level: 'error',
          subject: orgUnitSubject(spec.path),
          message: `The organisational unit ${spec.path} is referenced by the stack but does not exist in the tenant.`,
          fix: `Create ${spec.path} in the Admin console, or declare it as a managed OrgUnit so the stack creates it.`,
          ...(spec.constructPath ? { constructPath: spec.constructPath } : {}),
        });
      }
      continue;
    }
    const parentPath = parentOf(spec);
    const parentChange = ctx.orgUnitChangeId(parentPath);
    const dependsOn = parentChange ? [parentChange] : [];
    if (current) {
      ctx.liveOrgUnitFor.set(key, current);
      const attributes = descriptionChange(spec, current);
      if (attributes.length === 0) ctx.unchanged++;
      else
        ctx.addChange({
          id,
          kind: 'orgUnit',
          action: 'update',
          subject: spec.path,
          attributes,
          dependsOn,
          security: [],
          cause: ctx.causeFor(id, spec),
          target: { path: spec.path, orgUnitId: current.orgUnitId, livePath: current.orgUnitPath },
          desired: spec,
          write: { fields: ['description'] },
        });
      continue;
    }
    const origin = spec.movedFrom ? live.get(orgUnitKey(spec.movedFrom)) : undefined;
    if (origin) {
      ctx.liveOrgUnitFor.set(key, origin);
      const attributes: AttributeChange[] = [];
      const fields: OrgUnitWriteField[] = [];
      if (origin.name !== nameOf(spec)) {
        attributes.push({ name: 'name', before: origin.name, after: nameOf(spec) });
        fields.push('name');
      }
      const originParent = origin.parentOrgUnitPath ?? parentOrgUnitPath(origin.orgUnitPath) ?? ROOT_PATH;
      if (orgUnitKey(ctx.projectPath(originParent)) !== orgUnitKey(parentPath)) {
        attributes.push({ name: 'parentOrgUnitPath', before: originParent, after: parentPath });
        fields.push('parentOrgUnitPath');
      }
      const description = descriptionChange(spec, origin);
      attributes.push(...description);
      if (description.length > 0) fields.push('description');
      // A move whose every field already matches (case-only path differences) still re-states the name.
      if (fields.length === 0) fields.push('name');
      ctx.addChange({
        id,
        kind: 'orgUnit',
        action: 'update',
        subject: spec.path,
        attributes,
        dependsOn,
        security: [],
        cause: 'move',
        reason: `moved in code from ${origin.orgUnitPath}`,
        target: { path: spec.path, orgUnitId: origin.orgUnitId, livePath: origin.orgUnitPath },
        desired: spec,
        write: { fields },
      });
      continue;
    }
    const attributes: AttributeChange[] = [
      { name: 'name', after: nameOf(spec) },
      { name: 'parentOrgUnitPath', after: parentPath },
    ];
    const fields: OrgUnitWriteField[] = ['name', 'parentOrgUnitPath'];
    if (spec.description !== undefined) {
      attributes.push({ name: 'description', after: spec.description });
      fields.push('description');
    }
    const cause = ctx.causeFor(id, spec);
    ctx.addChange({
      id,
      kind: 'orgUnit',
      action: 'create',
      subject: spec.path,
      attributes,
      dependsOn,
      security: [],
      cause,
      ...(cause === 'tenant' ? { reason: REMOVED_OUTSIDE } : {}),
      target: { path: spec.path },
      desired: spec,
      write: { fields },
    });
  }
}

function descriptionChange(spec: OrgUnitSpec, current: OrgUnitRecord): AttributeChange[] {
  if (spec.description === undefined || (current.description ?? '') === spec.description) return [];
  return [{ name: 'description', before: current.description ?? '', after: spec.description }];
}

/** First declaration of each path wins; parents before children, then by path. */
function uniqueByPath(specs: readonly OrgUnitSpec[]): OrgUnitSpec[] {
  const seen = new Map<string, OrgUnitSpec>();
  for (const spec of specs) {
    if (typeof spec?.path !== 'string') continue;
    const key = orgUnitKey(spec.path);
    if (key === ROOT_PATH) continue;
    if (!seen.has(key)) seen.set(key, spec);
  }
  return [...seen.values()].sort(
    (a, b) => orgUnitDepth(a.path) - orgUnitDepth(b.path) || compareStrings(orgUnitKey(a.path), orgUnitKey(b.path)),
  );
}
