import type { Manifest } from '../model/manifest';
import type { Change } from './change';
import { stateObjectId } from '../state/object-ids';

/**
 * Stable ids of the objects a manifest declares, shared by the diff (change ids), the drift report and the
 * state's record of what the stack manages. Keys are lower-cased: Google compares paths and addresses
 * case-insensitively.
 */

/** `orgUnit:/sales/partners` (the state key of the OU: a change and its object share one id) */
export function orgUnitChangeId(path: string): string {
  return stateObjectId({ kind: 'orgUnit', path });
}

/** `gatewayPolicy:/sales/partners` */
export function gatewayPolicyChangeId(orgUnitPath: string): string {
  return stateObjectId({ kind: 'gatewayPolicy', orgUnitPath });
}

/** `groupPolicy:policies/…`: a group-scoped gateway policy (never in the state: the code does not declare them). */
export function groupPolicyChangeId(policyName: string): string {
  return `groupPolicy:${policyName}`;
}

/** `userPlacement:user@example.com` */
export function placementChangeId(email: string): string {
  return stateObjectId({ kind: 'userPlacement', email });
}

/** `alias:user@example.com/sales@example.com` */
export function aliasChangeId(userEmail: string, alias: string): string {
  return stateObjectId({ kind: 'alias', userEmail, alias });
}

/** `sendAs:user@example.com/alias@partner.com` */
export function sendAsChangeId(userEmail: string, sendAsEmail: string): string {
  return stateObjectId({ kind: 'sendAs', userEmail, sendAsEmail });
}

/** Change id of the "make this the default From address" step that follows an identity's create. */
export function defaultSwitchChangeId(userEmail: string, sendAsEmail: string): string {
  return `${sendAsChangeId(userEmail, sendAsEmail)}#isDefault`;
}

/** The id of the object a change is about (a default switch is about its identity), from its typed target. */
export function objectIdOf(change: Change): string {
  switch (change.kind) {
    case 'orgUnit':
      return orgUnitChangeId(change.target.path);
    case 'gatewayPolicy':
      return gatewayPolicyChangeId(change.target.orgUnitPath);
    case 'groupPolicy':
      return groupPolicyChangeId(change.target.policyName);
    case 'userPlacement':
      return placementChangeId(change.target.email);
    case 'alias':
      return aliasChangeId(change.target.userEmail, change.target.alias);
    case 'sendAs':
      return sendAsChangeId(change.target.userEmail, change.target.sendAsEmail);
  }
}

/** The reason shown for a declared object that was in place after the last apply and is missing now. */
export const REMOVED_OUTSIDE = 'was in place after the last apply; removed outside the code';

/**
 * Every object the manifest puts in place, sorted: managed OUs, gateway settings (an `inherit` setting is in
 * place when the OU has no explicit policy), user placements and send-as identities. OUs referenced with
 * `fromPath` are not the stack's to put in place.
 */
export function declaredObjectIds(manifest: Manifest): string[] {
  const ids = new Set<string>();
  for (const ou of manifest.orgUnits) if (ou.managed) ids.add(orgUnitChangeId(ou.path));
  for (const policy of manifest.gatewayPolicies) ids.add(gatewayPolicyChangeId(policy.orgUnitPath));
  for (const user of manifest.users) if (user.orgUnitPath !== undefined) ids.add(placementChangeId(user.email));
  for (const identity of manifest.sendAs) ids.add(sendAsChangeId(identity.userEmail, identity.sendAsEmail));
  return [...ids].sort();
}
