import { z } from 'zod';

/**
 * The gateway picture: who may bypass the domain's outbound gateway before and after a plan. It answers the
 * reviewer's question "after this merge, which users may send through their own SMTP server?" without making
 * them rebuild the OU tree and its inheritance in their head.
 *
 * It holds the OUs that matter (declared OUs, OUs with a declared, live-allowing or changed gateway setting, the
 * OUs where users with SMTP identities sit after the plan, and all their ancestors up to `/`), each with its
 * effective per-user outbound gateway setting before and after the plan. Computed by `diff` (pure); rendered as
 * Mermaid, DOT and a text tree. Defined once in zod, so saved plans carry it and read it back checked.
 */

/** Where an effective value comes from: the OU's own setting, an ancestor's, or Google's default (not allowed). */
export const GatewaySourceSchema = z.enum(['explicit', 'inherited', 'default']);
export type GatewaySource = z.infer<typeof GatewaySourceSchema>;

/** An effective "Allow per-user outbound gateways" value. */
export const GatewaySettingSchema = z
  .object({
    allowed: z.boolean(),
    source: GatewaySourceSchema,
    /** For `inherited`: the OU whose explicit setting applies. */
    from: z.string().optional(),
  })
  .strict();
export type GatewaySetting = z.infer<typeof GatewaySettingSchema>;

/**
 * Whether the OU exists: `live` (and stays where it is), `moved` (renamed or moved by this plan: `livePath` is
 * where it is now), `new` (this plan creates it: `before` is what it inherits once created), `absent` (neither
 * in the tenant nor created by this plan; a finding says so).
 */
export const OrgUnitStatusSchema = z.enum(['live', 'moved', 'new', 'absent']);
export type OrgUnitStatus = z.infer<typeof OrgUnitStatusSchema>;

/**
 * Why an OU is in the picture (an ancestor kept only to connect the tree has none):
 * `declared-ou` the stack declares it; `declared-policy` the stack declares its gateway setting; `live-allowance`
 * the tenant allows per-user gateways on it explicitly; `policy-change` this plan changes its setting;
 * `smtp-identities` users with SMTP identities sit in it after the plan.
 */
export const NodeReasonSchema = z.enum([
  'declared-ou',
  'declared-policy',
  'live-allowance',
  'policy-change',
  'smtp-identities',
]);
export type NodeReason = z.infer<typeof NodeReasonSchema>;

const count = z.number().int().nonnegative();

/** One OU of the picture, at its path after the plan. */
export const OrgUnitNodeSchema = z
  .object({
    path: z.string(),
    /** The last segment of the path; `/` for the root. */
    name: z.string(),
    /** The parent node's path; absent for the root. */
    parentPath: z.string().optional(),
    status: OrgUnitStatusSchema,
    livePath: z.string().optional(),
    before: GatewaySettingSchema,
    after: GatewaySettingSchema,
    /** Whether the effective value (allowed or not) differs after the plan. */
    changed: z.boolean(),
    reasons: z.array(NodeReasonSchema),
    /** Declared identities with an SMTP endpoint whose user sits directly in this OU after the plan. */
    smtpIdentities: count,
  })
  .strict();
export type OrgUnitNode = z.infer<typeof OrgUnitNodeSchema>;

/**
 * A Google group whose own gateway setting applies to its members ahead of their OU's (a group-scoped policy, before
 * or after the plan; `default` after when the plan removes it).
 */
export const GroupNodeSchema = z
  .object({
    email: z.string(),
    before: GatewaySettingSchema,
    after: GatewaySettingSchema,
    changed: z.boolean(),
    smtpIdentities: count,
    /** Paths of the OU nodes where members relying on the group's setting sit. */
    orgUnits: z.array(z.string()),
  })
  .strict();
export type GroupNode = z.infer<typeof GroupNodeSchema>;

export const GatewayPictureSchema = z
  .object({
    /** Tree order: every parent before its children, siblings by name. */
    orgUnits: z.array(OrgUnitNodeSchema),
    groups: z.array(GroupNodeSchema),
    /** Declared SMTP identities whose user could not be read or does not exist: not counted on any OU. */
    unplacedSmtpIdentities: count,
  })
  .strict();
export type GatewayPicture = z.infer<typeof GatewayPictureSchema>;
