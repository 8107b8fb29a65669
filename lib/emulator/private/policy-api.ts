/**
 * Cloud Identity Policy API: policies list / get / create / patch / delete, served under v1 and v1beta1.
 * Policies apply to an OU or to a group (within an OU); SYSTEM policies carry Google's defaults. Writes return
 * completed Operations. A knob refuses writes to the gateway setting the way Google refuses settings that are
 * not "Mutate supported".
 */
import { createHash, randomBytes } from 'node:crypto';
import { bodyObject, ok, optionalField, type CallContext, type Handler } from './call-context';
import { SYSTEM_DEFAULTS, SYSTEM_SORT_ORDER, sortOrder } from './effective-gateway';
import { ApiError } from './google-error';
import { invalidArgument as invalid, parseFilter, parseQueryScope, queryFor } from './policy-query';
import { GATEWAY_SETTING, type OuRow, type PolicyRow, type Store } from './store';

/** The SYSTEM policies of this customer (one per setting type with a known default, bound to the root). */
function systemPolicies(store: Store): PolicyRow[] {
  const root = store.rootOu();
  return Object.entries(SYSTEM_DEFAULTS).map(([settingType, value]) => {
    const digest = createHash('sha1').update(`${store.customerId()}\u0000${settingType}`).digest('hex');
    return {
      name: `policies/s${BigInt(`0x${digest.slice(0, 30)}`).toString(36)}`,
      orgUnitId: root.id,
      groupId: '',
      settingType,
      value,
      type: 'SYSTEM',
      rank: 0,
    };
  });
}

function policyJson(ctx: CallContext, p: PolicyRow): Record<string, unknown> {
  const ouPath = ctx.store.ouById(p.orgUnitId)?.path ?? '/';
  return {
    name: p.name,
    customer: `customers/${ctx.store.customerId()}`,
    policyQuery: {
      ...(p.groupId !== '' ? { group: `groups/${p.groupId}` } : {}),
      orgUnit: `orgUnits/${p.orgUnitId}`,
      query: queryFor(p.orgUnitId, p.groupId),
      sortOrder: p.type === 'SYSTEM' ? SYSTEM_SORT_ORDER : sortOrder(ouPath, p.groupId, p.rank),
    },
    setting: { type: p.settingType, value: p.value },
    type: p.type,
  };
}

function operation(ctx: CallContext, response: Record<string, unknown> | undefined): Record<string, unknown> {
  const version = ctx.params.version;
  return {
    name: `operations/emu-${randomBytes(8).toString('hex')}`,
    done: true,
    response: response
      ? { '@type': `type.googleapis.com/google.apps.cloudidentity.policy.${version}.Policy`, ...response }
      : { '@type': 'type.googleapis.com/google.protobuf.Empty' },
  };
}

function checkCustomer(ctx: CallContext, customer: string | undefined): void {
  if (customer === undefined) return;
  const id = customer.replace(/^customers\//, '');
  if (id !== 'my_customer' && id.toLowerCase() !== ctx.store.customerId().toLowerCase()) {
    throw new ApiError(403, 'forbidden', `The caller does not have permission on customer ${customer}`);
  }
}

function refuseIfImmutable(ctx: CallContext, settingType: string): void {
  if (settingType === GATEWAY_SETTING && ctx.knobs.policyWrites === 'refused') {
    throw invalid(
      `Setting type ${settingType} is not supported in mutate endpoints (it is not "Mutate supported"); ` +
        'change it in the Admin console: Apps > Google Workspace > Gmail > End User Access > Allow per-user outbound gateways.',
    );
  }
}

function checkValue(settingType: string, value: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!value) throw invalid('setting.value is required.');
  if (settingType === GATEWAY_SETTING && typeof value.allowUsersToUseExternalSmtpServers !== 'boolean') {
    throw invalid(
      `Invalid setting.value for ${settingType}: allowUsersToUseExternalSmtpServers must be a boolean, got ${JSON.stringify(value.allowUsersToUseExternalSmtpServers ?? null)}.`,
    );
  }
  return value;
}

function findPolicy(ctx: CallContext): PolicyRow {
  const name = `policies/${ctx.params.policyId}`;
  const p = ctx.store.policyByName(name) ?? systemPolicies(ctx.store).find((s) => s.name === name);
  if (!p) throw new ApiError(404, 'notFound', `Policy ${name} was not found.`);
  return p;
}

function refuseSystem(p: PolicyRow): void {
  if (p.type === 'SYSTEM') {
    throw invalid(
      `${p.name} is a SYSTEM policy (Google's default); it cannot be changed or deleted. Create an ADMIN policy for the org unit or group instead.`,
    );
  }
}

/** The OU and group a policy body names, from `policyQuery.orgUnit`, `policyQuery.group` and/or `policyQuery.query`. */
function scopeOf(ctx: CallContext, query: Record<string, unknown> | undefined): { ou: OuRow; groupId: string } {
  const orgUnit = query && optionalField(query, 'orgUnit', 'string', 'policyQuery.');
  const group = query && optionalField(query, 'group', 'string', 'policyQuery.');
  const text = query && optionalField(query, 'query', 'string', 'policyQuery.');
  const parsed = text ? parseQueryScope(text) : {};
  const ouId = orgUnit ? orgUnit.replace(/^orgUnits\//, '').replace(/^id:/, '') : undefined;
  const groupId = group ? group.replace(/^groups\//, '') : undefined;
  if (ouId !== undefined && parsed.orgUnitId !== undefined && ouId !== parsed.orgUnitId) {
    throw invalid(`policyQuery.orgUnit ${orgUnit} and policyQuery.query (orgUnitId('${parsed.orgUnitId}')) disagree.`);
  }
  if (groupId !== undefined && parsed.groupId !== undefined && groupId !== parsed.groupId) {
    throw invalid(`policyQuery.group ${group} and policyQuery.query (groupId('${parsed.groupId}')) disagree.`);
  }
  const ouRef = ouId ?? parsed.orgUnitId;
  const groupRef = groupId ?? parsed.groupId;
  if (ouRef === undefined && groupRef === undefined) {
    throw invalid('policyQuery needs orgUnit (orgUnits/{orgUnitId}), group (groups/{groupId}) or query.');
  }
  const ou = ouRef === undefined ? ctx.store.rootOu() : ctx.store.ouById(ouRef);
  if (!ou) throw invalid(`Invalid policyQuery: orgUnits/${ouRef} is not an organizational unit of this customer.`);
  if (groupRef !== undefined && !ctx.store.groupById(groupRef)) {
    throw invalid(`Invalid policyQuery: groups/${groupRef} is not a group of this customer.`);
  }
  return { ou, groupId: groupRef ?? '' };
}

const list: Handler = (ctx) => {
  const filterText = ctx.query.get('filter') ?? '';
  const filter = parseFilter(filterText);
  for (const c of filter.customers) checkCustomer(ctx, c);
  const sizeRaw = Number(ctx.query.get('pageSize') ?? '0');
  if (!Number.isInteger(sizeRaw) || sizeRaw < 0)
    throw invalid(`Invalid pageSize: ${ctx.query.get('pageSize')} (0 to 100).`);
  const size = sizeRaw === 0 ? 50 : Math.min(sizeRaw, 100);
  let offset = 0;
  const token = ctx.query.get('pageToken');
  if (token) {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o: number; f: string };
      if (parsed.f !== filterText || !Number.isInteger(parsed.o)) throw new Error('filter changed');
      offset = parsed.o;
    } catch {
      throw invalid('Invalid page token: it must come from a previous call with the same filter.');
    }
  }
  const customerId = ctx.store.customerId();
  const all = [...ctx.store.policies(), ...systemPolicies(ctx.store)].filter((p) =>
    filter.matches({ customerId, settingType: p.settingType }),
  );
  const page = all.slice(offset, offset + size).map((p) => policyJson(ctx, p));
  const next =
    offset + size < all.length
      ? Buffer.from(JSON.stringify({ o: offset + size, f: filterText })).toString('base64url')
      : undefined;
  return ok({ ...(page.length ? { policies: page } : {}), ...(next ? { nextPageToken: next } : {}) });
};

const get: Handler = (ctx) => ok(policyJson(ctx, findPolicy(ctx)));

const create: Handler = (ctx) => {
  const body = bodyObject(ctx);
  checkCustomer(ctx, optionalField(body, 'customer', 'string'));
  const setting = optionalField(body, 'setting', 'object');
  const settingType = setting && optionalField(setting, 'type', 'string', 'setting.');
  if (!settingType) throw invalid('setting.type is required.');
  refuseIfImmutable(ctx, settingType);
  const value = checkValue(settingType, setting && optionalField(setting, 'value', 'object', 'setting.'));
  const { ou, groupId } = scopeOf(ctx, optionalField(body, 'policyQuery', 'object'));
  const created = ctx.store.transaction(() => {
    if (ctx.store.policyFor(settingType, ou.id, groupId)) {
      const scope = groupId ? `groups/${groupId} in orgUnits/${ou.id}` : `orgUnits/${ou.id}`;
      throw new ApiError(409, 'alreadyExists', `A policy for ${settingType} already exists for ${scope}.`);
    }
    const row = ctx.store.newPolicy(ou, groupId, settingType, value);
    ctx.store.insertPolicy(row, ctx.now);
    return row;
  });
  return ok(operation(ctx, policyJson(ctx, created)));
};

const patch: Handler = (ctx) => {
  const current = findPolicy(ctx);
  refuseSystem(current);
  const body = bodyObject(ctx);
  const setting = optionalField(body, 'setting', 'object');
  const settingType = setting && optionalField(setting, 'type', 'string', 'setting.');
  if (settingType !== undefined && settingType !== current.settingType) {
    throw invalid(`setting.type is immutable: ${current.name} is ${current.settingType}, got ${settingType}.`);
  }
  const query = optionalField(body, 'policyQuery', 'object');
  if (query && Object.keys(query).some((k) => k !== 'sortOrder')) {
    const scope = scopeOf(ctx, query);
    if (scope.ou.id !== current.orgUnitId || scope.groupId !== current.groupId) {
      throw invalid(
        `policyQuery is immutable: ${current.name} applies to ${queryFor(current.orgUnitId, current.groupId)}.`,
      );
    }
  }
  refuseIfImmutable(ctx, current.settingType);
  const value = checkValue(current.settingType, setting && optionalField(setting, 'value', 'object', 'setting.'));
  ctx.store.setPolicyValue(current, value, ctx.now);
  return ok(operation(ctx, policyJson(ctx, ctx.store.policyByName(current.name)!)));
};

const remove: Handler = (ctx) => {
  const current = findPolicy(ctx);
  refuseSystem(current);
  refuseIfImmutable(ctx, current.settingType);
  ctx.store.deletePolicy(current, ctx.now);
  return ok(operation(ctx, undefined));
};

export const POLICY_HANDLERS: Readonly<Record<string, Handler>> = {
  'cloudidentity.policies.list': list,
  'cloudidentity.policies.get': get,
  'cloudidentity.policies.create': create,
  'cloudidentity.policies.patch': patch,
  'cloudidentity.policies.delete': remove,
};
