import { z } from 'zod';

import { ErrorCodes, MailPolicyError } from '../model/errors';
import { GatewayPolicySchema, OrgUnitSchema, SendAsSchema, UserSchema } from '../model/manifest';

/**
 * The change contract between the diff and apply (and drift, the renderers and saved plans): a discriminated
 * union per kind, each member allowing only the actions its kind has. Every member carries
 *
 * - a typed `target`: the identifiers apply needs (ids, current paths, addresses), never parsed out of `id`;
 * - the `desired` manifest entry it converges to (absent for deletes);
 * - a `write` intent: exactly what apply sends (which fields, whether credentials go along);
 * - a `cause`: why the change exists, which drift filters on.
 *
 * `subject`, `attributes` and `reason` are for people: renderers show them, nothing decides on them.
 * Defined once here in zod; the types are inferred, and saved plans are read through the same schema.
 */

/** The object kinds a plan changes. */
export const ChangeKindSchema = z.enum(['orgUnit', 'gatewayPolicy', 'groupPolicy', 'userPlacement', 'alias', 'sendAs']);
export type ChangeKind = z.infer<typeof ChangeKindSchema>;

/**
 * Every action any kind has: `manual` is a step a person makes in the Admin console; `forget` leaves the object in
 * the tenant and only drops it from the stack's state (removed from code under `RemovalPolicy.RETAIN`).
 */
export const ChangeActionSchema = z.enum(['create', 'update', 'delete', 'replace', 'manual', 'forget']);
export type ChangeAction = z.infer<typeof ChangeActionSchema>;

/** Marks that reviewers must see first. */
export const SecurityFlagSchema = z.enum([
  'allows-gateway', // a gateway policy turns per-user outbound gateways on
  'smtp-without-tls', // an identity sends through SMTP with securityMode none
  'destructive', // deletes an object
]);
export type SecurityFlag = z.infer<typeof SecurityFlagSchema>;

/**
 * Why a change exists:
 * - `code`: the code declares something the tenant does not have yet (a new object or a new value);
 * - `tenant`: the tenant differs from what the code declares and apply put in place (drift);
 * - `move`: an OU renamed or moved in code (`movedFrom`);
 * - `rotation`: SMTP credentials sent again because their fingerprint differs from the one recorded;
 * - `default-switch`: making a just-created identity the default From address;
 * - `scope`: a live object the code does not declare, inside an exclusive scope;
 * - `removed`: an object the stack manages (its state says so) that the code no longer declares.
 */
export const ChangeCauseSchema = z.enum(['code', 'tenant', 'move', 'rotation', 'default-switch', 'scope', 'removed']);
export type ChangeCause = z.infer<typeof ChangeCauseSchema>;

/** Causes that are drift: differences made outside the code. */
export const DRIFT_CAUSES: ReadonlySet<ChangeCause> = new Set<ChangeCause>(['tenant', 'scope']);

/** One attribute's before and after, for display. Sensitive attributes carry no values. */
export const AttributeChangeSchema = z
  .object({
    name: z.string(),
    before: z.unknown().optional(),
    after: z.unknown().optional(),
    sensitive: z.literal(true).optional(),
    /** Describes the code, not the tenant (where a secret is read from): never drift. */
    codeOnly: z.literal(true).optional(),
  })
  .strict();
export type AttributeChange = z.infer<typeof AttributeChangeSchema>;

const common = {
  /** Stable, unique within the plan; what `dependsOn` refers to. Opaque: nothing parses it. */
  id: z.string().min(1),
  /** Human address: the OU path, the user, `user → alias`. */
  subject: z.string(),
  attributes: z.array(AttributeChangeSchema),
  /** Ids of changes in this plan that must finish first. */
  dependsOn: z.array(z.string()),
  security: z.array(SecurityFlagSchema),
  cause: ChangeCauseSchema,
  /** Why, in words, when not obvious. */
  reason: z.string().optional(),
};

// ── Organisational units ─────────────────────────────────────────────────────────────────────────────────

/** The OU fields an OU write sends. */
export const OrgUnitWriteFieldSchema = z.enum(['name', 'parentOrgUnitPath', 'description']);
export type OrgUnitWriteField = z.infer<typeof OrgUnitWriteFieldSchema>;

const OrgUnitWriteSchema = z.object({ fields: z.array(OrgUnitWriteFieldSchema).min(1) }).strict();

const OrgUnitCreateSchema = z
  .object({
    ...common,
    kind: z.literal('orgUnit'),
    action: z.literal('create'),
    target: z.object({ path: z.string() }).strict(),
    desired: OrgUnitSchema,
    write: OrgUnitWriteSchema,
  })
  .strict();

const OrgUnitUpdateSchema = z
  .object({
    ...common,
    kind: z.literal('orgUnit'),
    action: z.literal('update'),
    /** `livePath`: where the OU is now (its former path for a move). */
    target: z.object({ path: z.string(), orgUnitId: z.string(), livePath: z.string() }).strict(),
    desired: OrgUnitSchema,
    write: OrgUnitWriteSchema,
  })
  .strict();

const OrgUnitDeleteSchema = z
  .object({
    ...common,
    kind: z.literal('orgUnit'),
    action: z.literal('delete'),
    target: z.object({ path: z.string(), orgUnitId: z.string() }).strict(),
  })
  .strict();

/** A `forget` of any kind: nothing is sent to Google; the object leaves the stack's state. */
const forgetMember = <K extends ChangeKind, T extends z.ZodType>(kind: K, target: T) =>
  z.object({ ...common, kind: z.literal(kind), action: z.literal('forget'), target }).strict();

export const OrgUnitChangeSchema = z.discriminatedUnion('action', [
  OrgUnitCreateSchema,
  OrgUnitUpdateSchema,
  OrgUnitDeleteSchema,
  forgetMember('orgUnit', z.object({ path: z.string() }).strict()),
]);
export type OrgUnitChange = z.infer<typeof OrgUnitChangeSchema>;

// ── Gateway policies ─────────────────────────────────────────────────────────────────────────────────────

/** The OU a policy belongs to: its id once it exists, the explicit policy's name when there is one. */
const PolicyTargetSchema = z
  .object({ orgUnitPath: z.string(), orgUnitId: z.string().optional(), policyName: z.string().optional() })
  .strict();

const GatewayCreateSchema = z
  .object({
    ...common,
    kind: z.literal('gatewayPolicy'),
    action: z.literal('create'),
    target: PolicyTargetSchema,
    desired: GatewayPolicySchema,
    write: z.object({ allow: z.boolean() }).strict(),
  })
  .strict();

const GatewayUpdateSchema = z
  .object({
    ...common,
    kind: z.literal('gatewayPolicy'),
    action: z.literal('update'),
    target: PolicyTargetSchema.extend({ orgUnitId: z.string(), policyName: z.string() }),
    desired: GatewayPolicySchema,
    write: z.object({ allow: z.boolean() }).strict(),
  })
  .strict();

const GatewayDeleteSchema = z
  .object({
    ...common,
    kind: z.literal('gatewayPolicy'),
    action: z.literal('delete'),
    target: PolicyTargetSchema.extend({ orgUnitId: z.string(), policyName: z.string() }),
    desired: GatewayPolicySchema.optional(),
  })
  .strict();

const GatewayManualSchema = z
  .object({
    ...common,
    kind: z.literal('gatewayPolicy'),
    action: z.literal('manual'),
    target: PolicyTargetSchema,
    desired: GatewayPolicySchema,
    /** What the person sets: allowed, not allowed, or inherit (remove the OU's own setting). */
    write: z.object({ allow: z.union([z.boolean(), z.literal('inherit')]) }).strict(),
    /** The exact Admin-console steps. */
    manualSteps: z.array(z.string()).min(1),
  })
  .strict();

export const GatewayPolicyChangeSchema = z.discriminatedUnion('action', [
  GatewayCreateSchema,
  GatewayUpdateSchema,
  GatewayDeleteSchema,
  GatewayManualSchema,
  forgetMember('gatewayPolicy', PolicyTargetSchema),
]);
export type GatewayPolicyChange = z.infer<typeof GatewayPolicyChangeSchema>;

// ── Group-scoped gateway policies ────────────────────────────────────────────────────────────────────────

/** A gateway policy bound to a Google group (it outranks OU policies for the group's members). */
const GroupPolicyTargetSchema = z
  .object({ groupId: z.string(), groupEmail: z.string(), policyName: z.string(), orgUnitPath: z.string() })
  .strict();

/** Only removal: the code never declares group policies; one inside a `gatewayPolicies` ownership scope goes. */
export const GroupPolicyChangeSchema = z.discriminatedUnion('action', [
  z
    .object({ ...common, kind: z.literal('groupPolicy'), action: z.literal('delete'), target: GroupPolicyTargetSchema })
    .strict(),
  z
    .object({
      ...common,
      kind: z.literal('groupPolicy'),
      action: z.literal('manual'),
      target: GroupPolicyTargetSchema,
      manualSteps: z.array(z.string()).min(1),
    })
    .strict(),
]);
export type GroupPolicyChange = z.infer<typeof GroupPolicyChangeSchema>;

// ── User placements ──────────────────────────────────────────────────────────────────────────────────────

const PlacementUpdateSchema = z
  .object({
    ...common,
    kind: z.literal('userPlacement'),
    action: z.literal('update'),
    target: z.object({ email: z.string(), liveOrgUnitPath: z.string() }).strict(),
    desired: UserSchema,
    write: z.object({ orgUnitPath: z.string() }).strict(),
  })
  .strict();

export const UserPlacementChangeSchema = z.discriminatedUnion('action', [
  PlacementUpdateSchema,
  forgetMember('userPlacement', z.object({ email: z.string() }).strict()),
]);
export type UserPlacementChange = z.infer<typeof UserPlacementChangeSchema>;

// ── Aliases ──────────────────────────────────────────────────────────────────────────────────────────────

/** A Directory alias of a user (`users.aliases`): the user (lower case) and the alias address. */
const AliasTargetSchema = z.object({ userEmail: z.string(), alias: z.string() }).strict();

/** The alias as the code declares it: its user, address and removal policy. */
export const AliasSpecSchema = z
  .object({ userEmail: z.string(), alias: z.string(), removalPolicy: z.enum(['destroy', 'retain']).optional() })
  .strict();
export type AliasSpec = z.infer<typeof AliasSpecSchema>;

export const AliasChangeSchema = z.discriminatedUnion('action', [
  z
    .object({
      ...common,
      kind: z.literal('alias'),
      action: z.literal('create'),
      target: AliasTargetSchema,
      desired: AliasSpecSchema,
    })
    .strict(),
  z.object({ ...common, kind: z.literal('alias'), action: z.literal('delete'), target: AliasTargetSchema }).strict(),
  forgetMember('alias', AliasTargetSchema),
]);
export type AliasChange = z.infer<typeof AliasChangeSchema>;

// ── Send-as identities ───────────────────────────────────────────────────────────────────────────────────

/** The Gmail fields a send-as write sends (the send-as field table's names). */
export const SendAsWriteFieldSchema = z.enum([
  'displayName',
  'replyToAddress',
  'signature',
  'treatAsAlias',
  'isDefault',
  'smtpMsa',
]);

/** Which fields to send; `smtpMsa` always goes with freshly resolved credentials (Gmail requires them). */
const SendAsWriteSchema = z.object({ fields: z.array(SendAsWriteFieldSchema) }).strict();
export type SendAsWrite = z.infer<typeof SendAsWriteSchema>;

/** The identity: its user (lower case) and address, plus what the live record said. */
const SendAsTargetSchema = z
  .object({
    userEmail: z.string(),
    sendAsEmail: z.string(),
    isPrimary: z.boolean().optional(),
    verificationStatus: z.enum(['accepted', 'pending', 'verificationStatusUnspecified']).optional(),
  })
  .strict();

const sendAsMember = <A extends 'create' | 'update' | 'replace'>(action: A) =>
  z
    .object({
      ...common,
      kind: z.literal('sendAs'),
      action: z.literal(action),
      target: SendAsTargetSchema,
      desired: SendAsSchema,
      write: SendAsWriteSchema,
    })
    .strict();

const SendAsDeleteSchema = z
  .object({
    ...common,
    kind: z.literal('sendAs'),
    action: z.literal('delete'),
    target: SendAsTargetSchema,
  })
  .strict();

export const SendAsChangeSchema = z.discriminatedUnion('action', [
  sendAsMember('create'),
  sendAsMember('update'),
  sendAsMember('replace'),
  SendAsDeleteSchema,
  forgetMember('sendAs', SendAsTargetSchema),
]);
export type SendAsChange = z.infer<typeof SendAsChangeSchema>;

// ── The union ────────────────────────────────────────────────────────────────────────────────────────────

export const ChangeSchema = z.discriminatedUnion('kind', [
  OrgUnitChangeSchema,
  GatewayPolicyChangeSchema,
  GroupPolicyChangeSchema,
  UserPlacementChangeSchema,
  AliasChangeSchema,
  SendAsChangeSchema,
]);
export type Change = z.infer<typeof ChangeSchema>;

/** The change of one kind. */
export type ChangeOfKind<K extends ChangeKind> = Extract<Change, { kind: K }>;

/** The Admin-console steps of a manual change; none for other changes. */
export function manualStepsOf(change: Change): readonly string[] {
  return change.action === 'manual' ? change.manualSteps : [];
}

/** Whether an identity write sends SMTP credentials. */
export function sendsCredentials(write: SendAsWrite): boolean {
  return write.fields.includes('smtpMsa');
}

/**
 * Fails loudly on a value the type system says cannot happen (an exhaustive switch's default). Used by the
 * executors, so a new kind or action added to the schema cannot be silently ignored.
 */
export function unreachable(value: never, what: string): never {
  throw new MailPolicyError(
    ErrorCodes.PLAN_INVARIANT,
    `the plan holds an unexpected ${what} (${JSON.stringify(value)}); it was not made by this version of mailpolicy`,
  );
}
