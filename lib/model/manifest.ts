import { z } from 'zod';

/**
 * The desired-state manifest, version 1: the contract between synth (lib/constructs) and the engine
 * (lib/engine). These zod schemas are the only place the shapes are defined; every other module uses the
 * inferred types exported here.
 *
 * The schemas check structure (types, enums, required fields). Value rules (email syntax, port range, OU
 * names, cross-object rules) live in the validation rule table (`validate-manifest.ts`) so that every problem
 * is reported at once with a stable code.
 */

/** The manifest format version this library writes and reads. */
export const MANIFEST_VERSION = 1;

/** File name of the manifest in each stack's output folder. */
export const MANIFEST_FILE_NAME = 'mail-policy.json';

/** Construct path of the object that declared a manifest entry, for error messages. */
const constructPath = z.string().optional();

/**
 * What happens to an object when it leaves the code (AWS CDK's `RemovalPolicy`): `destroy` deletes it from the
 * tenant, `retain` forgets it and leaves it in place. Recorded in the stack's state at apply, because once the
 * code is gone the state is what remembers it. Absent: the kind's default (see `defaultRemovalPolicy`).
 */
export const RemovalPolicySchema = z.enum(['destroy', 'retain']);
const removalPolicy = RemovalPolicySchema.optional();

/**
 * A reference to a secret: `env:NAME` or `file:PATH`, never the value. `fingerprint` is a keyed,
 * non-reversible fingerprint (see `secret-ref.ts`) recorded when the secret resolved at synth time.
 */
export const SecretRefSchema = z
  .object({
    ref: z.string(),
    fingerprint: z.string().optional(),
  })
  .strict();

/** How Gmail secures the connection to the SMTP server of a per-user outbound gateway. */
export const SecurityModeSchema = z.enum(['ssl', 'starttls', 'none']);

/** The SMTP server (mail submission agent) a send-as identity sends through. */
export const SmtpEndpointSchema = z
  .object({
    host: z.string(),
    port: z.number(),
    securityMode: SecurityModeSchema,
    /** A plain user name, or a secret reference when the user name itself is not to be written down. */
    username: z.union([z.string(), SecretRefSchema]),
    password: SecretRefSchema,
  })
  .strict();

/** An organisational unit, identified by its full path (`/Sales/Partners`). */
export const OrgUnitSchema = z
  .object({
    path: z.string(),
    name: z.string(),
    /** Path of the parent OU; `/` for a top-level OU. */
    parentPath: z.string(),
    description: z.string().optional(),
    /** `false` for an OU referenced with `OrgUnit.fromPath`: it must exist and is never changed. */
    managed: z.boolean(),
    /**
     * The OU's former path, when it is being renamed or moved: the engine then updates the OU found there
     * instead of creating a new one (like Terraform's `moved` blocks).
     */
    movedFrom: z.string().optional(),
    removalPolicy,
    constructPath,
  })
  .strict();

/** The "Allow per-user outbound gateways" setting of one OU. `inherit` removes an explicit setting. */
export const GatewayPolicySchema = z
  .object({
    orgUnitPath: z.string(),
    allowPerUserOutboundGateways: z.union([z.boolean(), z.literal('inherit')]),
    removalPolicy,
    constructPath,
  })
  .strict();

/**
 * A user referenced by the stack; with `orgUnitPath`, the stack places the user in that OU; with `aliases`, the
 * stack gives the user those Directory aliases (an in-domain send-as address must be one: Gmail refuses it
 * otherwise). Each alias is an object of its own for removal (`aliasRemovalPolicy`).
 */
export const UserSchema = z
  .object({
    email: z.string(),
    orgUnitPath: z.string().optional(),
    aliases: z.array(z.string()).optional(),
    /** What happens to the declared aliases when they leave the code. Absent: `destroy`. */
    aliasRemovalPolicy: RemovalPolicySchema.optional(),
    constructPath,
  })
  .strict();

/** A Gmail send-as identity of one user. Absent optional fields are not managed. */
export const SendAsSchema = z
  .object({
    userEmail: z.string(),
    sendAsEmail: z.string(),
    displayName: z.string().optional(),
    replyToAddress: z.string().optional(),
    signature: z.string().optional(),
    treatAsAlias: z.boolean().optional(),
    isDefault: z.boolean().optional(),
    smtp: SmtpEndpointSchema.optional(),
    removalPolicy,
    constructPath,
  })
  .strict();

/**
 * A declaration that the stack exclusively owns something, so that what it does not declare there is removed:
 * the send-as identities of an OU subtree (`orgUnit`) or of a user (`user`), or the per-user outbound gateway
 * setting of an OU subtree (`gatewayPolicies`; `/` for the whole customer): explicit policies there that the
 * stack does not declare are deleted, so those OUs inherit again.
 */
export const OwnershipScopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('orgUnit'), orgUnitPath: z.string(), constructPath }).strict(),
  z.object({ kind: z.literal('user'), email: z.string(), constructPath }).strict(),
  z.object({ kind: z.literal('gatewayPolicies'), orgUnitPath: z.string(), constructPath }).strict(),
]);

/** A warning-level finding accepted on purpose. */
export const AcknowledgementSchema = z
  .object({
    ruleId: z.string(),
    reason: z.string(),
    /** Restricts the acknowledgement to one subject (for example `orgUnit:/Sales`); all subjects when absent. */
    subject: z.string().optional(),
    /** The last day it holds (`YYYY-MM-DD`, UTC); past it the finding counts again. No expiry when absent. */
    expires: z.string().optional(),
  })
  .strict();

export const ManifestSchema = z
  .object({
    version: z.literal(MANIFEST_VERSION),
    stack: z.string(),
    customerId: z.string(),
    /** The customer's own domains; the first is the primary domain. */
    domains: z.array(z.string()),
    orgUnits: z.array(OrgUnitSchema),
    gatewayPolicies: z.array(GatewayPolicySchema),
    users: z.array(UserSchema),
    sendAs: z.array(SendAsSchema),
    ownership: z.array(OwnershipScopeSchema),
    acknowledgements: z.array(AcknowledgementSchema),
  })
  .strict();

export type RemovalPolicyValue = z.infer<typeof RemovalPolicySchema>;
export type SecretRef = z.infer<typeof SecretRefSchema>;
export type SecurityModeValue = z.infer<typeof SecurityModeSchema>;
export type SmtpEndpoint = z.infer<typeof SmtpEndpointSchema>;
export type OrgUnitSpec = z.infer<typeof OrgUnitSchema>;
export type GatewayPolicySpec = z.infer<typeof GatewayPolicySchema>;
export type UserSpec = z.infer<typeof UserSchema>;
export type SendAsSpec = z.infer<typeof SendAsSchema>;
export type OwnershipScope = z.infer<typeof OwnershipScopeSchema>;
export type Acknowledgement = z.infer<typeof AcknowledgementSchema>;
export type Manifest = z.infer<typeof ManifestSchema>;

/** An empty manifest, the starting point for builders and tests. */
export function emptyManifest(stack: string, domains: string[], customerId = 'my_customer'): Manifest {
  return {
    version: MANIFEST_VERSION,
    stack,
    customerId,
    domains,
    orgUnits: [],
    gatewayPolicies: [],
    users: [],
    sendAs: [],
    ownership: [],
    acknowledgements: [],
  };
}
