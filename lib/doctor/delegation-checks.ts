/**
 * Domain-wide delegation, scope by scope: a token is asked for each scope plan and apply use, on its own, for
 * the admin (Directory and Policy scopes) and for a sample of the code's users (Gmail scopes), the way GAM's
 * `check serviceaccount` does. A refused scope names itself, the Admin-console page of the grant, the client
 * id and the whole scope list to paste there.
 */
import { FAMILY_SCOPES, GMAIL_READ_SCOPES, scopeUrl, type CallFamily, type GmailReadScope } from '../admin/scopes';
import { ErrorCodes } from '../model/errors';
import { mapLimited } from '../util/concurrency';
import type { DoctorCheck } from './doctor-report';
import { describeFailure, readCallFailure, type CallFailure, type DelegatedCalls } from './private/google-calls';

/** Google's help page on domain-wide delegation. */
export const DELEGATION_HELP_URL = 'https://support.google.com/a/answer/162106';

/** Where the grant is edited in the Admin console. */
export const DELEGATION_CONSOLE_PATH =
  'admin.google.com > Security > Access and data control > API controls > Manage Domain Wide Delegation';

/** The scope doctor reads the customer's domains with; not used by plan or apply. */
export const DOCTOR_DOMAIN_SCOPE = 'admin.directory.domain.readonly';

/** One scope the grant must hold, who is impersonated with it, and what uses it. */
export interface ScopeNeed {
  /** Scope name, e.g. `gmail.settings.sharing`. */
  readonly scope: string;
  /** `admin` for Directory and Policy calls, `user` for Gmail calls (each user's own mailbox). */
  readonly subject: 'admin' | 'user';
  readonly usedBy: readonly ('plan' | 'apply' | 'doctor')[];
  /** A refusal is a warning, not a failure (doctor's own scope). */
  readonly optional: boolean;
}

/**
 * Which key is checked: `read` a key for plan, drift and import only (a read-only service account), `write` a key
 * for apply only, `all` one key for everything.
 */
export type KeyAccess = 'read' | 'write' | 'all';

/** Every scope plan and apply ask for (those of `access`), plus doctor's domain scope. */
export function scopeNeeds(gmailRead: GmailReadScope = 'basic', access: KeyAccess = 'all'): ScopeNeed[] {
  const needs = new Map<string, { subject: 'admin' | 'user'; usedBy: Set<'plan' | 'apply' | 'doctor'> }>();
  const add = (scope: string, subject: 'admin' | 'user', use: 'plan' | 'apply' | 'doctor'): void => {
    const entry = needs.get(scope) ?? { subject, usedBy: new Set() };
    entry.usedBy.add(use);
    needs.set(scope, entry);
  };
  for (const family of Object.keys(FAMILY_SCOPES) as CallFamily[]) {
    const subject = family === 'sendAs' ? 'user' : 'admin';
    const read = family === 'sendAs' ? [GMAIL_READ_SCOPES[gmailRead]] : FAMILY_SCOPES[family].read;
    if (access !== 'write') for (const scope of read) add(scope, subject, 'plan');
    if (access !== 'read') for (const scope of FAMILY_SCOPES[family].write) add(scope, subject, 'apply');
  }
  add(DOCTOR_DOMAIN_SCOPE, 'admin', 'doctor');
  return [...needs.entries()]
    .map(([scope, e]) => ({
      scope,
      subject: e.subject,
      usedBy: (['plan', 'apply', 'doctor'] as const).filter((u) => e.usedBy.has(u)),
      optional: e.usedBy.size === 1 && e.usedBy.has('doctor'),
    }))
    .sort((a, b) => (a.subject === b.subject ? a.scope.localeCompare(b.scope) : a.subject === 'admin' ? -1 : 1));
}

/** The scope list to paste into the grant: every scope as a URL, comma-separated, in a stable order. */
export function grantScopeList(needs: readonly ScopeNeed[]): string[] {
  return [...new Set(needs.map((n) => scopeUrl(n.scope)))].sort();
}

/** How to grant scopes to the key's client. */
export function grantFix(clientId: string | undefined): string {
  const client = clientId ? `client ID ${clientId}` : "the service account's client ID";
  return (
    `as a super admin open ${DELEGATION_CONSOLE_PATH} (${DELEGATION_HELP_URL}); edit ${client} (or Add new with it) ` +
    'and put the whole list below into "OAuth scopes" (the console keeps only the list you save); a new grant can take a few minutes to apply'
  );
}

/** Who the tokens are asked for. */
export interface TokenSubjects {
  readonly admin: string;
  /** A sample of the code's users that exist; empty: the admin stands in for the Gmail scopes. */
  readonly users: readonly string[];
}

/** The outcome: one check per (subject, scope), and the tokens that were issued. */
export interface TokenCheckResult {
  readonly checks: DoctorCheck[];
  /** `${subject lower-case} ${scope}` of every issued token. */
  readonly granted: ReadonlySet<string>;
  /** Scopes refused as not granted (`unauthorized_client`), for the report's grant. */
  readonly missing: readonly string[];
}

type Refusal = { detail: string; fix?: string; grant: boolean; code: string };

function refusal(failure: CallFailure, subject: string, clientId: string | undefined): Refusal {
  const said = describeFailure(failure);
  const credentials = ErrorCodes.CREDENTIALS;
  if (failure.network !== undefined) {
    return {
      detail: `the token endpoint could not be reached (${said})`,
      fix: 'check the network path to oauth2.googleapis.com (proxy, firewall)',
      grant: false,
      code: credentials,
    };
  }
  const reason = failure.reason ?? '';
  const message = failure.message;
  if (reason === 'unauthorized_client' || reason === 'access_denied' || reason === 'invalid_scope') {
    return {
      detail: `not in the delegation grant of client ID ${clientId ?? '(unknown)'} (${said})`,
      fix: grantFix(clientId),
      grant: true,
      code: ErrorCodes.PERMISSION_DENIED,
    };
  }
  if (reason === 'invalid_grant' && /Invalid email or User ID|Not a valid email/i.test(message)) {
    return {
      detail: `Google does not know ${subject} (${said})`,
      fix: `impersonate an existing user: check the address (an admin: --admin EMAIL or MAILPOLICY_ADMIN)`,
      grant: false,
      code: credentials,
    };
  }
  if (reason === 'invalid_request' && /sub/i.test(message)) {
    return { detail: `${subject} cannot be impersonated (${said})`, grant: false, code: credentials };
  }
  if (reason === 'invalid_grant') {
    return {
      detail: `the key was refused (${said})`,
      fix: 'the key may be deleted or disabled, or the clock of this machine wrong: check the key in the Cloud console (IAM & Admin > Service accounts > Keys) or create a new one',
      grant: false,
      code: credentials,
    };
  }
  return { detail: `refused (${said})`, grant: false, code: credentials };
}

/** Asks one token per (subject, scope), at most `limit` at a time. */
export async function checkTokens(
  calls: DelegatedCalls,
  needs: readonly ScopeNeed[],
  subjects: TokenSubjects,
  grant: { readonly clientId?: string; readonly scopes: readonly string[] },
  limit: number,
): Promise<TokenCheckResult> {
  const { clientId } = grant;
  const paste = grant.scopes.join(',');
  const pairs: Array<{ subject: string; need: ScopeNeed; standIn: boolean }> = [];
  for (const need of needs) {
    if (need.subject === 'admin') pairs.push({ subject: subjects.admin, need, standIn: false });
    else if (subjects.users.length === 0) pairs.push({ subject: subjects.admin, need, standIn: true });
    else for (const user of subjects.users) pairs.push({ subject: user, need, standIn: false });
  }
  const granted = new Set<string>();
  const missing = new Set<string>();
  const checks = await mapLimited(pairs, limit, async ({ subject, need, standIn }): Promise<DoctorCheck> => {
    const id = `delegation.token:${subject.toLowerCase()}:${need.scope}`;
    const title = `${subject} · ${need.scope}`;
    const use = `used by ${need.usedBy.join(' and ')}${standIn ? '; the code names no user, so the admin stands in' : ''}`;
    try {
      await calls.token(subject, need.scope);
      granted.add(`${subject.toLowerCase()} ${need.scope}`);
      return { id, group: 'delegation', status: 'ok', title, detail: `granted (${use})` };
    } catch (error) {
      const why = refusal(readCallFailure(error), subject, clientId);
      if (why.grant) missing.add(scopeUrl(need.scope));
      return {
        id,
        group: 'delegation',
        status: need.optional ? 'warn' : 'fail',
        title,
        detail: `${why.detail}; ${use}${need.optional ? ' only, so nothing else depends on it' : ''}`,
        ...(why.fix ? { fix: why.fix } : {}),
        ...(why.grant ? { paste } : {}),
        ...(need.optional ? {} : { code: why.code }),
      };
    }
  });
  return { checks, granted, missing: [...missing].sort() };
}
