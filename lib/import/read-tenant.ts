import type { UserRecord, WorkspaceAdmin } from '../admin/workspace-admin';
import { normaliseEmail, sameEmail } from '../model/email';
import { ErrorCodes, MailPolicyError } from '../model/errors';
import { ROOT_PATH, isWithinOrgUnit, orgUnitKey, parentOrgUnitPath } from '../model/org-unit-path';
import { mapLimited } from '../util/concurrency';
import { importedSendAsOf } from './migration-source';
import { reading } from './private/reading';
import {
  compareOrgUnitPaths,
  compareText,
  type ImportedGatewayPolicy,
  type ImportedOrgUnit,
  type ImportedTenant,
  type ImportedUser,
} from './imported-tenant';

/** How far `readTenant` has got, for a progress bar. */
export interface ReadTenantProgress {
  /** `lists` once the OU, policy and user lists are read; `sendAs` while each user's send-as addresses are read. */
  readonly phase: 'lists' | 'sendAs';
  readonly done: number;
  readonly total: number;
}

/** Options of `readTenant`. */
export interface ReadTenantOptions {
  /**
   * Import only this OU and the OUs below it; the OU itself is referenced, not managed.
   *
   * @default '/' (the whole tenant)
   */
  readonly orgUnit?: string;
  /**
   * Import only these users (primary addresses, any case); each must be in the imported subtree.
   *
   * @default - every user in the subtree
   */
  readonly users?: readonly string[];
  /**
   * Most send-as reads in flight at once.
   * The client underneath applies its own concurrency bound and rate limits.
   *
   * @default 50 (the client's default concurrency)
   */
  readonly concurrency?: number;
  /**
   * Called after each step, for progress display.
   *
   * @default - no progress reports
   */
  readonly onProgress?: (progress: ReadTenantProgress) => void;
}

function stripIdPrefix(id: string): string {
  return id.replace(/^(id:|orgUnits\/)/, '');
}

/**
 * Reads what `mailpolicy import` turns into code, through the `WorkspaceAdmin` client only: the OUs, the
 * explicit gateway settings, the users of the subtree with their aliases (as `users.list` returns them) and each
 * user's non-primary send-as identities. Read-only;
 * send-as reads run concurrently, at most `concurrency` at once. Any read error fails the whole import with
 * MP5000 (a partial import would silently drop objects).
 */
export async function readTenant(admin: WorkspaceAdmin, options: ReadTenantOptions = {}): Promise<ImportedTenant> {
  const requested = options.orgUnit ?? ROOT_PATH;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 50));

  const records = await reading(admin, 'the organisational units', () => admin.listOrgUnits());
  let topPath = ROOT_PATH;
  if (orgUnitKey(requested) !== ROOT_PATH) {
    const found = records.find((r) => orgUnitKey(r.orgUnitPath) === orgUnitKey(requested.replace(/\/+$/, '')));
    if (!found) {
      const known = records
        .map((r) => r.orgUnitPath)
        .filter((p) => p !== ROOT_PATH)
        .sort(compareOrgUnitPaths);
      const sample = known.slice(0, 10).join(', ') + (known.length > 10 ? ', …' : '');
      throw new MailPolicyError(
        ErrorCodes.IMPORT_FAILED,
        `import failed: --org-unit '${requested}' does not exist in ${admin.target.description} (allowed: '/' or an existing OU path${known.length > 0 ? `, such as ${sample}` : ''})`,
        { orgUnit: requested },
      );
    }
    topPath = found.orgUnitPath;
  }

  const orgUnits: ImportedOrgUnit[] = records
    .filter((r) => r.orgUnitPath !== ROOT_PATH && orgUnitKey(r.orgUnitPath) !== orgUnitKey(topPath))
    .filter((r) => isWithinOrgUnit(r.orgUnitPath, topPath))
    .map((r) => {
      const description = r.description === undefined || r.description === '' ? undefined : r.description;
      return {
        path: r.orgUnitPath,
        name: r.name,
        parentPath: r.parentOrgUnitPath ?? parentOrgUnitPath(r.orgUnitPath) ?? ROOT_PATH,
        ...(description !== undefined ? { description } : {}),
      };
    })
    .sort((a, b) => compareOrgUnitPaths(a.path, b.path));

  const policies = await reading(admin, 'the per-user outbound gateway policies', () => admin.listGatewayPolicies());
  const pathById = new Map(records.map((r) => [stripIdPrefix(r.orgUnitId), r.orgUnitPath]));
  const seen = new Set<string>();
  const gatewayPolicies: ImportedGatewayPolicy[] = [];
  for (const policy of policies) {
    const path = pathById.get(stripIdPrefix(policy.orgUnitId));
    if (path === undefined || !isWithinOrgUnit(path, topPath) || seen.has(orgUnitKey(path))) continue;
    seen.add(orgUnitKey(path));
    gatewayPolicies.push({
      orgUnitPath: path,
      allowPerUserOutboundGateways: policy.allowUsersToUseExternalSmtpServers,
    });
  }
  gatewayPolicies.sort((a, b) => compareOrgUnitPaths(a.orgUnitPath, b.orgUnitPath));

  const listed = await reading(admin, `the users of ${topPath}`, () => admin.listUsers(topPath));
  const byEmail = new Map<string, UserRecord>();
  for (const user of listed) {
    if (isWithinOrgUnit(user.orgUnitPath, topPath)) byEmail.set(normaliseEmail(user.primaryEmail), user);
  }
  let selected = [...byEmail.keys()];
  if (options.users) {
    const wanted = [...new Set(options.users.map(normaliseEmail))];
    const missing = wanted.filter((email) => !byEmail.has(email));
    if (missing.length > 0) {
      throw new MailPolicyError(
        ErrorCodes.IMPORT_FAILED,
        `import failed: ${missing.length} user${missing.length === 1 ? '' : 's'} from --users not found in ${topPath} of ${admin.target.description}: ${missing.join(', ')} (allowed: primary addresses of users in the imported OU)`,
        { missing },
      );
    }
    selected = wanted;
  }
  selected.sort(compareText);
  options.onProgress?.({ phase: 'lists', done: 0, total: selected.length });

  let done = 0;
  const users: ImportedUser[] = await mapLimited(selected, concurrency, async (key) => {
    const record = byEmail.get(key) as UserRecord;
    const sendAs = await reading(admin, `the send-as addresses of ${record.primaryEmail}`, () =>
      admin.listSendAs(record.primaryEmail),
    );
    done++;
    options.onProgress?.({ phase: 'sendAs', done, total: selected.length });
    const aliases = [...new Set((record.aliases ?? []).map(normaliseEmail))].sort(compareText);
    return {
      email: record.primaryEmail,
      orgUnitPath: record.orgUnitPath,
      ...(aliases.length > 0 ? { aliases } : {}),
      sendAs: sendAs
        .filter((s) => s.isPrimary !== true && !sameEmail(s.sendAsEmail, record.primaryEmail))
        .map(importedSendAsOf)
        .sort((a, b) => compareText(normaliseEmail(a.sendAsEmail), normaliseEmail(b.sendAsEmail))),
    };
  });

  return { topOrgUnitPath: topPath, orgUnits, gatewayPolicies, users, source: admin.target.description };
}
