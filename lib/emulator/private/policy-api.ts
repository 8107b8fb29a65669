/**
 * Cloud Identity Policy API: policies list / get / create / patch / delete, served under v1 and v1beta1.
 * Writes return completed Operations. A knob refuses writes to the gateway setting the way Google refuses
 * settings that are not "Mutate supported".
 */
import { randomBytes } from 'node:crypto';
import { bodyObject, ok, optionalField, type CallContext, type Handler } from './call-context';
import { ApiError } from './google-error';
import { GATEWAY_SETTING, type PolicyRow } from './store';

function invalid(message: string): ApiError {
  return new ApiError(400, 'badRequest', message, { status: 'INVALID_ARGUMENT' });
}

function policyJson(ctx: CallContext, p: PolicyRow): Record<string, unknown> {
  return {
    name: p.name,
    customer: `customers/${ctx.store.customerId()}`,
    policyQuery: {
      orgUnit: `orgUnits/${p.orgUnitId}`,
      query: `entity.org_units.exists(org_unit, org_unit.org_unit_id == orgUnitId('${p.orgUnitId}'))`,
      sortOrder: p.sortOrder,
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
  const p = ctx.store.policyByName(name);
  if (!p) throw new ApiError(404, 'notFound', `Policy ${name} was not found.`);
  return p;
}

interface Filter {
  customer?: string;
  typePatterns: RegExp[];
}

/** `customer == "customers/…"` and `setting.type.matches('…')` clauses joined by `&&`. */
function parseFilter(text: string): Filter {
  const out: Filter = { typePatterns: [] };
  if (text.trim() === '') return out;
  for (const raw of text.split('&&')) {
    const clause = raw
      .trim()
      .replace(/^\((.*)\)$/, '$1')
      .trim();
    const customer = /^customer\s*==\s*(["'])(.*)\1$/.exec(clause);
    const matches = /^setting\.type\.matches\(\s*(["'])(.*)\1\s*\)$/.exec(clause);
    if (customer) out.customer = customer[2];
    else if (matches) {
      try {
        out.typePatterns.push(new RegExp(matches[2].replace(/\\\\/g, '\\')));
      } catch {
        throw invalid(`Invalid filter: the regular expression ${matches[2]} does not compile.`);
      }
    } else {
      throw invalid(
        `Invalid filter clause: ${clause} (the emulator supports customer == "customers/…" and setting.type.matches('…') joined by &&).`,
      );
    }
  }
  return out;
}

const list: Handler = (ctx) => {
  const filterText = ctx.query.get('filter') ?? '';
  const filter = parseFilter(filterText);
  checkCustomer(ctx, filter.customer);
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
  const all = ctx.store.policies().filter((p) => filter.typePatterns.every((re) => re.test(p.settingType)));
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
  const query = optionalField(body, 'policyQuery', 'object');
  const orgUnit = query && optionalField(query, 'orgUnit', 'string', 'policyQuery.');
  if (!orgUnit) throw invalid('policyQuery.orgUnit is required (orgUnits/{orgUnitId}).');
  const ou = ctx.store.ouById(orgUnit.replace(/^orgUnits\//, '').replace(/^id:/, ''));
  if (!ou) throw invalid(`Invalid policyQuery.orgUnit: ${orgUnit} is not an organizational unit of this customer.`);
  const created = ctx.store.transaction(() => {
    if (ctx.store.policyFor(settingType, ou.id)) {
      throw new ApiError(409, 'alreadyExists', `A policy for ${settingType} already exists for ${orgUnit}.`);
    }
    const row = ctx.store.newPolicy(ou, settingType, value);
    ctx.store.insertPolicy(row, ctx.now);
    return row;
  });
  return ok(operation(ctx, policyJson(ctx, created)));
};

const patch: Handler = (ctx) => {
  const current = findPolicy(ctx);
  const body = bodyObject(ctx);
  const setting = optionalField(body, 'setting', 'object');
  const settingType = setting && optionalField(setting, 'type', 'string', 'setting.');
  if (settingType !== undefined && settingType !== current.settingType) {
    throw invalid(`setting.type is immutable: ${current.name} is ${current.settingType}, got ${settingType}.`);
  }
  const query = optionalField(body, 'policyQuery', 'object');
  const orgUnit = query && optionalField(query, 'orgUnit', 'string', 'policyQuery.');
  if (orgUnit !== undefined && orgUnit !== `orgUnits/${current.orgUnitId}`) {
    throw invalid(
      `policyQuery.orgUnit is immutable: ${current.name} applies to orgUnits/${current.orgUnitId}, got ${orgUnit}.`,
    );
  }
  refuseIfImmutable(ctx, current.settingType);
  const value = checkValue(current.settingType, setting && optionalField(setting, 'value', 'object', 'setting.'));
  ctx.store.setPolicyValue(current, value, ctx.now);
  return ok(operation(ctx, policyJson(ctx, ctx.store.policyByName(current.name)!)));
};

const remove: Handler = (ctx) => {
  const current = findPolicy(ctx);
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
