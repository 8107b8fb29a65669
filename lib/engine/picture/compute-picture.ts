import { effectiveGatewayResolver, type EffectiveGateway } from '../../model/effective-gateway';
import { orgUnitKey, orgUnitSegments, ROOT_PATH } from '../../model/org-unit-path';
import { compareStrings, type DiffContext } from '../private/diff-context';
import type {
  GatewayPicture,
  GatewaySetting,
  GroupNode,
  NodeReason,
  OrgUnitNode,
  OrgUnitStatus,
} from './gateway-picture';
import { groupRuleFor, type GatewayState, type GroupRule } from './gateway-state';

/** A node being collected: its path after the plan (first spelling seen) and why it is in the picture. */
interface Candidate {
  readonly path: string;
  readonly reasons: Set<NodeReason>;
  smtpIdentities: number;
}

/** A live OU: where it is now and where it is after this plan's moves. */
interface LiveOrgUnit {
  readonly livePath: string;
  readonly afterPath: string;
}

const REASON_ORDER: readonly NodeReason[] = [
  'declared-ou',
  'declared-policy',
  'live-allowance',
  'policy-change',
  'smtp-identities',
];

const NORMAL_PATH = /^\/(?:[^/]+(?:\/[^/]+)*)?$/;

/** `/a//b/` → `/a/b`; undefined for something that is not an OU path at all. */
function normalPath(path: unknown): string | undefined {
  if (typeof path !== 'string' || !path.startsWith('/')) return undefined;
  if (NORMAL_PATH.test(path)) return path;
  const segments = orgUnitSegments(path);
  return segments.length === 0 ? ROOT_PATH : `/${segments.join('/')}`;
}

/** The parent of a normal path (`parentOrgUnitPath` without splitting): `/a/b` → `/a`, `/a` → `/`. */
function parentOf(path: string): string | undefined {
  if (path === ROOT_PATH) return undefined;
  const cut = path.lastIndexOf('/');
  return cut === 0 ? ROOT_PATH : path.slice(0, cut);
}

function settingOf(path: string, effective: EffectiveGateway): GatewaySetting {
  if (effective.decidedBy === undefined) return { allowed: false, source: 'default' };
  if (orgUnitKey(effective.decidedBy) === orgUnitKey(path)) return { allowed: effective.allowed, source: 'explicit' };
  return { allowed: effective.allowed, source: 'inherited', from: effective.decidedBy };
}

/**
 * A key that sorts OUs like a file tree (parents before children, siblings by name, case-insensitive): the
 * lower-cased path with `/` made the smallest character.
 */
function treeOrderKey(key: string): string {
  return key.replace(/\//g, '\u0000');
}

/** Live OUs by their key after the plan. */
function liveOrgUnits(ctx: DiffContext): Map<string, LiveOrgUnit> {
  const live = new Map<string, LiveOrgUnit>();
  for (const ou of ctx.orgUnitsByPath?.values() ?? []) {
    const livePath = normalPath(ou.orgUnitPath);
    const afterPath = normalPath(ctx.projectPath(ou.orgUnitPath));
    if (livePath === undefined || afterPath === undefined) continue;
    if (!live.has(orgUnitKey(afterPath))) live.set(orgUnitKey(afterPath), { livePath, afterPath });
  }
  return live;
}

/** The OUs that matter, by key, with their ancestors up to the root. */
function candidatesOf(
  ctx: DiffContext,
  state: GatewayState,
  live: ReadonlyMap<string, LiveOrgUnit>,
): Map<string, Candidate> {
  const candidates = new Map<string, Candidate>();
  const add = (rawPath: unknown, reason?: NodeReason, identities = 0): void => {
    const path = normalPath(rawPath);
    if (path === undefined) return;
    const key = orgUnitKey(path);
    let candidate = candidates.get(key);
    if (!candidate) {
      candidate = { path: live.get(key)?.afterPath ?? path, reasons: new Set(), smtpIdentities: 0 };
      candidates.set(key, candidate);
    }
    if (reason) candidate.reasons.add(reason);
    candidate.smtpIdentities += identities;
  };
  for (const spec of ctx.input.manifest.orgUnits) add(spec?.path, 'declared-ou');
  for (const spec of ctx.input.manifest.gatewayPolicies) add(spec?.orgUnitPath, 'declared-policy');
  for (const [path, allowed] of state.before) if (allowed) add(ctx.projectPath(path), 'live-allowance');
  for (const change of ctx.changes.values())
    if (change.kind === 'gatewayPolicy') add(change.target.orgUnitPath, 'policy-change');
  for (const identity of state.identities) add(identity.orgUnitPath, 'smtp-identities', 1);
  add(ROOT_PATH);
  for (const candidate of [...candidates.values()]) {
    for (let p = parentOf(candidate.path); p !== undefined; p = parentOf(p)) {
      if (candidates.has(orgUnitKey(p))) break;
      add(p);
    }
  }
  return candidates;
}

/**
 * The gateway picture of the plan being built: every OU that matters with its effective per-user gateway
 * setting before and after the plan. Reads the same explicit values and identity placements as the plan-time
 * gateway check (`gatewayState`); pure and deterministic.
 */
export function gatewayPicture(ctx: DiffContext, state: GatewayState): GatewayPicture {
  const live = liveOrgUnits(ctx);
  const created = new Set<string>();
  for (const change of ctx.changes.values())
    if (change.kind === 'orgUnit' && change.action === 'create') created.add(orgUnitKey(change.target.path));
  const candidates = candidatesOf(ctx, state, live);
  const resolveBefore = effectiveGatewayResolver(state.before);
  const resolveAfter = effectiveGatewayResolver(state.after);
  const ordered = [...candidates.entries()]
    .map(([key, c]) => ({ key, c, order: treeOrderKey(key) }))
    .sort((a, b) => compareStrings(a.order, b.order));
  // Each node's setting before the plan, and its path as the tenant has it now (for `from`).
  const beforeByKey = new Map<string, { setting: GatewaySetting; path: string }>();
  const nodes: OrgUnitNode[] = [];
  for (const { key, c: candidate } of ordered) {
    const parent = parentOf(candidate.path);
    const parentKey = parent === undefined ? undefined : orgUnitKey(parent);
    const origin = live.get(key);
    let status: OrgUnitStatus;
    let before: GatewaySetting;
    if (origin) {
      status = orgUnitKey(origin.livePath) === key ? 'live' : 'moved';
      before = settingOf(origin.livePath, resolveBefore(origin.livePath));
    } else {
      status = created.has(key) ? 'new' : 'absent';
      // Not in the tenant yet: what it inherits from its parent as the tenant is now.
      const above = parentKey === undefined ? undefined : beforeByKey.get(parentKey);
      before = !above
        ? { allowed: false, source: 'default' }
        : above.setting.source === 'explicit'
          ? { allowed: above.setting.allowed, source: 'inherited', from: above.path }
          : above.setting;
    }
    beforeByKey.set(key, { setting: before, path: origin?.livePath ?? candidate.path });
    const after = settingOf(candidate.path, resolveAfter(candidate.path));
    nodes.push({
      path: candidate.path,
      name: candidate.path === ROOT_PATH ? ROOT_PATH : candidate.path.slice(candidate.path.lastIndexOf('/') + 1),
      ...(parentKey !== undefined ? { parentPath: candidates.get(parentKey)?.path ?? (parent as string) } : {}),
      status,
      ...(status === 'moved' && origin ? { livePath: origin.livePath } : {}),
      before,
      after,
      changed: before.allowed !== after.allowed,
      reasons: REASON_ORDER.filter((r) => candidate.reasons.has(r)),
      smtpIdentities: candidate.smtpIdentities,
    });
  }
  return { orgUnits: nodes, groups: groupNodes(state), unplacedSmtpIdentities: state.unplaced };
}

/**
 * The groups whose own setting applies to their members ahead of their OU's: every group policy before or after
 * the plan, with the SMTP identities whose user it decides (and the OUs they sit in).
 */
function groupNodes(state: GatewayState): GroupNode[] {
  const byName = new Map<string, { before?: GroupRule; after?: GroupRule }>();
  for (const rule of state.groupsBefore) byName.set(rule.policyName, { before: rule });
  for (const rule of state.groupsAfter) byName.set(rule.policyName, { ...byName.get(rule.policyName), after: rule });
  const setting = (rule: GroupRule | undefined): GatewaySetting =>
    rule ? { allowed: rule.allow, source: 'explicit' } : { allowed: false, source: 'default' };
  const nodes: GroupNode[] = [];
  for (const [name, { before, after }] of [...byName.entries()].sort((a, b) => compareStrings(a[0], b[0]))) {
    const rule = (after ?? before) as GroupRule;
    const rules = after ? state.groupsAfter : state.groupsBefore;
    const relying = state.identities.filter(
      (i) => groupRuleFor(rules, i.spec.userEmail.toLowerCase(), i.orgUnitPath)?.policyName === name,
    );
    nodes.push({
      email: rule.email,
      before: setting(before),
      after: setting(after),
      changed: setting(before).allowed !== setting(after).allowed,
      smtpIdentities: relying.length,
      orgUnits: [...new Set(relying.map((i) => i.orgUnitPath))].sort(compareStrings),
    });
  }
  return nodes;
}
