import type { OrgUnitRecord, SendAsRecord, UserRecord, WorkspaceAdmin } from '../admin/workspace-admin';
import type { DeclaredObject } from '../engine/managed-objects';
import { normaliseEmail } from '../model/email';
import type { Manifest } from '../model/manifest';
import { orgUnitKey } from '../model/org-unit-path';
import { plainFieldDifferences, smtpEndpointDifferences } from '../model/send-as-fields';
import { mapLimited } from '../util/concurrency';
import { compareOrgUnitPaths, compareText, type ImportedSendAs, type ImportedTenant } from './imported-tenant';
import type { MigrationSource, SourceSendAs } from './migration-source';
import { reading } from './private/reading';

/**
 * A migration checked against the live tenant: what the tenant has of the objects a Terraform state or a GAM
 * export describes, the tenant the generated code is made from (the file's values, with the users' aliases from the
 * tenant), and every difference between the two — reported as a table, never thrown.
 */

/** What the tenant has of the objects a migration source describes. */
export interface LiveSnapshot {
  /** Every OU of the customer. */
  readonly orgUnits: readonly OrgUnitRecord[];
  /** The source's users by lower-case address; `undefined` for a user the tenant does not have. */
  readonly users: ReadonlyMap<string, UserRecord | undefined>;
  /** Every send-as identity of each existing user, by lower-case user address. */
  readonly sendAs: ReadonlyMap<string, readonly SendAsRecord[]>;
}

/**
 * Reads the OUs, the source's users and their send-as identities (read-only, at most `concurrency` user reads in
 * flight). A read error is MP5000: a difference report from a partial read would hide differences.
 */
export async function readLiveFor(
  admin: WorkspaceAdmin,
  source: MigrationSource,
  options: { readonly concurrency?: number } = {},
): Promise<LiveSnapshot> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 50));
  const orgUnits = await reading(admin, 'the organisational units', () => admin.listOrgUnits());
  const emails = [...new Set(source.sendAs.map((s) => normaliseEmail(s.userEmail)))].sort(compareText);
  const users = new Map<string, UserRecord | undefined>();
  const sendAs = new Map<string, readonly SendAsRecord[]>();
  await mapLimited(emails, concurrency, async (email) => {
    const user = await reading(admin, `the user ${email}`, () => admin.getUser(email));
    users.set(email, user);
    if (user)
      sendAs.set(email, await reading(admin, `the send-as addresses of ${email}`, () => admin.listSendAs(email)));
  });
  return { orgUnits, users, sendAs };
}

function liveIdentity(live: LiveSnapshot, userEmail: string, sendAsEmail: string): SendAsRecord | undefined {
  const address = normaliseEmail(sendAsEmail);
  return live.sendAs.get(normaliseEmail(userEmail))?.find((s) => normaliseEmail(s.sendAsEmail) === address);
}

/**
 * An identity as the code declares it: the file's values, except an SMTP mode the file leaves unspecified (the
 * provider's default), taken from the tenant when it has the same endpoint with a mode.
 */
function declaredIdentity(entry: SourceSendAs, live: LiveSnapshot): ImportedSendAs {
  const smtp = entry.sendAs.smtpMsa;
  if (!smtp || smtp.securityMode !== 'securityModeUnspecified') return entry.sendAs;
  const current = liveIdentity(live, entry.userEmail, entry.sendAs.sendAsEmail)?.smtpMsa;
  if (
    current &&
    current.securityMode !== 'securityModeUnspecified' &&
    current.host.trim().toLowerCase() === smtp.host.trim().toLowerCase() &&
    current.port === smtp.port
  ) {
    return { ...entry.sendAs, smtpMsa: { ...smtp, securityMode: current.securityMode } };
  }
  return entry.sendAs;
}

/**
 * The tenant the generated code declares: the source's OUs and identities (the file's values), each user with its
 * aliases as the tenant has them (so the aliases backing in-domain identities are declared). User placements and
 * gateway settings are not part of either source, so the code declares none.
 */
export function tenantFromSource(source: MigrationSource, live: LiveSnapshot): ImportedTenant {
  const byUser = new Map<string, { email: string; sendAs: ImportedSendAs[] }>();
  for (const entry of source.sendAs) {
    const key = normaliseEmail(entry.userEmail);
    const user = byUser.get(key) ?? { email: live.users.get(key)?.primaryEmail ?? entry.userEmail, sendAs: [] };
    user.sendAs.push(declaredIdentity(entry, live));
    byUser.set(key, user);
  }
  const users = [...byUser.entries()]
    .sort((a, b) => compareText(a[0], b[0]))
    .map(([key, user]) => {
      const aliases = [...new Set((live.users.get(key)?.aliases ?? []).map(normaliseEmail))].sort(compareText);
      return {
        email: user.email,
        ...(aliases.length > 0 ? { aliases } : {}),
        sendAs: user.sendAs.sort((a, b) => compareText(normaliseEmail(a.sendAsEmail), normaliseEmail(b.sendAsEmail))),
      };
    });
  return {
    topOrgUnitPath: '/',
    orgUnits: source.orgUnits
      .map((ou) => ({
        path: ou.path,
        name: ou.name,
        parentPath: ou.parentPath,
        ...(ou.description !== undefined ? { description: ou.description } : {}),
      }))
      .sort((a, b) => compareOrgUnitPaths(a.path, b.path)),
    gatewayPolicies: [],
    users,
    source: source.description,
  };
}

/** One difference between what the file (and so the code) says and what the tenant has. */
export interface SourceDifference {
  /** The OU path or `user → address`. */
  readonly subject: string;
  /** Where the file describes it. */
  readonly address?: string;
  /** The field (a Gmail or Directory name), or `(object)` for the object as a whole. */
  readonly field: string;
  /** The file's value, for display (never a secret: the source holds none). */
  readonly source: string;
  /** The tenant's value, for display. */
  readonly tenant: string;
  /** What the first plan and apply will do about it. */
  readonly consequence: string;
}

const MAX_VALUE = 40;

/** A value for the table: one line, quoted strings, long ones cut. */
export function displayValue(value: unknown): string {
  if (value === undefined || value === null) return '(none)';
  if (typeof value !== 'string') return String(value);
  const oneLine = value.replace(/\r?\n/g, '⏎');
  const cut = oneLine.length > MAX_VALUE ? `${oneLine.slice(0, MAX_VALUE - 1)}…` : oneLine;
  return `'${cut}'`;
}

const stripId = (id: string): string => id.replace(/^(id:|orgUnits\/)/, '');

/**
 * Every difference between the code generated from `source` (its `manifest`) and the live tenant, in file order:
 * objects the tenant lacks (not adopted: the first apply creates them), values that differ (the first plan changes
 * the tenant back, as a change made outside the code), OUs re-created outside the old tool, and identities the
 * tenant has for the source's users that the source does not list (left unmanaged).
 */
export function compareWithTenant(source: MigrationSource, manifest: Manifest, live: LiveSnapshot): SourceDifference[] {
  const out: SourceDifference[] = [];
  const label = source.label;
  const changesBack = `the first plan changes the tenant to the ${label}'s value`;
  const ouByPath = new Map(live.orgUnits.map((ou) => [orgUnitKey(ou.orgUnitPath), ou]));
  const ouById = new Map(live.orgUnits.map((ou) => [stripId(ou.orgUnitId), ou]));
  const sourceOu = new Map(source.orgUnits.map((ou) => [orgUnitKey(ou.path), ou]));

  for (const spec of manifest.orgUnits) {
    if (!spec.managed) continue;
    const from = sourceOu.get(orgUnitKey(spec.path));
    const row = (field: string, s: unknown, t: unknown, consequence: string) =>
      out.push({
        subject: spec.path,
        address: from?.address,
        field,
        source: String(s),
        tenant: String(t),
        consequence,
      });
    const ou = ouByPath.get(orgUnitKey(spec.path));
    if (!ou) {
      const moved = from?.orgUnitId ? ouById.get(from.orgUnitId) : undefined;
      if (moved) {
        row(
          'orgUnitPath',
          spec.path,
          moved.orgUnitPath,
          `the OU was moved or renamed outside the ${label}: not adopted; the first apply creates ${spec.path} (change the code to ${moved.orgUnitPath} to keep the OU)`,
        );
      } else {
        row('(object)', 'present', '(missing)', 'not adopted: the first apply creates it');
      }
      continue;
    }
    if (ou.name !== spec.name) row('name', displayValue(spec.name), displayValue(ou.name), changesBack);
    if (spec.description !== undefined && (ou.description ?? '') !== spec.description) {
      row('description', displayValue(spec.description), displayValue(ou.description ?? ''), changesBack);
    }
    if (from?.orgUnitId && stripId(ou.orgUnitId) !== from.orgUnitId) {
      row(
        'orgUnitId',
        from.orgUnitId,
        stripId(ou.orgUnitId),
        `the OU at this path is not the one the ${label} knew (deleted and re-created outside it): the one in the tenant is adopted`,
      );
    }
  }

  const sourceIdentity = new Map(
    source.sendAs.map((s) => [`${normaliseEmail(s.userEmail)}/${normaliseEmail(s.sendAs.sendAsEmail)}`, s]),
  );
  for (const spec of manifest.sendAs) {
    const key = `${normaliseEmail(spec.userEmail)}/${normaliseEmail(spec.sendAsEmail)}`;
    const from = sourceIdentity.get(key);
    const subject = `${spec.userEmail} → ${spec.sendAsEmail}`;
    const row = (field: string, s: unknown, t: unknown, consequence: string) =>
      out.push({ subject, address: from?.address, field, source: String(s), tenant: String(t), consequence });
    const user = live.users.get(normaliseEmail(spec.userEmail));
    if (!user) {
      row(
        'user',
        spec.userEmail,
        '(no such user)',
        'not adopted: the plan reports the missing user; remove the identity from the code or create the user',
      );
      continue;
    }
    const identity = liveIdentity(live, spec.userEmail, spec.sendAsEmail);
    if (!identity) {
      row('(object)', 'present', '(missing)', 'not adopted: the first apply creates it');
      continue;
    }
    for (const d of plainFieldDifferences(spec, identity))
      row(d.name, displayValue(d.after), displayValue(d.before), changesBack);
    if (spec.smtp) {
      for (const d of smtpEndpointDifferences(spec.smtp, identity.smtpMsa)) {
        row(d.name, displayValue(d.after), displayValue(d.before), changesBack);
      }
    } else if (identity.smtpMsa) {
      row(
        'smtp.host',
        '(none)',
        displayValue(identity.smtpMsa.host),
        'the first apply replaces the identity without its SMTP endpoint (Gmail cannot remove one): add the endpoint to the code to keep it',
      );
    }
    if (
      from?.verificationStatus &&
      identity.verificationStatus &&
      from.verificationStatus !== identity.verificationStatus
    ) {
      row(
        'verificationStatus',
        from.verificationStatus,
        identity.verificationStatus,
        'for information: identities pending verification are listed in every plan',
      );
    }
  }

  for (const [email, identities] of [...live.sendAs.entries()].sort((a, b) => compareText(a[0], b[0]))) {
    for (const identity of identities) {
      const key = `${email}/${normaliseEmail(identity.sendAsEmail)}`;
      if (identity.isPrimary || normaliseEmail(identity.sendAsEmail) === email || sourceIdentity.has(key)) continue;
      out.push({
        subject: `${email} → ${identity.sendAsEmail}`,
        field: '(object)',
        source: '(missing)',
        tenant: 'present',
        consequence: `not in the ${label}: left alone (plans list it as unmanaged)`,
      });
    }
  }
  return out;
}

/** Whether a declared object exists in the tenant, so the import can adopt it. */
export function presentIn(live: LiveSnapshot): (object: DeclaredObject) => boolean {
  const paths = new Set(live.orgUnits.map((ou) => orgUnitKey(ou.orgUnitPath)));
  return (object) => {
    switch (object.kind) {
      case 'orgUnit':
        return paths.has(orgUnitKey(object.spec.path));
      case 'sendAs':
        return liveIdentity(live, object.spec.userEmail, object.spec.sendAsEmail) !== undefined;
      case 'alias': {
        const user = live.users.get(normaliseEmail(object.spec.userEmail));
        return (user?.aliases ?? []).map(normaliseEmail).includes(normaliseEmail(object.spec.alias));
      }
      default:
        return true;
    }
  };
}
