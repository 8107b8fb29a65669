/**
 * The tenant as plan and apply will meet it: the admin is a super admin (the Policy API requires one), the Admin
 * SDK, Cloud Identity and Gmail APIs answer, the customer id resolves and the code's domains belong to the
 * customer. Every call reads; none writes.
 */
import { ErrorCodes } from '../model/errors';
import type { DoctorCheck } from './doctor-report';
import { DOCTOR_DOMAIN_SCOPE } from './delegation-checks';
import {
  describeFailure,
  isApiDisabled,
  readCallFailure,
  type CallFailure,
  type DelegatedCalls,
} from './private/google-calls';

/** What the tenant checks share. */
export interface TenantContext {
  readonly calls: DelegatedCalls;
  readonly admin: string;
  /** `${subject lower-case} ${scope}` of the tokens the delegation checks got. */
  readonly granted: ReadonlySet<string>;
  /** The service account's Cloud project, for "enable the API" links. */
  readonly projectId?: string;
}

const SERVICES = {
  directory: { name: 'Admin SDK API', host: 'admin.googleapis.com' },
  policy: { name: 'Cloud Identity API', host: 'cloudidentity.googleapis.com' },
  gmail: { name: 'Gmail API', host: 'gmail.googleapis.com' },
} as const;
type Service = keyof typeof SERVICES;

export function skipped(id: string, group: DoctorCheck['group'], title: string, why: string): DoctorCheck {
  return { id, group, status: 'skipped', title, detail: `not checked: ${why}` };
}

function has(ctx: TenantContext, subject: string, scope: string): boolean {
  return ctx.granted.has(`${subject.toLowerCase()} ${scope}`);
}

function noToken(scope: string): string {
  return `no token with ${scope} (see Domain-wide delegation)`;
}

/** A failed call as a check: disabled APIs, missing admin rights and the rest, each with its fix. */
function failedCall(
  ctx: TenantContext,
  id: string,
  title: string,
  service: Service,
  failure: CallFailure,
  what: string,
): DoctorCheck {
  const said = describeFailure(failure);
  const base = { id, group: 'tenant' as const, status: 'fail' as const, title };
  if (isApiDisabled(failure)) {
    const project = ctx.projectId ? `?project=${encodeURIComponent(ctx.projectId)}` : '';
    return {
      ...base,
      detail: `the ${SERVICES[service].name} is not enabled in the service account's Cloud project (${said})`,
      fix: `enable it: https://console.cloud.google.com/apis/library/${SERVICES[service].host}${project} (and wait a few minutes)`,
      code: ErrorCodes.PERMISSION_DENIED,
    };
  }
  if (failure.status === 403 || failure.status === 401) {
    const role =
      service === 'policy'
        ? 'only a super admin can use the Cloud Identity Policy API'
        : service === 'directory'
          ? `${ctx.admin} lacks the admin rights for this call`
          : 'Gmail refused the impersonated user';
    return {
      ...base,
      detail: `${what} was refused (${said}): ${role}`,
      fix: 'impersonate a super admin: --admin EMAIL or MAILPOLICY_ADMIN',
      code: ErrorCodes.PERMISSION_DENIED,
    };
  }
  return { ...base, detail: `${what} failed (${said})`, code: ErrorCodes.REQUEST_REFUSED };
}

/** The admin's own Directory record: whether it is a super admin and which customer it belongs to. */
export interface AdminFacts {
  readonly customerId?: string;
  readonly superAdmin: boolean;
}

export async function checkAdmin(ctx: TenantContext): Promise<{ check: DoctorCheck; facts?: AdminFacts }> {
  const id = 'tenant.super-admin';
  const title = `admin ${ctx.admin}`;
  const scope = 'admin.directory.user.readonly';
  if (!has(ctx, ctx.admin, scope)) return { check: skipped(id, 'tenant', title, noToken(scope)) };
  try {
    const { data } = await ctx.calls.directory(ctx.admin, scope).users.get({ userKey: ctx.admin });
    const facts = { customerId: data.customerId ?? undefined, superAdmin: data.isAdmin === true };
    if (facts.superAdmin) {
      return {
        check: { id, group: 'tenant', status: 'ok', title, detail: 'is a super admin (Directory isAdmin)' },
        facts,
      };
    }
    return {
      facts,
      check: {
        id,
        group: 'tenant',
        status: 'fail',
        title,
        detail: `is not a super admin (Directory isAdmin false${data.isDelegatedAdmin ? '; a delegated admin' : ''}): the Cloud Identity Policy API answers only a super admin`,
        fix: 'impersonate a super admin (--admin EMAIL or MAILPOLICY_ADMIN), or make this user one in the Admin console (Account > Admin roles > Super Admin)',
        code: ErrorCodes.PERMISSION_DENIED,
      },
    };
  } catch (error) {
    const failure = readCallFailure(error);
    if (failure.status === 403) {
      return {
        check: {
          id,
          group: 'tenant',
          status: 'fail',
          title,
          detail: `is not an admin: the Directory API refused to read its own record (${describeFailure(failure)})`,
          fix: 'impersonate a super admin: --admin EMAIL or MAILPOLICY_ADMIN',
          code: ErrorCodes.PERMISSION_DENIED,
        },
      };
    }
    if (failure.status === 404) {
      return {
        check: {
          id,
          group: 'tenant',
          status: 'fail',
          title,
          detail: `does not exist in the Directory (${describeFailure(failure)})`,
          fix: 'impersonate an existing super admin: --admin EMAIL or MAILPOLICY_ADMIN',
          code: ErrorCodes.NOT_FOUND,
        },
      };
    }
    return { check: failedCall(ctx, id, title, 'directory', failure, 'users.get of the admin') };
  }
}

/** The Directory API answers for the customer id commands use (orgunits.list, as plan reads the OU tree). */
export async function checkDirectoryApi(ctx: TenantContext, customerId: string): Promise<DoctorCheck> {
  const id = 'tenant.api.directory';
  const title = 'Admin SDK Directory API';
  const scope = 'admin.directory.orgunit.readonly';
  if (!has(ctx, ctx.admin, scope)) return skipped(id, 'tenant', title, noToken(scope));
  try {
    const { data } = await ctx.calls
      .directory(ctx.admin, scope)
      .orgunits.list({ customerId, type: 'allIncludingParent' });
    const n = data.organizationUnits?.length ?? 0;
    return { id, group: 'tenant', status: 'ok', title, detail: `answers (orgunits.list for ${customerId}: ${n} OUs)` };
  } catch (error) {
    const failure = readCallFailure(error);
    if (/Invalid Customer Id/i.test(failure.message)) {
      return {
        id,
        group: 'tenant',
        status: 'fail',
        title,
        detail: `does not know customer ${customerId} (${describeFailure(failure)})`,
        fix: 'pass --customer with the id of the admin’s own customer, or my_customer',
        code: ErrorCodes.REQUEST_REFUSED,
      };
    }
    return failedCall(ctx, id, title, 'directory', failure, 'orgunits.list');
  }
}

/** The customer ids of the command line and of the code resolve to the admin's customer. */
export function checkCustomerIds(facts: AdminFacts | undefined, configured: readonly string[]): DoctorCheck[] {
  const ids = [...new Set(configured)];
  return ids.map((customer): DoctorCheck => {
    const id = `tenant.customer:${customer}`;
    const title = `customer ${customer}`;
    if (!facts?.customerId) return skipped(id, 'tenant', title, 'the admin’s own record could not be read');
    if (customer === 'my_customer') {
      return { id, group: 'tenant', status: 'ok', title, detail: `is ${facts.customerId}, the admin’s customer` };
    }
    if (customer.toLowerCase() === facts.customerId.toLowerCase()) {
      return { id, group: 'tenant', status: 'ok', title, detail: 'is the admin’s customer' };
    }
    return {
      id,
      group: 'tenant',
      status: 'fail',
      title,
      detail: `is not the admin’s customer ${facts.customerId}: every call would go to another tenant or be refused`,
      fix: `use customer ${facts.customerId} or my_customer (MailPolicy's customerId, --customer), or impersonate an admin of ${customer}`,
      code: ErrorCodes.REQUEST_REFUSED,
    };
  });
}

/** Every domain of the code is a domain of the customer (domains.list). */
export async function checkDomains(
  ctx: TenantContext,
  customerId: string,
  domains: readonly string[],
): Promise<DoctorCheck[]> {
  const wanted = [...new Set(domains.map((d) => d.toLowerCase()))];
  const idOf = (d: string): string => `tenant.domain:${d}`;
  if (!has(ctx, ctx.admin, DOCTOR_DOMAIN_SCOPE)) {
    return wanted.map((d) => ({
      id: idOf(d),
      group: 'tenant',
      status: 'warn',
      title: `domain ${d}`,
      detail: `not checked: the grant lacks ${DOCTOR_DOMAIN_SCOPE}, which only doctor uses to list the customer's domains`,
      fix: `add ${DOCTOR_DOMAIN_SCOPE} to the grant (see Domain-wide delegation for the page and the list), or check the domain in the Admin console (Account > Domains > Manage domains)`,
    }));
  }
  let listed: Array<{ domainName?: string | null; isPrimary?: boolean | null; verified?: boolean | null }>;
  try {
    const { data } = await ctx.calls.directory(ctx.admin, DOCTOR_DOMAIN_SCOPE).domains.list({ customer: customerId });
    listed = data.domains ?? [];
  } catch (error) {
    const failure = readCallFailure(error);
    return wanted.map((d) => failedCall(ctx, idOf(d), `domain ${d}`, 'directory', failure, 'domains.list'));
  }
  const byName = new Map(listed.map((d) => [(d.domainName ?? '').toLowerCase(), d]));
  const names = listed.map((d) => d.domainName).join(', ') || 'none';
  return wanted.map((d): DoctorCheck => {
    const found = byName.get(d);
    const title = `domain ${d}`;
    if (!found) {
      return {
        id: idOf(d),
        group: 'tenant',
        status: 'fail',
        title,
        detail: `is not a domain of the customer (its domains: ${names}): the code would treat addresses there as the customer's own`,
        fix: 'correct MailPolicy({ domains }) in the code, or add the domain in the Admin console (Account > Domains > Manage domains)',
        code: ErrorCodes.MANIFEST_INVALID,
      };
    }
    const role = found.isPrimary ? 'primary' : 'secondary';
    if (found.verified === false) {
      return {
        id: idOf(d),
        group: 'tenant',
        status: 'warn',
        title,
        detail: `belongs to the customer (${role}) but is not verified: Gmail does not deliver its mail yet`,
        fix: 'finish the domain verification in the Admin console (Account > Domains > Manage domains)',
      };
    }
    return { id: idOf(d), group: 'tenant', status: 'ok', title, detail: `belongs to the customer (${role}, verified)` };
  });
}

/** The Cloud Identity Policy API answers the admin (policies.list of the gateway setting, as plan reads it). */
export async function checkPolicyApi(ctx: TenantContext): Promise<DoctorCheck> {
  const id = 'tenant.api.policy';
  const title = 'Cloud Identity Policy API';
  const scope = 'cloud-identity.policies.readonly';
  if (!has(ctx, ctx.admin, scope)) return skipped(id, 'tenant', title, noToken(scope));
  try {
    const { data } = await ctx.calls.policies(ctx.admin, scope).policies.list({
      filter: "setting.type.matches('^settings/gmail\\\\.per_user_outbound_gateway$')",
      pageSize: 100,
    });
    const n = data.policies?.length ?? 0;
    const more = data.nextPageToken ? '+' : '';
    return {
      id,
      group: 'tenant',
      status: 'ok',
      title,
      detail: `answers (policies.list: ${n}${more} gateway setting polic${n === 1 && !more ? 'y' : 'ies'})`,
    };
  } catch (error) {
    return failedCall(ctx, id, title, 'policy', readCallFailure(error), 'policies.list');
  }
}

/** The Gmail API answers for a user of the code (sendAs.list with the scope plan reads with). */
export async function checkGmailApi(ctx: TenantContext, subject: string, readScope: string): Promise<DoctorCheck> {
  const id = 'tenant.api.gmail';
  const title = 'Gmail API';
  if (!has(ctx, subject, readScope)) return skipped(id, 'tenant', title, noToken(readScope));
  try {
    const { data } = await ctx.calls.gmail(subject, readScope).users.settings.sendAs.list({ userId: subject });
    const n = data.sendAs?.length ?? 0;
    return {
      id,
      group: 'tenant',
      status: 'ok',
      title,
      detail: `answers (sendAs.list for ${subject}: ${n} address${n === 1 ? '' : 'es'})`,
    };
  } catch (error) {
    const failure = readCallFailure(error);
    if (/Mail service not enabled/i.test(failure.message)) {
      return {
        id,
        group: 'tenant',
        status: 'fail',
        title,
        detail: `${subject} has no Gmail mailbox (${describeFailure(failure)})`,
        fix: `assign ${subject} a licence that includes Gmail and wait until the mailbox is created`,
        code: ErrorCodes.REQUEST_REFUSED,
      };
    }
    return failedCall(ctx, id, title, 'gmail', failure, `sendAs.list for ${subject}`);
  }
}
