/**
 * Every user the code references exists and has a Gmail mailbox (Directory users.get: `isMailboxSetup`,
 * `suspended`, `archived`), read as the admin, a bounded number at a time.
 */
import type { Manifest } from '../model/manifest';
import { ErrorCodes } from '../model/errors';
import { mapLimited } from '../util/concurrency';
import type { DoctorCheck } from './doctor-report';
import { describeFailure, readCallFailure } from './private/google-calls';
import { skipped, type TenantContext } from './tenant-checks';

const SCOPE = 'admin.directory.user.readonly';

/** The users a manifest references, lower-cased, in order of first mention; users with SMTP identities first. */
export function referencedUsers(manifests: readonly Manifest[]): string[] {
  const smtp: string[] = [];
  const other: string[] = [];
  for (const m of manifests) {
    for (const s of m.sendAs) (s.smtp ? smtp : other).push(s.userEmail);
    for (const u of m.users) other.push(u.email);
    for (const o of m.ownership) if (o.kind === 'user') other.push(o.email);
  }
  return [...new Set([...smtp, ...other].map((e) => e.trim().toLowerCase()))];
}

/** The checks, and the users that exist with a mailbox (candidates for the delegation sample). */
export interface UserCheckResult {
  readonly checks: DoctorCheck[];
  readonly usable: readonly string[];
}

export async function checkUsers(
  ctx: TenantContext,
  emails: readonly string[],
  limit: number,
): Promise<UserCheckResult> {
  const id = (email: string): string => `users.user:${email}`;
  if (!ctx.granted.has(`${ctx.admin.toLowerCase()} ${SCOPE}`)) {
    const why = `no token with ${SCOPE} for the admin (see Domain-wide delegation)`;
    return { checks: emails.map((e) => skipped(id(e), 'users', `user ${e}`, why)), usable: [] };
  }
  const directory = ctx.calls.directory(ctx.admin, SCOPE);
  const usable = new Set<string>();
  const checks = await mapLimited(emails, limit, async (email): Promise<DoctorCheck> => {
    const base = { id: id(email), group: 'users' as const, title: `user ${email}` };
    try {
      const { data } = await directory.users.get({ userKey: email });
      const where = data.orgUnitPath ? ` in ${data.orgUnitPath}` : '';
      const primary = (data.primaryEmail ?? email).toLowerCase();
      if (data.isMailboxSetup === false) {
        return {
          ...base,
          status: 'fail',
          detail: `exists${where} but has no Gmail mailbox (isMailboxSetup false): Gmail answers its calls with "Mail service not enabled"`,
          fix: `assign ${email} a licence that includes Gmail (Admin console > Directory > Users > ${email} > Licences) and wait until the mailbox is created`,
          code: ErrorCodes.REQUEST_REFUSED,
        };
      }
      const mailbox = data.isMailboxSetup === true ? 'mailbox set up' : 'mailbox not reported';
      if (primary !== email) {
        return {
          ...base,
          status: 'warn',
          detail: `is an alias of ${primary}${where} (${mailbox}): Gmail settings belong to the primary address`,
          fix: `declare the user by its primary address ${primary}`,
        };
      }
      if (data.suspended || data.archived) {
        const state = data.suspended ? 'suspended' : 'archived';
        return {
          ...base,
          status: 'warn',
          detail: `exists${where} but is ${state} (${mailbox}): Gmail may refuse changes to its settings`,
          fix: `restore the user in the Admin console, or take it out of the code`,
        };
      }
      usable.add(email);
      return { ...base, status: 'ok', detail: `exists${where}, ${mailbox}` };
    } catch (error) {
      const failure = readCallFailure(error);
      if (failure.status === 404) {
        return {
          ...base,
          status: 'fail',
          detail: `does not exist in the Directory (${describeFailure(failure)}); Google refuses tokens for it (invalid_grant)`,
          fix: `create the user (Admin console > Directory > Users > Add new user) or correct the address in the code`,
          code: ErrorCodes.NOT_FOUND,
        };
      }
      return {
        ...base,
        status: 'fail',
        detail: `could not be read (${describeFailure(failure)})`,
        code: ErrorCodes.REQUEST_REFUSED,
      };
    }
  });
  return { checks, usable: emails.filter((e) => usable.has(e)) };
}
