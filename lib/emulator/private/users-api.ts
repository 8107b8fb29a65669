/**
 * Admin SDK Directory API: users get / list / patch / update (orgUnitPath only) and users.aliases list /
 * insert / delete. `userKey` is a primary email, an alias or the user id.
 */
import { bodyObject, noContent, ok, optionalField, type CallContext, type Handler } from './call-context';
import { ApiError } from './google-error';
import { checkCustomer, etag } from './orgunits-api';
import type { UserRow } from './store';

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function userJson(ctx: CallContext, u: UserRow): Record<string, unknown> {
  const aliases = ctx.store.aliasesOf(u.email);
  const editable = aliases.filter((a) => a.editable).map((a) => a.alias);
  const fixed = aliases.filter((a) => !a.editable).map((a) => a.alias);
  const body = {
    kind: 'admin#directory#user',
    id: u.id,
    primaryEmail: u.primaryEmail,
    isAdmin: u.isAdmin,
    isDelegatedAdmin: false,
    suspended: u.suspended,
    archived: u.archived,
    isMailboxSetup: u.isMailboxSetup,
    orgUnitPath: u.orgUnitPath,
    customerId: ctx.store.customerId(),
    ...(editable.length ? { aliases: editable } : {}),
    ...(fixed.length ? { nonEditableAliases: fixed } : {}),
  };
  return { ...body, etag: etag(body) };
}

function findUser(ctx: CallContext): UserRow {
  const user = ctx.store.userByKey(ctx.params.userKey);
  if (!user) throw new ApiError(404, 'notFound', 'Resource Not Found: userKey');
  return user;
}

/** The `query` of users.list as a predicate; `orgUnitPath` also narrows the scan. */
interface UserQuery {
  ouPath: string;
  /** Exact address (primary or alias) when `email=` was given: one lookup, no scan. */
  exact?: string;
  tests: ((u: UserRow) => boolean)[];
}

const CLAUSE = /\s*([A-Za-z.]+)\s*(=|:)\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s'"]+)\s*/y;
const SUPPORTED = 'orgUnitPath=, isAdmin=, isSuspended=, isArchived=, email=, email: and email:PREFIX*';

function parseQuery(ctx: CallContext, query: string): UserQuery {
  const out: UserQuery = { ouPath: '/', tests: [] };
  const addresses = (u: UserRow): string[] => [
    u.email,
    ...ctx.store.aliasesOf(u.email).map((a) => a.alias.toLowerCase()),
  ];
  let at = 0;
  while (at < query.length) {
    CLAUSE.lastIndex = at;
    const m = CLAUSE.exec(query);
    if (!m) throw new ApiError(400, 'invalidInput', `Invalid Input: ${query}`);
    at = CLAUSE.lastIndex;
    const [, field, op, raw] = m;
    const value = /^['"]/.test(raw) ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    const bool = value === 'true' || value === 'false' ? value === 'true' : undefined;
    if (field === 'orgUnitPath' && op === '=') out.ouPath = value.startsWith('/') ? value : `/${value}`;
    else if (field === 'isAdmin' && op === '=' && bool !== undefined) out.tests.push((u) => u.isAdmin === bool);
    else if (field === 'isSuspended' && op === '=' && bool !== undefined) out.tests.push((u) => u.suspended === bool);
    else if (field === 'isArchived' && op === '=' && bool !== undefined) out.tests.push((u) => u.archived === bool);
    else if (field === 'email' && op === ':' && value.endsWith('*')) {
      const prefix = value.slice(0, -1).toLowerCase();
      out.tests.push((u) => addresses(u).some((a) => a.startsWith(prefix)));
    } else if (field === 'email') {
      const address = value.toLowerCase();
      out.exact ??= address;
      out.tests.push((u) => addresses(u).includes(address));
    } else {
      throw new ApiError(400, 'invalidInput', `Invalid Input: ${query} (the emulator supports ${SUPPORTED})`);
    }
  }
  return out;
}

function inSubtree(path: string, base: string): boolean {
  const p = path.toLowerCase();
  const b = base.toLowerCase();
  return b === '/' || p === b || p.startsWith(`${b}/`);
}

function choice(ctx: CallContext, name: string, allowed: readonly string[], fallback: string): string {
  const value = ctx.query.get(name) ?? fallback;
  if (!allowed.includes(value)) {
    throw new ApiError(400, 'invalidParameter', `Invalid value '${value}' for ${name} (${allowed.join(', ')})`, {
      location: name,
      locationType: 'parameter',
    });
  }
  return value;
}

const userList: Handler = (ctx) => {
  const customer = ctx.query.get('customer');
  const domain = ctx.query.get('domain');
  if (!customer && !domain) throw new ApiError(400, 'badRequest', 'Bad Request');
  checkCustomer(ctx, customer);
  if (domain && !ctx.store.domains().includes(domain.toLowerCase()))
    throw new ApiError(403, 'forbidden', 'Not Authorized to access this resource/api');
  const maxRaw = ctx.query.get('maxResults');
  const max = maxRaw === null ? 100 : Number(maxRaw);
  if (!Number.isInteger(max) || max < 1 || max > 500) {
    throw new ApiError(400, 'invalid', `Invalid value '${maxRaw}'. Values must be within the range: [1, 500]`);
  }
  choice(ctx, 'orderBy', ['email', 'familyName', 'givenName'], 'email');
  const descending = choice(ctx, 'sortOrder', ['ASCENDING', 'DESCENDING'], 'ASCENDING') === 'DESCENDING';
  const queryText = ctx.query.get('query') ?? '';
  const q = parseQuery(ctx, queryText);
  const bound = `${queryText}\u0000${descending ? 'D' : 'A'}`;
  let cursor = '';
  const token = ctx.query.get('pageToken');
  if (token) {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { a: string; q: string };
      if (parsed.q !== bound || typeof parsed.a !== 'string') throw new Error('query changed');
      cursor = parsed.a;
    } catch {
      throw new ApiError(400, 'invalid', 'Invalid pageToken');
    }
  }
  const matches = (u: UserRow): boolean => inSubtree(u.orgUnitPath, q.ouPath) && q.tests.every((t) => t(u));
  const users: UserRow[] = [];
  if (q.exact !== undefined) {
    const u = ctx.store.userByKey(q.exact);
    const past = (email: string): boolean => (descending ? cursor === '' || email < cursor : email > cursor);
    if (u && matches(u) && past(u.email)) users.push(u);
  } else {
    for (;;) {
      const batch = ctx.store.usersInSubtree(q.ouPath, cursor, max + 1, descending);
      for (const u of batch) if (matches(u)) users.push(u);
      if (batch.length < max + 1 || users.length > max) break;
      cursor = batch[batch.length - 1].email;
    }
  }
  const more = users.length > max;
  users.length = Math.min(users.length, max);
  const items = users.map((u) => userJson(ctx, u));
  const next = more
    ? Buffer.from(JSON.stringify({ a: users[users.length - 1].email, q: bound })).toString('base64url')
    : undefined;
  return ok({
    kind: 'admin#directory#users',
    etag: etag(items.map((i) => i.etag)),
    ...(items.length ? { users: items } : {}),
    ...(next ? { nextPageToken: next } : {}),
  });
};

const userGet: Handler = (ctx) => ok(userJson(ctx, findUser(ctx)));

const userModify: Handler = (ctx) => {
  const user = findUser(ctx);
  const body = bodyObject(ctx);
  const path = optionalField(body, 'orgUnitPath', 'string');
  if (path !== undefined) {
    const ou = ctx.store.ouByPath(path.startsWith('/') ? path : `/${path}`);
    if (!ou) throw new ApiError(400, 'invalid', 'Invalid Input: INVALID_OU_ID');
    ctx.store.transaction(() => ctx.store.setUserOu(user.email, ou.id));
  }
  return ok(userJson(ctx, ctx.store.userByEmail(user.email)!));
};

// ---- users.aliases ----

function aliasJson(user: UserRow, alias: string): Record<string, unknown> {
  const body = { kind: 'admin#directory#alias', id: user.id, primaryEmail: user.primaryEmail, alias };
  return { ...body, etag: etag(body) };
}

const aliasList: Handler = (ctx) => {
  const user = findUser(ctx);
  const items = ctx.store
    .aliasesOf(user.email)
    .filter((a) => a.editable)
    .map((a) => aliasJson(user, a.alias));
  return ok({ kind: 'admin#directory#aliases', etag: etag(items), ...(items.length ? { aliases: items } : {}) });
};

const aliasInsert: Handler = (ctx) => {
  const user = findUser(ctx);
  const alias = optionalField(bodyObject(ctx), 'alias', 'string')?.trim();
  if (!alias || !EMAIL.test(alias)) {
    throw new ApiError(400, 'invalid', `Invalid Input: alias ${JSON.stringify(alias ?? null)} is not an email address`);
  }
  const domain = alias.slice(alias.lastIndexOf('@') + 1).toLowerCase();
  if (!ctx.store.domains().includes(domain)) {
    throw new ApiError(400, 'invalid', `Invalid Input: alias ${alias} is not in a domain of this customer`);
  }
  ctx.store.transaction(() => {
    if (ctx.store.addressOwner(alias)) throw new ApiError(409, 'duplicate', 'Entity already exists.');
    ctx.store.insertAlias(user.email, alias, true);
  });
  return ok(aliasJson(user, alias));
};

const aliasDelete: Handler = (ctx) => {
  const user = findUser(ctx);
  const found = ctx.store.aliasGet(ctx.params.alias);
  if (!found || !found.editable || found.userEmail !== user.email) {
    throw new ApiError(404, 'notFound', 'Resource Not Found: alias');
  }
  ctx.store.transaction(() => ctx.store.deleteAlias(found.alias));
  return noContent();
};

export const USER_HANDLERS: Readonly<Record<string, Handler>> = {
  'directory.users.list': userList,
  'directory.users.get': userGet,
  'directory.users.patch': userModify,
  'directory.users.update': userModify,
  'directory.users.aliases.list': aliasList,
  'directory.users.aliases.insert': aliasInsert,
  'directory.users.aliases.delete': aliasDelete,
};
