/**
 * Policy ranking and the reduction of the Policy API concepts page: of the policies that apply to a user (its
 * own OU or an ancestor; a group it belongs to, directly or through nested groups, within the policy's OU),
 * the one with the greatest sortOrder wins; none applies → the SYSTEM default. Sort orders follow the values
 * ScubaGoggles #1099 observed: 399 for group policies, 201 for the top OU and one more per level below it, and
 * SYSTEM policies at 100 (101 before September 2026, as the concepts page announces); the fractional part is
 * the policy's own rank, unique per policy.
 */
import { GATEWAY_SETTING, type PolicyState, type Store, type UserRow } from './store';

export const GROUP_SORT_BASE = 399;
export const OU_SORT_BASE = 201;
export const SYSTEM_SORT_ORDER = 100.00049;

/** The Google default of settings the emulator knows: "By default, users cannot use an outbound gateway." */
export const SYSTEM_DEFAULTS: Readonly<Record<string, Record<string, unknown>>> = {
  [GATEWAY_SETTING]: { allowUsersToUseExternalSmtpServers: false },
};

export function ouDepth(path: string): number {
  return path === '/' ? 0 : path.split('/').length - 1;
}

/** The sortOrder Google reports for an ADMIN policy of `orgUnitPath` (group policies: any OU). */
export function sortOrder(orgUnitPath: string, groupId: string, rank: number): number {
  const base = groupId === '' ? OU_SORT_BASE + ouDepth(orgUnitPath) : GROUP_SORT_BASE;
  return Math.round((base + rank) * 1e6) / 1e6;
}

/** Why a user has the gateway setting it has. */
export interface EffectiveGateway {
  readonly allow: boolean;
  /** 'group' / 'orgUnit' for an ADMIN policy, 'default' for the SYSTEM default. */
  readonly source: 'group' | 'orgUnit' | 'default';
  /** The winning policy's OU path (OU policies) or group email (group policies). */
  readonly where?: string;
}

/** The user's effective gateway setting as it stood at time `at` (ms). OU and group membership: as now. */
export function effectiveGateway(store: Store, user: UserRow, at: number): EffectiveGateway {
  const ancestors = new Map<string, string>();
  for (let ou = store.ouById(user.orgUnitId); ou; ou = ou.parentId ? store.ouById(ou.parentId) : undefined) {
    ancestors.set(ou.id, ou.path);
  }
  let groups: Set<string> | undefined;
  let best: { order: number; state: PolicyState } | undefined;
  for (const state of store.gatewayPoliciesAt(at)) {
    const path = ancestors.get(state.orgUnitId);
    if (path === undefined) continue;
    if (state.groupId !== '') {
      groups ??= store.groupsOfTransitive(user.email);
      if (!groups.has(state.groupId)) continue;
    }
    const order = sortOrder(path, state.groupId, state.rank);
    if (!best || order > best.order) best = { order, state };
  }
  if (!best) return { allow: false, source: 'default' };
  const { state } = best;
  if (state.groupId === '') return { allow: state.allow, source: 'orgUnit', where: ancestors.get(state.orgUnitId) };
  return { allow: state.allow, source: 'group', where: store.groupById(state.groupId)?.email ?? state.groupId };
}
