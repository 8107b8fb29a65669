/**
 * Admin SDK Directory API: orgunits get / list / insert / patch / update / delete and users get / list /
 * patch / update (orgUnitPath only).
 */
import { createHash } from 'node:crypto';
import { bodyObject, noContent, ok, optionalField, type CallContext, type Handler } from './call-context';
import { ApiError } from './google-error';
import type { OuRow, Store, UserRow } from './store';

const MAX_DEPTH = 35;

function etag(value: unknown): string {
  return `"${createHash('sha1').update(JSON.stringify(value)).digest('base64url')}"`;
}

function checkCustomer(ctx: CallContext, customer: string | null | undefined): void {
  if (!customer) return;
  if (customer === 'my_customer' || customer.toLowerCase() === ctx.store.customerId().toLowerCase()) return;
  throw new ApiError(400, 'invalid', `Invalid Customer Id: ${customer}`);
}

const ouNotFound = (): ApiError => new ApiError(404, 'notFound', 'Org unit not found');
const invalidParent = (): ApiError => new ApiError(400, 'invalid', 'Invalid Parent Orgunit Id');
const duplicate = (): ApiError => new ApiError(409, 'invalid', 'Invalid Ou Id');

function depth(path: string): number {
  return path === '/' ? 0 : path.split('/').length - 1;
}

export function ouJson(store: Store, ou: OuRow): Record<string, unknown> {
  const parent = ou.parentId ? store.ouById(ou.parentId) : undefined;
  const body: Record<string, unknown> = {
    kind: 'admin#directory#orgUnit',
    name: ou.name,
    ...(ou.description ? { description: ou.description } : {}),
    orgUnitPath: ou.path,
    orgUnitId: `id:${ou.id}`,
    ...(parent ? { parentOrgUnitPath: parent.path, parentOrgUnitId: `id:${parent.id}` } : {}),
  };
  return { ...body, etag: etag(body) };
}

/** An OU named by path (with or without the leading `/`) or by `id:…`. */
function findOu(store: Store, ref: string): OuRow | undefined {
  const value = ref.trim();
  if (value.startsWith('id:')) return store.ouById(value.slice(3));
  return store.ouByPath(`/${value.replace(/^\/+/, '').replace(/\/+$/, '')}`);
}

function parentFrom(store: Store, body: Record<string, unknown>): OuRow | undefined {
  const id = optionalField(body, 'parentOrgUnitId', 'string');
  const path = optionalField(body, 'parentOrgUnitPath', 'string');
  if (id !== undefined && id !== '') {
    const parent = store.ouById(id.replace(/^id:/, ''));
    if (!parent) throw invalidParent();
    return parent;
  }
  if (path !== undefined && path !== '') {
    const parent = store.ouByPath(path.startsWith('/') ? path : `/${path}`);
    if (!parent) throw invalidParent();
    return parent;
  }
  return undefined;
}

function checkName(name: string | undefined): string {
  if (name === undefined || name.trim() === '' || name.includes('/') || name.length > 255) {
    throw new ApiError(
      400,
      'invalid',
      `Invalid Ou Name: ${JSON.stringify(name ?? null)} (a non-empty name without '/' is required)`,
    );
  }
  return name.trim();
}

function checkSiblings(store: Store, parent: OuRow, name: string, selfId?: string): void {
  if (store.ouChildren(parent.id).some((c) => c.id !== selfId && c.name.toLowerCase() === name.toLowerCase())) {
    throw duplicate();
  }
}

function childPath(parent: OuRow, name: string): string {
  return parent.path === '/' ? `/${name}` : `${parent.path}/${name}`;
}

const ouList: Handler = (ctx) => {
  checkCustomer(ctx, ctx.params.customerId);
  const ref = ctx.query.get('orgUnitPath') ?? '';
  const base = ref === '' || ref === '/' ? ctx.store.rootOu() : findOu(ctx.store, ref);
  if (!base) throw ouNotFound();
  const type = ctx.query.get('type') ?? 'children';
  let ous: OuRow[];
  if (type === 'children') ous = ctx.store.ouChildren(base.id);
  else if (type === 'all') ous = ctx.store.ouDescendants(base.path);
  else if (type === 'allIncludingParent' || type === 'all_including_parent')
    ous = [base, ...ctx.store.ouDescendants(base.path)];
  else throw new ApiError(400, 'invalid', `Invalid value for type: ${type} (children, all or allIncludingParent)`);
  const units = ous.map((o) => ouJson(ctx.store, o));
  return ok({
    kind: 'admin#directory#orgUnits',
    etag: etag(units),
    ...(units.length ? { organizationUnits: units } : {}),
  });
};

const ouGet: Handler = (ctx) => {
  checkCustomer(ctx, ctx.params.customerId);
  const ou = findOu(ctx.store, ctx.params.orgUnitPath);
  if (!ou) throw ouNotFound();
  return ok(ouJson(ctx.store, ou));
};

const ouInsert: Handler = (ctx) => {
  checkCustomer(ctx, ctx.params.customerId);
  const body = bodyObject(ctx);
  const name = checkName(optionalField(body, 'name', 'string'));
  const parent = parentFrom(ctx.store, body);
  if (!parent) throw invalidParent();
  const path = childPath(parent, name);
  if (depth(path) > MAX_DEPTH) {
    throw new ApiError(
      400,
      'invalid',
      `Invalid Ou Id: ${path} would be ${depth(path)} levels deep; the hierarchy is limited to ${MAX_DEPTH} levels`,
    );
  }
  const ou: OuRow = {
    id: '',
    parentId: parent.id,
    name,
    path,
    description: optionalField(body, 'description', 'string') ?? null,
  };
  const created = ctx.store.transaction(() => {
    checkSiblings(ctx.store, parent, name);
    const row = { ...ou, id: ctx.store.newOuId() };
    ctx.store.insertOu(row);
    return row;
  });
  return ok(ouJson(ctx.store, created));
};

function ouModify(replace: boolean): Handler {
  return (ctx) => {
    checkCustomer(ctx, ctx.params.customerId);
    const ou = findOu(ctx.store, ctx.params.orgUnitPath);
    if (!ou) throw ouNotFound();
    if (ou.path === '/')
      throw new ApiError(
        400,
        'invalid',
        'Invalid Org Unit: the root organizational unit cannot be changed through this API',
      );
    const body = bodyObject(ctx);
    const nameGiven = optionalField(body, 'name', 'string');
    const name = nameGiven === undefined ? ou.name : checkName(nameGiven);
    const parent = parentFrom(ctx.store, body) ?? ctx.store.ouById(ou.parentId!)!;
    if (parent.id === ou.id || parent.path.toLowerCase().startsWith(`${ou.path.toLowerCase()}/`)) throw invalidParent();
    const path = childPath(parent, name);
    const deepest = Math.max(0, ...ctx.store.ouDescendants(ou.path).map((d) => depth(d.path) - depth(ou.path)));
    if (depth(path) + deepest > MAX_DEPTH) {
      throw new ApiError(
        400,
        'invalid',
        `Invalid Ou Id: moving ${ou.path} to ${path} would exceed ${MAX_DEPTH} levels of depth`,
      );
    }
    const description = optionalField(body, 'description', 'string') ?? (replace ? null : ou.description);
    const next: OuRow = { id: ou.id, parentId: parent.id, name, path, description };
    ctx.store.transaction(() => {
      checkSiblings(ctx.store, parent, name, ou.id);
      ctx.store.updateOu(next);
    });
    return ok(ouJson(ctx.store, ctx.store.ouById(ou.id)!));
  };
}

const ouDelete: Handler = (ctx) => {
  checkCustomer(ctx, ctx.params.customerId);
  const ou = findOu(ctx.store, ctx.params.orgUnitPath);
  if (!ou) throw ouNotFound();
  if (ou.path === '/')
    throw new ApiError(400, 'invalid', 'Invalid Org Unit: the root organizational unit cannot be deleted');
  ctx.store.transaction(() => {
    if (ctx.store.ouHasChildren(ou.id)) {
      throw new ApiError(
        412,
        'conditionNotMet',
        `Cannot delete organizational unit ${ou.path}: it has child organizational units`,
      );
    }
    if (ctx.store.ouHasUsers(ou.id)) {
      throw new ApiError(412, 'conditionNotMet', `Cannot delete organizational unit ${ou.path}: it has users`);
    }
    for (const p of ctx.store.policies().filter((x) => x.orgUnitId === ou.id)) ctx.store.deletePolicy(p, ctx.now);
    ctx.store.deleteOu(ou.id);
  });
  return noContent();
};

// ---- users ----

function userJson(ctx: CallContext, u: UserRow): Record<string, unknown> {
  const body = {
    kind: 'admin#directory#user',
    id: u.id,
    primaryEmail: u.primaryEmail,
    isAdmin: u.isAdmin,
    isDelegatedAdmin: false,
    suspended: false,
    archived: false,
    orgUnitPath: u.orgUnitPath,
    customerId: ctx.store.customerId(),
  };
  return { ...body, etag: etag(body) };
}

function findUser(ctx: CallContext): UserRow {
  const key = ctx.params.userKey;
  const user = key.includes('@') ? ctx.store.userByEmail(key) : ctx.store.userById(key);
  if (!user) throw new ApiError(404, 'notFound', `Resource Not Found: userKey`);
  return user;
}

interface UserQuery {
  ouPath: string;
  isAdmin?: boolean;
  email?: string;
}

function parseQuery(query: string): UserQuery {
  const out: UserQuery = { ouPath: '/' };
  const clause = /\s*([A-Za-z.]+)\s*(=|:)\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s'"]+)\s*/y;
  let at = 0;
  while (at < query.length) {
    clause.lastIndex = at;
    const m = clause.exec(query);
    if (!m) throw new ApiError(400, 'invalidInput', `Invalid Input: ${query}`);
    at = clause.lastIndex;
    const raw = m[3];
    const value = /^['"]/.test(raw) ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    const field = m[1];
    if (field === 'orgUnitPath' && m[2] === '=') out.ouPath = value.startsWith('/') ? value : `/${value}`;
    else if (field === 'isAdmin' && m[2] === '=' && (value === 'true' || value === 'false'))
      out.isAdmin = value === 'true';
    else if (field === 'email' && m[2] === '=') out.email = value.toLowerCase();
    else
      throw new ApiError(
        400,
        'invalidInput',
        `Invalid Input: ${query} (the emulator supports orgUnitPath=, isAdmin= and email=)`,
      );
  }
  return out;
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
  const queryText = ctx.query.get('query') ?? '';
  const q = parseQuery(queryText);
  let after = '';
  const token = ctx.query.get('pageToken');
  if (token) {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { a: string; q: string };
      if (parsed.q !== queryText || typeof parsed.a !== 'string') throw new Error('query changed');
      after = parsed.a;
    } catch {
      throw new ApiError(400, 'invalid', 'Invalid pageToken');
    }
  }
  const users: UserRow[] = [];
  let more = false;
  if (q.email !== undefined) {
    const u = ctx.store.userByEmail(q.email);
    const inTree = (path: string): boolean =>
      q.ouPath === '/' ||
      path.toLowerCase() === q.ouPath.toLowerCase() ||
      path.toLowerCase().startsWith(`${q.ouPath.toLowerCase()}/`);
    if (u && u.email > after && inTree(u.orgUnitPath) && (q.isAdmin === undefined || u.isAdmin === q.isAdmin))
      users.push(u);
  } else {
    let cursor = after;
    while (users.length <= max) {
      const batch = ctx.store.usersInSubtree(q.ouPath, cursor, max + 1);
      for (const u of batch) if (q.isAdmin === undefined || u.isAdmin === q.isAdmin) users.push(u);
      if (batch.length < max + 1) break;
      cursor = batch[batch.length - 1].email;
    }
    more = users.length > max;
    users.length = Math.min(users.length, max);
  }
  const items = users.map((u) => userJson(ctx, u));
  const next = more
    ? Buffer.from(JSON.stringify({ a: users[users.length - 1].email, q: queryText })).toString('base64url')
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

export const DIRECTORY_HANDLERS: Readonly<Record<string, Handler>> = {
  'directory.orgunits.list': ouList,
  'directory.orgunits.get': ouGet,
  'directory.orgunits.insert': ouInsert,
  'directory.orgunits.patch': ouModify(false),
  'directory.orgunits.update': ouModify(true),
  'directory.orgunits.delete': ouDelete,
  'directory.users.list': userList,
  'directory.users.get': userGet,
  'directory.users.patch': userModify,
  'directory.users.update': userModify,
};
