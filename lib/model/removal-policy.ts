import type { RemovalPolicyValue } from './manifest';

/** The kinds of object a stack can remove from the tenant when they leave the code. */
export type RemovableKind = 'orgUnit' | 'gatewayPolicy' | 'sendAs' | 'alias';

/**
 * The removal policy of an object whose code declares none — the defaults a platform engineer expects:
 *
 * - a send-as identity, an alias and a gateway policy are **destroyed**: deleting the code deletes them (a Git
 *   revert reverts the tenant), and for the gateway setting that is the safe direction (the OU inherits again);
 * - an organisational unit is destroyed when this stack **created** it, and **retained** when it existed before
 *   the stack adopted it: OUs carry users, devices and shared drives the stack knows nothing about, so an OU
 *   someone else made is never deleted just because code stopped mentioning it.
 */
export function defaultRemovalPolicy(kind: RemovableKind, origin: 'created' | 'adopted'): RemovalPolicyValue {
  if (kind === 'orgUnit') return origin === 'created' ? 'destroy' : 'retain';
  return 'destroy';
}

/** The declared removal policy, else the kind's default. */
export function effectiveRemovalPolicy(
  declared: RemovalPolicyValue | undefined,
  kind: RemovableKind,
  origin: 'created' | 'adopted',
): RemovalPolicyValue {
  return declared ?? defaultRemovalPolicy(kind, origin);
}
