import type { GatewayPolicyRecord, OrgUnitRecord, SendAsRecord, UserRecord } from '../../../lib/admin/workspace-admin';
import { fingerprintCredentials, type DesiredCredentials } from '../../../lib/engine/credentials';
import { ledgerKey, type Ledger, type LedgerEntry } from '../../../lib/engine/ledger-types';
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
 * The observed state (and ledger) of a tenant that has converged to `manifest`: what a successful apply leaves.
 * Emails and paths are stored in lower case to exercise case-insensitive comparison.
 */
export function observedFrom(manifest: Manifest): { observed: ObservedState; ledger: Ledger } {
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
  const identities: Record<string, LedgerEntry> = {};
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
        const c = credentials[ledgerKey(s.userEmail, s.sendAsEmail)];
        identities[ledgerKey(s.userEmail, s.sendAsEmail)] = {
          passwordFingerprint: c?.passwordFingerprint ?? '',
          usernameFingerprint: c?.usernameFingerprint ?? '',
          endpoint: `${s.smtp.host}:${s.smtp.port}/${s.smtp.securityMode}`,
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
    ledger: { version: 1, identities },
  };
}
