/**
 * Converts API responses into the interface's records (only the fields the engine uses) and builds request
 * values the way Google expects them.
 */
import type { admin_directory_v1 } from '@googleapis/admin';
import type { cloudidentity_v1 } from '@googleapis/cloudidentity';
import type { gmail_v1 } from '@googleapis/gmail';
import type {
  GatewayPolicyRecord,
  GroupGatewayPolicyRecord,
  GroupRecord,
  OrgUnitRecord,
  SendAsInput,
  SendAsRecord,
  SmtpMsaRecord,
  UserRecord,
} from '../workspace-admin';
import { SEND_AS_FIELD_NAMES } from '../../model/send-as-fields';

export const GATEWAY_SETTING_TYPE = 'settings/gmail.per_user_outbound_gateway';

/**
 * An OU path for `{+orgUnitPath}`: without the leading `/` (`orgunits//Sales` is a 404), each segment
 * percent-encoded, the `/` between segments kept. Reserved expansion (url-template) sends reserved characters
 * raw, so without this an OU named `Eng#old` would be cut at the `#` (the URL's fragment) and patch `Eng`, `A?b`
 * would become a query, and a raw `+` reads as a space at Google (google-api-python-client #1812, GAM #693).
 * Percent-encoded triplets pass reserved expansion unchanged, and the server decodes each segment.
 */
export function encodeOrgUnitPathParam(path: string): string {
  return path
    .replace(/^\/+/, '')
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/** The `users.list` query for a subtree; undefined for the root (every user). `'` is quoted as `\'`. */
export function orgUnitUserQuery(path: string): string | undefined {
  if (path === '/' || path === '') return undefined;
  const quoted = path.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return `orgUnitPath='${quoted}'`;
}

/** The CEL filter selecting the customer's per-user outbound gateway policies. */
export function gatewayPolicyFilter(customerId: string): string {
  return `customer == "customers/${customerId}" && setting.type.matches('^settings/gmail\\\\.per_user_outbound_gateway$')`;
}

function defined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined && v !== null) out[key] = v;
  return out as T;
}

function stripIdPrefix(id: string): string {
  return id.startsWith('id:') ? id.slice(3) : id;
}

export function toOrgUnit(ou: admin_directory_v1.Schema$OrgUnit): OrgUnitRecord {
  return defined({
    orgUnitId: stripIdPrefix(ou.orgUnitId ?? ''),
    orgUnitPath: ou.orgUnitPath ?? '',
    name: ou.name ?? '',
    parentOrgUnitPath: ou.parentOrgUnitPath ?? undefined,
    parentOrgUnitId: ou.parentOrgUnitId ? stripIdPrefix(ou.parentOrgUnitId) : undefined,
    description: ou.description ?? undefined,
  });
}

export function toUser(user: admin_directory_v1.Schema$User): UserRecord {
  const lower = (list: unknown): string[] | undefined =>
    Array.isArray(list) && list.length > 0 ? list.map((a) => String(a).toLowerCase()) : undefined;
  return defined({
    primaryEmail: user.primaryEmail ?? '',
    orgUnitPath: user.orgUnitPath ?? '/',
    isAdmin: user.isAdmin ?? undefined,
    aliases: lower(user.aliases),
    nonEditableAliases: lower(user.nonEditableAliases),
  });
}

/** A group-bound gateway policy record, or undefined for any other policy. */
export function toGroupGatewayPolicy(policy: cloudidentity_v1.Schema$Policy): GroupGatewayPolicyRecord | undefined {
  const group = policy.policyQuery?.group ?? '';
  if (policy.setting?.type !== GATEWAY_SETTING_TYPE || !policy.name || !group.startsWith('groups/')) return undefined;
  const orgUnit = policy.policyQuery?.orgUnit ?? '';
  const value = (policy.setting.value ?? {}) as Record<string, unknown>;
  return defined({
    name: policy.name,
    groupId: group.slice('groups/'.length),
    orgUnitId: orgUnit.startsWith('orgUnits/') ? stripIdPrefix(orgUnit.slice('orgUnits/'.length)) : undefined,
    allowUsersToUseExternalSmtpServers: value.allowUsersToUseExternalSmtpServers === true,
    sortOrder: policy.policyQuery?.sortOrder ?? undefined,
  });
}

export function toGroup(group: admin_directory_v1.Schema$Group): GroupRecord {
  return defined({ id: group.id ?? '', email: (group.email ?? '').toLowerCase(), name: group.name ?? undefined });
}

/**
 * A gateway policy record, or undefined for a policy that is not an explicit OU-bound gateway policy. SYSTEM
 * policies (Google's defaults, listed too) are not explicit settings of an OU.
 */
export function toGatewayPolicy(policy: cloudidentity_v1.Schema$Policy): GatewayPolicyRecord | undefined {
  if (policy.setting?.type !== GATEWAY_SETTING_TYPE || !policy.name || policy.type === 'SYSTEM') return undefined;
  const orgUnit = policy.policyQuery?.orgUnit ?? '';
  // A group-bound policy also names an OU; it is not the OU's own policy.
  if (!orgUnit.startsWith('orgUnits/') || (policy.policyQuery?.group ?? '') !== '') return undefined;
  const value = (policy.setting.value ?? {}) as Record<string, unknown>;
  return defined({
    name: policy.name,
    orgUnitId: stripIdPrefix(orgUnit.slice('orgUnits/'.length)),
    allowUsersToUseExternalSmtpServers: value.allowUsersToUseExternalSmtpServers === true,
    type: policy.type ?? undefined,
    sortOrder: policy.policyQuery?.sortOrder ?? undefined,
  });
}

/** The Policy body for a gateway policy of one OU. */
export function gatewayPolicyBody(
  customerId: string,
  orgUnitId: string,
  allow: boolean,
): cloudidentity_v1.Schema$Policy {
  return {
    customer: `customers/${customerId}`,
    policyQuery: { orgUnit: `orgUnits/${stripIdPrefix(orgUnitId)}` },
    setting: { type: GATEWAY_SETTING_TYPE, value: { allowUsersToUseExternalSmtpServers: allow } },
  };
}

function toSmtpMsa(msa: gmail_v1.Schema$SmtpMsa | undefined): SmtpMsaRecord | undefined {
  if (!msa || !msa.host) return undefined;
  const mode = msa.securityMode;
  return {
    host: msa.host,
    port: msa.port ?? 0,
    securityMode: mode === 'ssl' || mode === 'starttls' || mode === 'none' ? mode : 'securityModeUnspecified',
  };
}

export function toSendAs(sendAs: gmail_v1.Schema$SendAs): SendAsRecord {
  const status = sendAs.verificationStatus;
  const record: Record<string, unknown> = { sendAsEmail: sendAs.sendAsEmail ?? '' };
  // The managed fields, as the send-as field table lists them; then the read-only ones.
  for (const name of SEND_AS_FIELD_NAMES) {
    if (name === 'smtpMsa') record.smtpMsa = toSmtpMsa(sendAs.smtpMsa);
    else record[name] = sendAs[name] ?? undefined;
  }
  record.isPrimary = sendAs.isPrimary ?? undefined;
  record.verificationStatus =
    status === 'accepted' || status === 'pending' || status === 'verificationStatusUnspecified' ? status : undefined;
  return defined(record) as unknown as SendAsRecord;
}

/** The request body for create/patch: only the fields present. Holds secrets: never log it. */
export function sendAsBody(input: Partial<SendAsInput>): gmail_v1.Schema$SendAs {
  const body: Record<string, unknown> = { sendAsEmail: input.sendAsEmail };
  for (const name of SEND_AS_FIELD_NAMES) {
    if (name !== 'smtpMsa') body[name] = input[name];
  }
  const out = defined(body) as gmail_v1.Schema$SendAs;
  if (input.smtpMsa) {
    out.smtpMsa = {
      host: input.smtpMsa.host,
      port: input.smtpMsa.port,
      securityMode: input.smtpMsa.securityMode,
      username: input.smtpMsa.username,
      password: input.smtpMsa.password,
    };
  }
  return out;
}
