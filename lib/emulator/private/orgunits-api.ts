/**
 * Admin SDK Directory API: orgunits get / list / insert / patch / update / delete.
 */
import { createHash } from 'node:crypto';
import { bodyObject, noContent, ok, optionalField, type CallContext, type Handler } from './call-context';
import { ApiError } from './google-error';
import type { OuRow, Store } from './store';

const MAX_DEPTH = 35;

export function etag(value: unknown): string {
  return `"${createHash('sha1').update(JSON.stringify(value)).digest('base64url')}"`;
}

export function checkCustomer(ctx: CallContext, customer: string | null | undefined): void {
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

/**
 * The OU of the `orgUnitPath` path parameter: "the full path of the organizational unit (minus the leading
 * `/`) or its unique ID" — so `orgunits//Sales` names no OU (php-client #2154, PSGSuite #355).
 */
function findOuParam(store: Store, ref: string): OuRow | undefined {
  if (ref.startsWith('id:')) return store.ouById(ref.slice(3));
  if (ref.startsWith('/')) return undefined;
  return store.ouByPath(`/${ref.replace(/\/+$/, '')}`);
}

/** An OU named by the `orgUnitPath` query parameter of list: a path with or without the leading `/`, or `id:…`. */
function findOuQuery(store: Store, ref: string): OuRow | undefined {
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

/** A valid OU name; "The Admin SDK replaces `/` in an OU name with `_`" (support answer 182538). */
function checkName(name: string | undefined): string {
  if (name === undefined || name.trim() === '' || name.length > 255) {
    throw new ApiError(
      400,
      'invalid',
      `Invalid Ou Name: ${JSON.stringify(name ?? null)} (a non-empty name is required)`,
    );
  }
  return name.trim().replace(/\//g, '_');
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
  const base = ref === '' || ref === '/' ? ctx.store.rootOu() : findOuQuery(ctx.store, ref);
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
  const ou = findOuParam(ctx.store, ctx.params.orgUnitPath);
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
    const ou = findOuParam(ctx.store, ctx.params.orgUnitPath);
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
  const ou = findOuParam(ctx.store, ctx.params.orgUnitPath);
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

export const ORGUNIT_HANDLERS: Readonly<Record<string, Handler>> = {
  'directory.orgunits.list': ouList,
  'directory.orgunits.get': ouGet,
  'directory.orgunits.insert': ouInsert,
  'directory.orgunits.patch': ouModify(false),
  'directory.orgunits.update': ouModify(true),
  'directory.orgunits.delete': ouDelete,
};
