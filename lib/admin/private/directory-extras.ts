/**
 * The client's calls for group-scoped gateway policies, the groups they name, users' aliases and send-as
 * verification: kept beside `GoogleWorkspaceAdmin`, which delegates to them.
 */
import type { admin_directory_v1 } from '@googleapis/admin';
import type { cloudidentity_v1 } from '@googleapis/cloudidentity';
import type { gmail_v1 } from '@googleapis/gmail';

import { AdminApiError } from '../admin-error';
import type { GroupGatewayPolicyRecord, GroupRecord } from '../workspace-admin';
import type { CallRunner } from './call-runner';
import { gatewayPolicyFilter, toGroup, toGroupGatewayPolicy } from './records';

/** Upper bound of pages followed in one list, against a server that never stops handing out tokens. */
const MAX_PAGES = 10_000;

/** What the calls need of the client. */
export interface ExtrasContext {
  readonly runner: CallRunner;
  readonly directory: admin_directory_v1.Admin;
  readonly mail: gmail_v1.Gmail;
  readonly policiesRead: cloudidentity_v1.Cloudidentity;
  readonly customerId: string;
  readonly adminEmail: string;
}

/** Follows page tokens (not contents: blank pages may carry one), stopping on a repeated token. */
async function allPages<T>(
  page: (token: string | undefined) => Promise<{ items: T[]; next?: string | null }>,
): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const { items, next } = await page(token);
    out.push(...items);
    token = next ?? undefined;
    if (!token || seen.has(token)) break;
    seen.add(token);
  }
  return out;
}

export function listGroupGatewayPolicies(ctx: ExtrasContext): Promise<GroupGatewayPolicyRecord[]> {
  const filter = gatewayPolicyFilter(ctx.customerId);
  return allPages(async (pageToken) => {
    const res = await ctx.runner.run('cloudidentity.policies.list', ctx.adminEmail, (auth) =>
      ctx.policiesRead.policies.list({ auth, filter, pageSize: 100, pageToken }),
    );
    const items = (res.data.policies ?? []).flatMap((p) => {
      const record = toGroupGatewayPolicy(p);
      return record ? [record] : [];
    });
    return { items, next: res.data.nextPageToken };
  });
}

export async function getGroup(ctx: ExtrasContext, groupKey: string): Promise<GroupRecord | undefined> {
  try {
    const res = await ctx.runner.run('directory.groups.get', ctx.adminEmail, (auth) =>
      ctx.directory.groups.get({ auth, groupKey }),
    );
    return toGroup(res.data);
  } catch (error) {
    if (AdminApiError.isAdminApiError(error) && error.kind === 'notFound') return undefined;
    throw error;
  }
}

export async function listGroupMembers(ctx: ExtrasContext, groupKey: string): Promise<string[]> {
  const members = await allPages(async (pageToken) => {
    const res = await ctx.runner.run('directory.members.list', ctx.adminEmail, (auth) =>
      ctx.directory.members.list({ auth, groupKey, includeDerivedMembership: true, maxResults: 200, pageToken }),
    );
    return {
      items: (res.data.members ?? []).flatMap((m) => (m.email ? [m.email.toLowerCase()] : [])),
      next: res.data.nextPageToken,
    };
  });
  return [...new Set(members)].sort();
}

export async function addUserAlias(ctx: ExtrasContext, userEmail: string, alias: string): Promise<void> {
  await ctx.runner.run('directory.users.aliases.insert', ctx.adminEmail, (auth) =>
    ctx.directory.users.aliases.insert({ auth, userKey: userEmail, requestBody: { alias } }),
  );
}

export async function deleteUserAlias(ctx: ExtrasContext, userEmail: string, alias: string): Promise<void> {
  await ctx.runner.run('directory.users.aliases.delete', ctx.adminEmail, (auth) =>
    ctx.directory.users.aliases.delete({ auth, userKey: userEmail, alias }),
  );
}

export async function verifySendAs(ctx: ExtrasContext, userEmail: string, sendAsEmail: string): Promise<void> {
  await ctx.runner.run('gmail.users.settings.sendAs.verify', userEmail, (auth) =>
    ctx.mail.users.settings.sendAs.verify({ auth, userId: userEmail, sendAsEmail }),
  );
}
