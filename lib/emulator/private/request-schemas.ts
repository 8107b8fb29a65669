/**
 * Request-body schemas of every served method that takes a body (field names from the discovery documents'
 * schemas `SendAs`, `SmtpMsa`, `OrgUnit`, `User`, `UserName`, `Alias`, `Policy`, `PolicyQuery`, `Setting`), and
 * the check Google's JSON transcoding applies: an unknown field name is refused with 400 `Invalid JSON payload
 * received. Unknown name "…" at '…': Cannot find field.`, every violation listed. Proto JSON parsers accept the
 * original snake_case name as well as the lowerCamelCase one; bodies are normalised to lowerCamelCase.
 */
import { badRequestFields, type FieldViolation } from './google-error';

/** A message: its fields, each a scalar or list (`'scalar'`), a free-form JSON value (`'free'`) or a message. */
interface MessageSchema {
  readonly [field: string]: 'scalar' | 'free' | MessageSchema;
}

const SMTP_MSA: MessageSchema = {
  host: 'scalar',
  password: 'scalar',
  port: 'scalar',
  securityMode: 'scalar',
  username: 'scalar',
};

const SEND_AS: MessageSchema = {
  displayName: 'scalar',
  isDefault: 'scalar',
  isPrimary: 'scalar',
  replyToAddress: 'scalar',
  sendAsEmail: 'scalar',
  signature: 'scalar',
  smtpMsa: SMTP_MSA,
  treatAsAlias: 'scalar',
  verificationStatus: 'scalar',
};

const ORG_UNIT: MessageSchema = {
  blockInheritance: 'scalar',
  description: 'scalar',
  etag: 'scalar',
  kind: 'scalar',
  name: 'scalar',
  orgUnitId: 'scalar',
  orgUnitPath: 'scalar',
  parentOrgUnitId: 'scalar',
  parentOrgUnitPath: 'scalar',
};

const USER_NAME: MessageSchema = {
  displayName: 'scalar',
  familyName: 'scalar',
  fullName: 'scalar',
  givenName: 'scalar',
};

const USER: MessageSchema = {
  ...Object.fromEntries(
    [
      'agreedToTerms',
      'aliases',
      'archivalTime',
      'archived',
      'changePasswordAtNextLogin',
      'creationTime',
      'customerId',
      'deletionTime',
      'etag',
      'hashFunction',
      'id',
      'includeInGlobalAddressList',
      'ipWhitelisted',
      'isAdmin',
      'isDelegatedAdmin',
      'isEnforcedIn2Sv',
      'isEnrolledIn2Sv',
      'isGuestUser',
      'isMailboxSetup',
      'kind',
      'lastLoginTime',
      'nonEditableAliases',
      'orgUnitPath',
      'password',
      'primaryEmail',
      'recoveryEmail',
      'recoveryPhone',
      'suspended',
      'suspensionReason',
      'suspensionTime',
      'thumbnailPhotoEtag',
      'thumbnailPhotoUrl',
    ].map((f) => [f, 'scalar' as const]),
  ),
  ...Object.fromEntries(
    [
      'addresses',
      'customSchemas',
      'emails',
      'externalIds',
      'gender',
      'ims',
      'keywords',
      'languages',
      'locations',
      'notes',
      'organizations',
      'phones',
      'posixAccounts',
      'relations',
      'sshPublicKeys',
      'websites',
    ].map((f) => [f, 'free' as const]),
  ),
  guestAccountInfo: { primaryGuestEmail: 'scalar' },
  name: USER_NAME,
};

const ALIAS: MessageSchema = { alias: 'scalar', etag: 'scalar', id: 'scalar', kind: 'scalar', primaryEmail: 'scalar' };

const POLICY: MessageSchema = {
  customer: 'scalar',
  name: 'scalar',
  policyQuery: { group: 'scalar', orgUnit: 'scalar', query: 'scalar', sortOrder: 'scalar' },
  setting: { type: 'scalar', value: 'free' },
  type: 'scalar',
};

/** The request body of each method: its schema and the request field it binds to (named in messages). */
const BODIES: Readonly<Record<string, { readonly schema: MessageSchema; readonly field: string }>> = {
  'gmail.users.settings.sendAs.create': { schema: SEND_AS, field: 'send_as' },
  'gmail.users.settings.sendAs.patch': { schema: SEND_AS, field: 'send_as' },
  'gmail.users.settings.sendAs.update': { schema: SEND_AS, field: 'send_as' },
  'directory.orgunits.insert': { schema: ORG_UNIT, field: 'org_unit' },
  'directory.orgunits.patch': { schema: ORG_UNIT, field: 'org_unit' },
  'directory.orgunits.update': { schema: ORG_UNIT, field: 'org_unit' },
  'directory.users.patch': { schema: USER, field: 'user' },
  'directory.users.update': { schema: USER, field: 'user' },
  'directory.users.aliases.insert': { schema: ALIAS, field: 'alias' },
  'cloudidentity.policies.create': { schema: POLICY, field: 'policy' },
  'cloudidentity.policies.patch': { schema: POLICY, field: 'policy' },
};

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function normalise(value: unknown, schema: MessageSchema, at: string, violations: FieldViolation[]): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const bySnake = new Map(Object.keys(schema).map((f) => [snake(f), f]));
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    const field = name in schema ? name : bySnake.get(name);
    if (field === undefined) {
      violations.push({
        field: at,
        description: `Invalid JSON payload received. Unknown name ${JSON.stringify(name)}${at ? ` at '${at}'` : ''}: Cannot find field.`,
      });
      continue;
    }
    const type = schema[field];
    out[field] =
      typeof type === 'object' ? normalise(v, type, at ? `${at}.${snake(field)}` : snake(field), violations) : v;
  }
  return out;
}

/**
 * The body of a call to `methodId`, with field names normalised; throws 400 listing every unknown field.
 * Bodies sent to methods that take none are ignored.
 */
export function checkRequestBody(methodId: string, body: unknown): unknown {
  const spec = BODIES[methodId];
  if (!spec) return body;
  const violations: FieldViolation[] = [];
  const normalised = normalise(body, spec.schema, spec.field, violations);
  if (violations.length > 0) throw badRequestFields(violations);
  return normalised;
}
