import type { GatewayPolicyRecord, OrgUnitRecord, SendAsRecord, UserRecord } from '../../../lib/admin/workspace-admin';
import { fingerprintCredentials, type DesiredCredentials } from '../../../lib/engine/credentials';
import { credentialEndpoint, identityKey } from '../../../lib/engine/credentials';
import { declaredObjects, recordOf } from '../../../lib/engine/managed-objects';
import {
  emptyStackState,
  type ManagedObject,
  type SendAsCredentials,
  type StackState,
} from '../../../lib/state/stack-state';
import { scopeMembersKey } from '../../../lib/engine/observe';
import type { Observed, ObservedState } from '../../../lib/engine/observed-state';
import { sanitiseSignature } from '../../../lib/emulator/private/sanitise-signature';
import { normaliseEmail } from '../../../lib/model/email';
import type { Manifest } from '../../../lib/model/manifest';
import {
  isWithinOrgUnit,
  orgUnitAncestry,
  orgUnitKey,
  orgUnitSegments,
  parentOrgUnitPath,
} from '../../../lib/model/org-unit-path';
import { fingerprintKeyFrom, type FingerprintKey } from '../../../lib/model/secret-ref';

export const TEST_KEY: FingerprintKey = fingerprintKeyFrom('test-fingerprint-key-0123456789');

export const ok = <T>(value: T): Observed<T> => ({ status: 'ok', value });

/** An environment in which every `env:NAME` reference resolves to `value-of-NAME`. */
export function envFor(manifest: Manifest): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const s of manifest.sendAs) {
    if (!s.smtp) continue;
    for (const ref of [s.smtp.password, s.smtp.username]) {
      if (typeof ref === 'string') continue;
      const m = /^env:(.+)$/.exec(ref.ref);
      if (m) env[m[1]] = `value-of-${m[1]}`;
    }
  }
  return env;
}

/** Credentials as the caller of `diff` computes them for `manifest`. */
export function credentialsFor(manifest: Manifest): DesiredCredentials {
  return fingerprintCredentials(manifest, TEST_KEY, envFor(manifest), '/nonexistent');
}

/**
 * The observed state of a tenant that has converged to `manifest`, and the stack's state: what a successful apply
 * leaves (every declared object recorded, with the fingerprints of the credentials sent). Emails and paths are
 * stored in lower case to exercise case-insensitive comparison.
 */
export function observedFrom(manifest: Manifest): { observed: ObservedState; state: StackState } {
  const paths = new Map<string, string>([['/', '/']]);
  const addPath = (path: string): void => {
    for (const p of orgUnitAncestry(path)) if (!paths.has(orgUnitKey(p))) paths.set(orgUnitKey(p), p.toLowerCase());
  };
  manifest.orgUnits.forEach((o) => addPath(o.path));
  manifest.gatewayPolicies.forEach((p) => addPath(p.orgUnitPath));
  manifest.users.forEach((u) => u.orgUnitPath && addPath(u.orgUnitPath));
  const ids = new Map<string, string>();
  const orgUnits: OrgUnitRecord[] = [...paths.values()].sort().map((path, i) => {
    const id = `ou${i}`;
    ids.set(orgUnitKey(path), id);
    const declared = manifest.orgUnits.find((o) => orgUnitKey(o.path) === orgUnitKey(path));
    return {
      orgUnitId: id,
      orgUnitPath: path,
      name: orgUnitSegments(path).pop() ?? '',
      ...(path === '/' ? {} : { parentOrgUnitPath: parentOrgUnitPath(path) }),
      ...(declared?.description !== undefined ? { description: declared.description } : {}),
    };
  });
  const policies: GatewayPolicyRecord[] = [];
  manifest.gatewayPolicies.forEach((p, i) => {
    if (p.allowPerUserOutboundGateways === 'inherit') return;
    policies.push({
      name: `policies/p${i}`,
      orgUnitId: ids.get(orgUnitKey(p.orgUnitPath)) as string,
      allowUsersToUseExternalSmtpServers: p.allowPerUserOutboundGateways,
    });
  });
  const placement = new Map<string, string>();
  for (const u of manifest.users)
    if (u.orgUnitPath) placement.set(normaliseEmail(u.email), u.orgUnitPath.toLowerCase());
  const userKeys = new Set<string>();
  manifest.users.forEach((u) => userKeys.add(normaliseEmail(u.email)));
  manifest.sendAs.forEach((s) => userKeys.add(normaliseEmail(s.userEmail)));
  manifest.ownership.forEach((s) => s.kind === 'user' && userKeys.add(normaliseEmail(s.email)));
  const users: Record<string, Observed<UserRecord | null>> = {};
  const sendAs: Record<string, Observed<SendAsRecord[]>> = {};
  const identities: Record<string, SendAsCredentials> = {};
  const credentials = credentialsFor(manifest);
  const specsByUser = new Map<string, Manifest['sendAs']>();
  for (const s of manifest.sendAs) {
    const list = specsByUser.get(normaliseEmail(s.userEmail)) ?? [];
    list.push(s);
    specsByUser.set(normaliseEmail(s.userEmail), list);
  }
  for (const user of [...userKeys].sort()) {
    users[user] = ok({ primaryEmail: user, orgUnitPath: placement.get(user) ?? '/' });
    const declared = specsByUser.get(user) ?? [];
    const hasDefault = declared.some((s) => s.isDefault === true);
    const list: SendAsRecord[] = [];
    if (!declared.some((s) => normaliseEmail(s.sendAsEmail) === user))
      list.push({ sendAsEmail: user, isPrimary: true, isDefault: !hasDefault });
    for (const s of declared) {
      list.push({
        sendAsEmail: s.sendAsEmail.toLowerCase(),
        ...(normaliseEmail(s.sendAsEmail) === user ? { isPrimary: true } : {}),
        ...(s.displayName !== undefined ? { displayName: s.displayName } : {}),
        ...(s.replyToAddress !== undefined ? { replyToAddress: s.replyToAddress.toLowerCase() } : {}),
        ...(s.signature !== undefined ? { signature: sanitiseSignature(s.signature) } : {}),
        ...(s.treatAsAlias !== undefined ? { treatAsAlias: s.treatAsAlias } : {}),
        isDefault: s.isDefault === true,
        ...(s.smtp
          ? { smtpMsa: { host: s.smtp.host.toLowerCase(), port: s.smtp.port, securityMode: s.smtp.securityMode } }
          : {}),
      });
      if (s.smtp) {
        const c = credentials[identityKey(s.userEmail, s.sendAsEmail)];
        if (c?.passwordFingerprint && c.usernameFingerprint)
          identities[identityKey(s.userEmail, s.sendAsEmail)] = {
            passwordFingerprint: c.passwordFingerprint,
            usernameFingerprint: c.usernameFingerprint,
            endpoint: credentialEndpoint(s.smtp.host, s.smtp.port, s.smtp.securityMode),
          };
      }
    }
    sendAs[user] = ok(list);
  }
  const scopeMembers: Record<string, Observed<UserRecord[]>> = {};
  for (const scope of manifest.ownership) {
    if (scope.kind !== 'orgUnit') continue;
    const members = [...userKeys]
      .filter((u) => isWithinOrgUnit(placement.get(u) ?? '/', scope.orgUnitPath))
      .map((u) => ({ primaryEmail: u, orgUnitPath: placement.get(u) ?? '/' }));
    scopeMembers[scopeMembersKey(scope.orgUnitPath)] = ok(members);
  }
  return {
    observed: {
      orgUnits: ok(orgUnits),
      gatewayPolicies: ok(policies),
      users,
      sendAs,
      scopeMembers,
      policyWrites: 'api',
    },
    state: stateFrom(manifest, identities),
  };
}

/** The state an apply of `manifest` leaves, with `credentials` (by identity key) recorded on the identities. */
export function stateFrom(manifest: Manifest, credentials: Record<string, SendAsCredentials> = {}): StackState {
  const objects: Record<string, ManagedObject> = {};
  for (const [id, object] of declaredObjects(manifest)) {
    const learnt =
      object.kind === 'sendAs'
        ? { credentials: credentials[identityKey(object.spec.userEmail, object.spec.sendAsEmail)] }
        : {};
    objects[id] = {
      ...recordOf(object, 'created', undefined, learnt),
      updatedAt: '2026-12-01T00:00:00.000Z',
    } as ManagedObject;
  }
  return { ...emptyStackState(stackName(manifest.stack), '00000000-0000-4000-8000-000000000000'), objects };
}

/** A stack name the state accepts (arbitrary test manifests may carry odd ones). */
function stackName(name: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(name) ? name : 'test';
}
