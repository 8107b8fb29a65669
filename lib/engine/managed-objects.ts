import { createHash } from 'node:crypto';

import type { GatewayPolicySpec, Manifest, OrgUnitSpec, SendAsSpec, UserSpec } from '../model/manifest';
import { effectiveRemovalPolicy } from '../model/removal-policy';
import type { ManagedObject, ObjectOrigin, SendAsCredentials } from '../state/stack-state';
import type { ManagedObjectInput } from '../state/state-store';
import { canonicalJson } from './saved-plan';
import type { AliasSpec } from './change';
import { aliasChangeId, gatewayPolicyChangeId, orgUnitChangeId, placementChangeId, sendAsChangeId } from './change-ids';
import { normaliseEmail } from '../model/email';

/**
 * The bridge between what the code declares and what the stack's state records: the declared objects with their
 * state keys, the digest of each object's spec (so the diff can tell a change of the code from a change of the
 * tenant), and the state record apply writes once an object is in place.
 */

/** A declared object the stack puts in place, with its spec. */
export type DeclaredObject =
  | { readonly kind: 'orgUnit'; readonly id: string; readonly spec: OrgUnitSpec }
  | { readonly kind: 'gatewayPolicy'; readonly id: string; readonly spec: GatewayPolicySpec }
  | { readonly kind: 'userPlacement'; readonly id: string; readonly spec: UserSpec & { orgUnitPath: string } }
  | { readonly kind: 'alias'; readonly id: string; readonly spec: AliasSpec }
  | { readonly kind: 'sendAs'; readonly id: string; readonly spec: SendAsSpec };

/** Facts apply learnt while putting an object in place (ids Google assigned, credentials it sent). */
export interface Learnt {
  readonly orgUnitId?: string;
  readonly policyName?: string;
  /** Fingerprints of the credentials just sent; absent when the write sent none (the recorded ones stay). */
  readonly credentials?: SendAsCredentials;
}

/**
 * `sha256:<hex>` of a spec as the tenant sees it: the construct path (where the code declares it) is left out,
 * so moving code around is not a change; so are secret fingerprints (see `withoutFingerprints`).
 */
export function specDigest(spec: object): string {
  const { constructPath: _where, ...rest } = spec as { readonly constructPath?: string };
  return `sha256:${createHash('sha256')
    .update(canonicalJson(withoutFingerprints(rest)), 'utf8')
    .digest('hex')}`;
}

/**
 * The spec without secret fingerprints: they say which secret value synth saw (absent when synth ran without
 * the secrets, as in CI), not what was declared, and rotations are compared through the state's own
 * fingerprints. So the digest of one declaration is the same wherever it was synthesised.
 */
function withoutFingerprints(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutFingerprints);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const isSecretRef = entries.some(([key, v]) => key === 'ref' && typeof v === 'string');
  return Object.fromEntries(
    entries.filter(([key]) => !(isSecretRef && key === 'fingerprint')).map(([key, v]) => [key, withoutFingerprints(v)]),
  );
}

/**
 * Every object the manifest puts in place, by state key (first declaration wins): managed OUs, gateway settings
 * (an `inherit` setting too: the stack then manages the OU having no explicit policy), user placements and
 * send-as identities. OUs referenced with `fromPath` are not the stack's.
 */
export function declaredObjects(manifest: Manifest): Map<string, DeclaredObject> {
  const out = new Map<string, DeclaredObject>();
  const add = (object: DeclaredObject): void => {
    if (!out.has(object.id)) out.set(object.id, object);
  };
  for (const spec of manifest.orgUnits)
    if (spec.managed) add({ kind: 'orgUnit', id: orgUnitChangeId(spec.path), spec });
  for (const spec of manifest.gatewayPolicies)
    add({ kind: 'gatewayPolicy', id: gatewayPolicyChangeId(spec.orgUnitPath), spec });
  for (const spec of manifest.users) {
    const orgUnitPath = spec.orgUnitPath;
    if (orgUnitPath !== undefined) {
      const { aliases: _aliases, aliasRemovalPolicy: _policy, ...placement } = spec;
      add({ kind: 'userPlacement', id: placementChangeId(spec.email), spec: { ...placement, orgUnitPath } });
    }
    for (const alias of spec.aliases ?? []) {
      const userEmail = normaliseEmail(spec.email);
      const aliasSpec: AliasSpec = {
        userEmail,
        alias: normaliseEmail(alias),
        ...(spec.aliasRemovalPolicy !== undefined ? { removalPolicy: spec.aliasRemovalPolicy } : {}),
      };
      add({ kind: 'alias', id: aliasChangeId(userEmail, alias), spec: aliasSpec });
    }
  }
  for (const spec of manifest.sendAs)
    add({ kind: 'sendAs', id: sendAsChangeId(spec.userEmail, spec.sendAsEmail), spec });
  return out;
}

/**
 * The state record of a declared object now in place. The origin is kept from an earlier record (an object the
 * stack created stays `created`); otherwise `origin` applies. The removal policy is the declared one, else the
 * kind's default for that origin.
 */
export function recordOf(
  object: DeclaredObject,
  origin: ObjectOrigin,
  previous: ManagedObject | undefined,
  learnt: Learnt = {},
): ManagedObjectInput {
  const kept = previous?.kind === object.kind ? previous : undefined;
  const from: ObjectOrigin = kept?.origin ?? origin;
  const base = { origin: from, appliedDigest: specDigest(object.spec) };
  switch (object.kind) {
    case 'orgUnit': {
      const orgUnitId = learnt.orgUnitId ?? (kept?.kind === 'orgUnit' ? kept.orgUnitId : undefined);
      return {
        kind: 'orgUnit',
        path: object.spec.path,
        ...(orgUnitId ? { orgUnitId } : {}),
        removalPolicy: effectiveRemovalPolicy(object.spec.removalPolicy, 'orgUnit', from),
        ...base,
      };
    }
    case 'gatewayPolicy': {
      const previousPolicy = kept?.kind === 'gatewayPolicy' ? kept : undefined;
      const orgUnitId = learnt.orgUnitId ?? previousPolicy?.orgUnitId;
      const explicit = object.spec.allowPerUserOutboundGateways !== 'inherit';
      const policyName = explicit ? (learnt.policyName ?? previousPolicy?.policyName) : undefined;
      return {
        kind: 'gatewayPolicy',
        orgUnitPath: object.spec.orgUnitPath,
        ...(orgUnitId ? { orgUnitId } : {}),
        ...(policyName ? { policyName } : {}),
        removalPolicy: effectiveRemovalPolicy(object.spec.removalPolicy, 'gatewayPolicy', from),
        ...base,
      };
    }
    case 'userPlacement':
      return {
        kind: 'userPlacement',
        email: object.spec.email,
        orgUnitPath: object.spec.orgUnitPath,
        removalPolicy: 'retain',
        ...base,
      };
    case 'alias':
      return {
        kind: 'alias',
        userEmail: object.spec.userEmail,
        alias: object.spec.alias,
        removalPolicy: effectiveRemovalPolicy(object.spec.removalPolicy, 'alias', from),
        ...base,
      };
    case 'sendAs':
      return {
        kind: 'sendAs',
        userEmail: object.spec.userEmail,
        sendAsEmail: object.spec.sendAsEmail,
        // Credentials just sent replace the recorded ones; an identity without SMTP has none to keep.
        ...(learnt.credentials
          ? { credentials: learnt.credentials }
          : object.spec.smtp
            ? {}
            : { credentials: undefined }),
        removalPolicy: effectiveRemovalPolicy(object.spec.removalPolicy, 'sendAs', from),
        ...base,
      };
  }
}
