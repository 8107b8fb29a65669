import { z } from 'zod';

import { FindingSchema } from '../model/findings';
import { ChangeKindSchema, ChangeSchema } from './change';
import { GatewayPictureSchema } from './picture/gateway-picture';

/**
 * The plan: the diff's output, the renderers' input, the executor's instructions and, saved with `--out`,
 * the reviewed artefact. It never holds a secret value: secrets appear as references and fingerprints, and
 * sensitive attributes render as `(sensitive)`. Defined once in zod (the saved-plan reader parses with the same
 * schema); the types are inferred.
 */

export const PLAN_FORMAT_VERSION = 2;

/** An object whose live state could not be read. */
export const IndeterminateRowSchema = z
  .object({ kind: ChangeKindSchema, subject: z.string(), error: z.string() })
  .strict();
export type IndeterminateRow = z.infer<typeof IndeterminateRowSchema>;

/** A live object the stack does not declare and does not own: listed, never touched. */
export const UnmanagedRowSchema = z.object({ kind: ChangeKindSchema, subject: z.string() }).strict();
export type UnmanagedRow = z.infer<typeof UnmanagedRowSchema>;

/**
 * A declared identity Gmail holds as `pending`: the address's owner has not confirmed the verification mail yet,
 * so the identity cannot be used (nor made the default) until they do.
 */
export const PendingVerificationSchema = z
  .object({ subject: z.string(), userEmail: z.string(), sendAsEmail: z.string() })
  .strict();
export type PendingVerification = z.infer<typeof PendingVerificationSchema>;

/** Information that is neither a change nor drift (for example credentials not verifiable yet). */
export const PlanNoteSchema = z.object({ subject: z.string(), message: z.string() }).strict();
export type PlanNote = z.infer<typeof PlanNoteSchema>;

const count = z.number().int().nonnegative();

export const PlanSummarySchema = z
  .object({
    create: count,
    update: count,
    delete: count,
    replace: count,
    manual: count,
    /** Objects that leave the stack's state and stay in the tenant (removed from code, `retain`). */
    forget: count,
    unchanged: count,
    indeterminate: count,
    /** Error-level findings (unacknowledged warnings count too). */
    blockingFindings: count,
  })
  .strict();
export type PlanSummary = z.infer<typeof PlanSummarySchema>;

export const PlanSchema = z
  .object({
    formatVersion: z.literal(PLAN_FORMAT_VERSION),
    /** `drift` for a drift report (`driftReport`): only differences made outside the code. @default 'plan' */
    mode: z.enum(['plan', 'drift']).optional(),
    /**
     * Set when the stack has no state (first run, or lost): removals from code cannot be detected, and every SMTP
     * credential is sent. @default - a state was found
     */
    stateMissing: z.literal(true).optional(),
    stack: z.string(),
    target: z.object({ kind: z.enum(['google', 'emulator']), description: z.string() }).strict(),
    /** Ordered: dependency order, then kind, then id. */
    changes: z.array(ChangeSchema),
    findings: z.array(FindingSchema),
    indeterminate: z.array(IndeterminateRowSchema),
    unmanaged: z.array(UnmanagedRowSchema),
    notes: z.array(PlanNoteSchema),
    /** Declared identities waiting for their owner to confirm Gmail's verification mail. @default [] */
    pendingVerification: z.array(PendingVerificationSchema).optional(),
    summary: PlanSummarySchema,
    /**
     * Who may bypass the outbound gateway, before and after (`lib/engine/picture`). Absent when the OU list or
     * the gateway policies could not be read, and in drift reports. @default - none
     */
    picture: GatewayPictureSchema.optional(),
  })
  .strict()
  .superRefine((plan, ctx) => {
    const ids = new Set<string>();
    plan.changes.forEach((change, index) => {
      if (ids.has(change.id))
        ctx.addIssue({ code: 'custom', path: ['changes', index, 'id'], message: `duplicate change id ${change.id}` });
      ids.add(change.id);
    });
    plan.changes.forEach((change, index) => {
      change.dependsOn.forEach((dep, d) => {
        if (!ids.has(dep))
          ctx.addIssue({
            code: 'custom',
            path: ['changes', index, 'dependsOn', d],
            message: `depends on ${dep}, which is not a change of this plan`,
          });
      });
    });
  });
export type Plan = z.infer<typeof PlanSchema>;
