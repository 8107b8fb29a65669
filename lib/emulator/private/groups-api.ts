/**
 * Admin SDK Directory API, groups (read only): groups list / get, members list / get / hasMember. Groups and
 * their members come from the seed; a member is a user, a group (nested) or an outside address.
 */
import { ok, type CallContext, type Handler } from './call-context';
import { ApiError } from './google-error';
import { checkCustomer, etag } from './orgunits-api';
import type { GroupRow, MemberRow } from './store';

function groupJson(ctx: CallContext, g: GroupRow): Record<string, unknown> {
  const body = {
    kind: 'admin#directory#group',
    id: g.id,
    email: g.email,
    name: g.name,
    directMembersCount: String(ctx.store.memberCount(g.id)),
    description: g.description,
    adminCreated: true,
  };
  return { ...body, etag: etag(body) };
}

function memberJson(m: MemberRow): Record<string, unknown> {
  const body = {
    kind: 'admin#directory#member',
    id: m.id,
    email: m.email,
    role: m.role,
    type: m.type,
    status: 'ACTIVE',
  };
  return { ...body, etag: etag(body) };
}

function findGroup(ctx: CallContext): GroupRow {
  const group = ctx.store.groupByKey(ctx.params.groupKey);
  if (!group) throw new ApiError(404, 'notFound', 'Resource Not Found: groupKey');
  return group;
}

function maxResults(ctx: CallContext, fallback: number, limit: number): number {
  const raw = ctx.query.get('maxResults');
  const max = raw === null ? fallback : Number(raw);
  if (!Number.isInteger(max) || max < 1 || max > limit) {
    throw new ApiError(400, 'invalid', `Invalid value '${raw}'. Values must be within the range: [1, ${limit}]`);
  }
  return max;
}

/** One page of `items` by offset; the token is bound to the request (`bound`). */
function page<T>(ctx: CallContext, items: T[], max: number, bound: string): { items: T[]; next?: string } {
  let offset = 0;
  const token = ctx.query.get('pageToken');
  if (token) {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o: number; b: string };
      if (parsed.b !== bound || !Number.isInteger(parsed.o)) throw new Error('request changed');
      offset = parsed.o;
    } catch {
      throw new ApiError(400, 'invalid', 'Invalid pageToken');
    }
  }
  const next =
    offset + max < items.length
      ? Buffer.from(JSON.stringify({ o: offset + max, b: bound })).toString('base64url')
      : undefined;
  return { items: items.slice(offset, offset + max), next };
}

const groupList: Handler = (ctx) => {
  const customer = ctx.query.get('customer');
  const domain = ctx.query.get('domain')?.toLowerCase();
  const userKey = ctx.query.get('userKey');
  if (!customer && !domain && !userKey) throw new ApiError(400, 'badRequest', 'Bad Request');
  checkCustomer(ctx, customer);
  if (ctx.query.get('query')) {
    throw new ApiError(400, 'invalidInput', 'Invalid Input: the emulator does not support query on groups.list');
  }
  const max = maxResults(ctx, 200, 200);
  const descending = ctx.query.get('sortOrder') === 'DESCENDING';
  let groups = ctx.store.allGroups();
  if (domain) groups = groups.filter((g) => g.email.toLowerCase().endsWith(`@${domain}`));
  if (userKey) {
    const user = ctx.store.userByKey(userKey);
    const email = user?.primaryEmail ?? (userKey.includes('@') ? userKey : undefined);
    if (!email) throw new ApiError(404, 'notFound', 'Resource Not Found: userKey');
    const direct = new Set(ctx.store.groupsWithMember(email));
    groups = groups.filter((g) => direct.has(g.id));
  }
  if (descending) groups.reverse();
  const bound = JSON.stringify([customer, domain, userKey, descending]);
  const result = page(ctx, groups, max, bound);
  const items = result.items.map((g) => groupJson(ctx, g));
  return ok({
    kind: 'admin#directory#groups',
    etag: etag(items.map((i) => i.etag)),
    ...(items.length ? { groups: items } : {}),
    ...(result.next ? { nextPageToken: result.next } : {}),
  });
};

const groupGet: Handler = (ctx) => ok(groupJson(ctx, findGroup(ctx)));

/** Members of `group`; with `derived`, members of nested groups too (each address once). */
function members(ctx: CallContext, group: GroupRow, derived: boolean): MemberRow[] {
  const out = new Map<string, MemberRow>();
  const seen = new Set<string>();
  const visit = (g: GroupRow): void => {
    if (seen.has(g.id)) return;
    seen.add(g.id);
    for (const m of ctx.store.membersOf(g.id)) {
      if (!out.has(m.email.toLowerCase())) out.set(m.email.toLowerCase(), m);
      const nested = m.type === 'GROUP' ? ctx.store.groupById(m.id) : undefined;
      if (derived && nested) visit(nested);
    }
  };
  visit(group);
  return [...out.values()];
}

const memberList: Handler = (ctx) => {
  const group = findGroup(ctx);
  const max = maxResults(ctx, 200, 200);
  const roles = ctx.query.get('roles');
  const wanted = roles ? new Set(roles.split(',').map((r) => r.trim().toUpperCase())) : undefined;
  const derived = ctx.query.get('includeDerivedMembership') === 'true';
  const all = members(ctx, group, derived).filter((m) => !wanted || wanted.has(m.role));
  const result = page(ctx, all, max, JSON.stringify([group.id, roles, derived]));
  const items = result.items.map(memberJson);
  return ok({
    kind: 'admin#directory#members',
    etag: etag(items.map((i) => i.etag)),
    ...(items.length ? { members: items } : {}),
    ...(result.next ? { nextPageToken: result.next } : {}),
  });
};

/** The address a `memberKey` stands for (a user or group by email, alias or id; else the key itself). */
function memberAddress(ctx: CallContext, memberKey: string): { email: string; inDomain: boolean } | undefined {
  const user = ctx.store.userByKey(memberKey);
  if (user) return { email: user.primaryEmail, inDomain: true };
  const group = ctx.store.groupByKey(memberKey);
  if (group) return { email: group.email, inDomain: true };
  return memberKey.includes('@') ? { email: memberKey, inDomain: false } : undefined;
}

const memberGet: Handler = (ctx) => {
  const group = findGroup(ctx);
  const address = memberAddress(ctx, ctx.params.memberKey);
  const m = address && ctx.store.member(group.id, address.email);
  if (!m) throw new ApiError(404, 'notFound', 'Resource Not Found: memberKey');
  return ok(memberJson(m));
};

const hasMember: Handler = (ctx) => {
  const group = findGroup(ctx);
  const address = memberAddress(ctx, ctx.params.memberKey);
  if (!address) throw new ApiError(400, 'invalid', 'Invalid Input: memberKey');
  if (ctx.store.member(group.id, address.email)) return ok({ isMember: true });
  // "Membership can be direct or nested, but if nested, the memberKey and groupKey must be entities in the
  // same domain or an Invalid input error is returned."
  if (!address.inDomain) throw new ApiError(400, 'invalid', 'Invalid Input: memberKey');
  return ok({ isMember: ctx.store.groupsOfTransitive(address.email).has(group.id) });
};

export const GROUP_HANDLERS: Readonly<Record<string, Handler>> = {
  'directory.groups.list': groupList,
  'directory.groups.get': groupGet,
  'directory.members.list': memberList,
  'directory.members.get': memberGet,
  'directory.members.hasMember': hasMember,
};
