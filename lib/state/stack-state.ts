import { randomUUID } from 'node:crypto';

import { z } from 'zod';

import { isValidEmail } from '../model/email';
import { ErrorCodes, MailPolicyError } from '../model/errors';
import { isFingerprint } from '../model/secret-ref';
import { stateObjectId, type ManagedObjectKind } from './object-ids';
import { canonicalJson } from '../util/canonical-json';

/**
 * The state of one stack: the objects it manages (created by it or adopted), the keyed fingerprints of the SMTP
 * credentials it last sent, and the facts apply learnt about the target. One JSON document per stack, so two
 * stacks never write the same document.
 *
 * The state never holds a secret value: every credential field must be a keyed fingerprint
 * (`hmac-sha256:<8 hex>:<64 hex>`), every object is a closed record (unknown fields are refused), and both are
 * checked when a state is read and again before it is written.
 */

/** Version of the state document format. */
export const STATE_FORMAT_VERSION = 1;

/** Whether the stack created an object or took over one that already existed in the tenant. */
export type ObjectOrigin = 'created' | 'adopted';

/**
 * What happens to an object when the code no longer declares it: `destroy` deletes it from the tenant, `retain`
 * forgets it and leaves it in place.
 */
export type RemovalPolicyName = 'destroy' | 'retain';

/** What every object record carries besides its kind's fields. */
export interface ManagedObjectBase {
  /** Whether the stack created the object or adopted an existing one. */
  readonly origin: ObjectOrigin;
  /** What a removal from code does to it. */
  readonly removalPolicy: RemovalPolicyName;
  /** `sha256:<64 hex>` of the desired spec last applied; absent when never applied by this tool. */
  readonly appliedDigest?: string;
  /** When the record last changed (ISO 8601). */
  readonly updatedAt: string;
}

/** An organisational unit the stack manages. */
export interface OrgUnitObject extends ManagedObjectBase {
  readonly kind: 'orgUnit';
  /** Full path, e.g. `/Sales/Partners`. */
  readonly path: string;
  /** Google's id of the OU (`id:…`), when known. */
  readonly orgUnitId?: string;
}

/** An explicit outbound-gateway policy the stack manages on one OU. */
export interface GatewayPolicyObject extends ManagedObjectBase {
  readonly kind: 'gatewayPolicy';
  /** Path of the OU the policy applies to. */
  readonly orgUnitPath: string;
  /** Google's id of that OU, when known. */
  readonly orgUnitId?: string;
  /** The Cloud Identity policy's resource name (`policies/…`), when known. */
  readonly policyName?: string;
}

/** A user the stack places in an OU. */
export interface UserPlacementObject extends ManagedObjectBase {
  readonly kind: 'userPlacement';
  /** The user's primary address. */
  readonly email: string;
  /** The OU the stack put the user in. */
  readonly orgUnitPath: string;
}

/** Keyed fingerprints of the SMTP credentials last sent to an identity, and where they were sent. */
export interface SendAsCredentials {
  /** Fingerprint of the SMTP password (`hmac-sha256:<8 hex>:<64 hex>`), never the password. */
  readonly passwordFingerprint: string;
  /** Fingerprint of the SMTP user name. */
  readonly usernameFingerprint: string;
  /** `host:port/securityMode` the credentials were written with; a new endpoint re-sends them. */
  readonly endpoint: string;
  /** The reference the password was read from (`env:NAME`, `file:PATH`): shown in plans when it changes. */
  readonly passwordRef?: string;
  /** The reference the user name was read from; absent for a plain user name. */
  readonly usernameRef?: string;
}

/** A send-as identity the stack manages. */
export interface SendAsObject extends ManagedObjectBase {
  readonly kind: 'sendAs';
  /** The mailbox owning the identity. */
  readonly userEmail: string;
  /** The identity's address. */
  readonly sendAsEmail: string;
  /** Fingerprints of the credentials last sent; absent when none were sent or recorded. */
  readonly credentials?: SendAsCredentials;
}

/** A Directory alias of a user the stack manages. */
export interface AliasObject extends ManagedObjectBase {
  readonly kind: 'alias';
  readonly userEmail: string;
  readonly alias: string;
}

/** One object in a stack's state. */
export type ManagedObject = OrgUnitObject | GatewayPolicyObject | UserPlacementObject | SendAsObject | AliasObject;

/** What apply learnt about the target that cannot be read back from it. */
export interface StateFacts {
  /** Set once the Policy API refused a write of the gateway setting. */
  readonly policyWritesRefused?: boolean;
}

/** The state document of one stack. */
export interface StackState {
  readonly version: typeof STATE_FORMAT_VERSION;
  /** The stack's name. */
  readonly stack: string;
  /** A UUID made when the state was first created; a different lineage is a different history. */
  readonly lineage: string;
  /** Incremented by every write; 0 for a state never written. */
  readonly serial: number;
  /** The managed objects, keyed by {@link stateObjectId}. */
  readonly objects: Readonly<Record<string, ManagedObject>>;
  readonly facts: StateFacts;
}

/**
 * The removal policy an object gets when nothing else says which (objects carried over from `ledger.json`
 * that the code no longer declares).
 */
export const DEFAULT_REMOVAL_POLICIES: Readonly<Record<ManagedObjectKind, RemovalPolicyName>> = {
  orgUnit: 'retain',
  gatewayPolicy: 'destroy',
  userPlacement: 'destroy',
  sendAs: 'destroy',
  alias: 'destroy',
};

const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const SECRET_REF = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:[^\n]{1,1024})$/;
const ENDPOINT = /^[^\s/]{1,300}:[0-9]{1,5}\/(ssl|starttls|none)$/;

/** Whether `name` can name a stack's state (file and object names): letters, digits, `-`, `_`; 1–128 long. */
export function isValidStackName(name: string): boolean {
  return STACK_NAME.test(name);
}

/** Throws MP3008 unless {@link isValidStackName}. */
export function assertStackName(name: string): void {
  if (!isValidStackName(name)) {
    throw new MailPolicyError(
      ErrorCodes.STATE_BACKEND,
      `stack name '${name}' cannot name a state: allowed are letters, digits, '-' and '_', starting with a ` +
        'letter or digit, at most 128 characters',
      { stack: name },
    );
  }
}

const fingerprint = z
  .string()
  .refine(isFingerprint, { message: 'must be a keyed fingerprint hmac-sha256:<8 hex>:<64 hex>' });
const email = z.string().refine(isValidEmail, { message: 'must be an email address' });
const ouPath = z
  .string()
  .max(2048)
  .refine((p) => p.startsWith('/'), { message: "must be an OU path starting with '/'" });
const optionalId = z.string().min(1).max(256).optional();

const base = {
  origin: z.enum(['created', 'adopted']),
  removalPolicy: z.enum(['destroy', 'retain']),
  appliedDigest: z.string().regex(DIGEST, { message: 'must be sha256:<64 hex>' }).optional(),
  updatedAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date and time' }),
};

const CredentialsSchema = z.strictObject({
  passwordFingerprint: fingerprint,
  usernameFingerprint: fingerprint,
  endpoint: z.string().regex(ENDPOINT, { message: 'must be host:port/ssl|starttls|none' }),
  passwordRef: z.string().regex(SECRET_REF, { message: 'must be a secret reference env:NAME or file:PATH' }).optional(),
  usernameRef: z.string().regex(SECRET_REF, { message: 'must be a secret reference env:NAME or file:PATH' }).optional(),
});

const ManagedObjectSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('orgUnit'), path: ouPath, orgUnitId: optionalId, ...base }),
  z.strictObject({
    kind: z.literal('gatewayPolicy'),
    orgUnitPath: ouPath,
    orgUnitId: optionalId,
    policyName: z
      .string()
      .regex(/^policies\/[^\s/]+$/, { message: 'must be policies/<id>' })
      .optional(),
    ...base,
  }),
  z.strictObject({ kind: z.literal('userPlacement'), email, orgUnitPath: ouPath, ...base }),
  z.strictObject({
    kind: z.literal('sendAs'),
    userEmail: email,
    sendAsEmail: email,
    credentials: CredentialsSchema.optional(),
    ...base,
  }),
  z.strictObject({ kind: z.literal('alias'), userEmail: email, alias: email, ...base }),
]);

const StackStateSchema = z
  .strictObject({
    version: z.literal(STATE_FORMAT_VERSION),
    stack: z.string().regex(STACK_NAME, { message: "must be a stack name (letters, digits, '-', '_')" }),
    lineage: z.uuid({ message: 'must be a UUID' }),
    serial: z.number().int().min(0),
    objects: z.record(z.string().min(1).max(1024), ManagedObjectSchema),
    facts: z.strictObject({ policyWritesRefused: z.boolean().optional() }),
  })
  .superRefine((state, ctx) => {
    for (const [id, object] of Object.entries(state.objects)) {
      const expected = stateObjectId(object);
      if (expected !== id) {
        ctx.addIssue({
          code: 'custom',
          path: ['objects', id],
          message: `is keyed '${id}' but its fields make the key '${expected}'`,
        });
      }
    }
  });

// Compile-time check that the schema and the documented interfaces describe the same shape.
type Parsed = z.infer<typeof StackStateSchema>;
const _schemaMatchesInterface: (s: Parsed) => StackState = (s) => s;
const _interfaceMatchesSchema: (s: StackState) => Parsed = (s) => s as Parsed;
void _schemaMatchesInterface;
void _interfaceMatchesSchema;

/** A new, never written state: serial 0, a fresh lineage, no objects, no facts. */
export function emptyStackState(stack: string, lineage: string = randomUUID()): StackState {
  assertStackName(stack);
  return { version: STATE_FORMAT_VERSION, stack, lineage, serial: 0, objects: {}, facts: {} };
}

/**
 * Checks one object record (and that `id` is its key) before it enters a state; returns the parsed record.
 * Throws MP3007 listing every broken rule, never a value.
 */
export function checkManagedObject(id: string, object: unknown, where: string): ManagedObject {
  const parsed = ManagedObjectSchema.safeParse(JSON.parse(JSON.stringify(object)) as unknown);
  const fail = (rules: string): MailPolicyError =>
    new MailPolicyError(
      ErrorCodes.STATE_UNREADABLE,
      `refusing to record '${id}' in the state ${where}: the record breaks the state format (nothing was ` +
        `recorded):\n${rules}`,
      { where, objectId: id },
    );
  if (!parsed.success) throw fail(formatIssues(parsed.error.issues));
  const expected = stateObjectId(parsed.data);
  if (expected !== id) throw fail(`  - (key): the record's fields make the key '${expected}'`);
  return parsed.data;
}

/**
 * Reads a state document. Throws MP3007 naming `where` and every broken rule (never a value: a misplaced secret
 * is not echoed) when the text is not JSON, breaks the format, or belongs to another stack than `expectedStack`.
 */
export function parseStackState(text: string, where: string, expectedStack?: string): StackState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw unreadable(where, 'is not valid JSON');
  }
  const state = checkState(json, (rules) => unreadable(where, `does not match the state format:\n${rules}`));
  if (expectedStack !== undefined && state.stack !== expectedStack) {
    throw unreadable(where, `belongs to stack '${state.stack}', not '${expectedStack}'`);
  }
  return state;
}

/**
 * Checks a state before it is written and returns its canonical text (sorted keys, 2-space indentation, final
 * newline: equal states give identical bytes). Throws MP3007 when it breaks the format — for example a
 * credential field that is not a fingerprint — so nothing invalid ever reaches a backend.
 */
export function serialiseStackState(state: StackState, where: string): string {
  const checked = checkState(
    JSON.parse(JSON.stringify(state)) as unknown,
    (rules) =>
      new MailPolicyError(
        ErrorCodes.STATE_UNREADABLE,
        `refusing to write the state ${where}: the update breaks the state format (nothing was written):\n${rules}`,
        { where },
      ),
  );
  return canonicalJson(checked);
}

function checkState(json: unknown, fail: (rules: string) => MailPolicyError): StackState {
  const parsed = StackStateSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw fail(formatIssues(parsed.error.issues));
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => `  - ${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
    .join('\n');
}

function unreadable(where: string, what: string): MailPolicyError {
  return new MailPolicyError(
    ErrorCodes.STATE_UNREADABLE,
    `the state ${where} ${what}\nNothing was changed. Restore it from a backup (or an earlier object version ` +
      'of the bucket), or move it away to start with a missing state; see docs/state.md.',
    { where },
  );
}
