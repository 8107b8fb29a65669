import type { SendAsRecord } from '../admin/workspace-admin';
import { domainOf } from '../model/email';

/**
 * What `readTenant` read from a live tenant, in the shape the code generator needs: plain data, sorted, with
 * the primary addresses already left out. It never holds a secret (Google never returns SMTP credentials).
 */

/** An OU below the import's top OU. */
export interface ImportedOrgUnit {
  /** Full path, for example `/Sales/Partners`. */
  readonly path: string;
  readonly name: string;
  /** Path of the parent OU (`/` for a top-level OU). */
  readonly parentPath: string;
  /** @default - no description (empty descriptions are left out) */
  readonly description?: string;
}

/** An explicit "Allow per-user outbound gateways" setting of one OU. */
export interface ImportedGatewayPolicy {
  readonly orgUnitPath: string;
  readonly allowPerUserOutboundGateways: boolean;
}

/**
 * A non-primary send-as identity of a user, as Gmail returns it (`SendAsRecord` without the primary flag and the
 * verification status), normalised: empty strings are left out, `isDefault` is only ever `true`, and `smtpMsa`
 * holds host, port and mode only (Gmail never returns the user name or the password).
 */
export type ImportedSendAs = Omit<SendAsRecord, 'isPrimary' | 'verificationStatus'>;

/** A user of the tenant with its OU and its non-primary send-as identities. */
export interface ImportedUser {
  readonly email: string;
  /**
   * The user's OU: the code places the user there.
   *
   * @default - the placement is not managed (the source does not say where the user is)
   */
  readonly orgUnitPath?: string;
  /** Sorted by address; the primary address is never included. */
  readonly sendAs: readonly ImportedSendAs[];
  /**
   * The user's editable Directory aliases (`users.aliases`), lower case. The generated code declares those that
   * back one of the user's in-domain send-as identities.
   *
   * @default - none
   */
  readonly aliases?: readonly string[];
}

export interface ImportedTenant {
  /**
   * The OU the import starts from: `/` for the whole tenant, else the `--org-unit` subtree. It exists and is
   * referenced with `OrgUnit.fromPath`, never managed by the generated code.
   */
  readonly topOrgUnitPath: string;
  /**
   * OUs strictly below the top OU, parents before children. A parent that is not listed (a Terraform state or a GAM
   * export may hold only some OUs) is referenced with `OrgUnit.fromPath`: it exists and is not managed.
   */
  readonly orgUnits: readonly ImportedOrgUnit[];
  /** Explicit gateway settings of the top OU and the OUs below it, sorted by path. */
  readonly gatewayPolicies: readonly ImportedGatewayPolicy[];
  /** Users in the subtree (filtered by `--users`), sorted by address. */
  readonly users: readonly ImportedUser[];
  /** What the import read from, for the generated file's header (no secrets). */
  readonly source?: string;
}

/**
 * The customer's domains as far as the tenant shows them: the domains of the users' primary addresses, the
 * most used first (ties alphabetically). The command line lets `--domain` override this.
 */
export function tenantDomains(tenant: ImportedTenant): string[] {
  const counts = new Map<string, number>();
  for (const user of tenant.users) {
    const domain = domainOf(user.email);
    counts.set(domain, (counts.get(domain) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || compareText(a[0], b[0])).map(([domain]) => domain);
}

/**
 * Orders OU paths parents before children, siblings by name (code-unit order of the lower-cased names, then of
 * the names themselves, so the order never depends on the machine's locale).
 */
export function compareOrgUnitPaths(a: string, b: string): number {
  const sa = a.split('/').filter((s) => s.length > 0);
  const sb = b.split('/').filter((s) => s.length > 0);
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    const c = compareText(sa[i].toLowerCase(), sb[i].toLowerCase()) || compareText(sa[i], sb[i]);
    if (c !== 0) return c;
  }
  return sa.length - sb.length;
}

/** Code-unit order, independent of the locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
