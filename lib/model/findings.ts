import { z } from 'zod';

/**
 * Shapes shared by validation (hard errors with a JSON path and a construct path) and the rule pack
 * (findings with a level that a user may acknowledge).
 */

/** One broken validation rule. */
export interface ValidationIssue {
  /** Stable code of the rule, for example `MPV-SMTP-PORT`. */
  readonly code: string;
  /** JSON path into the manifest, for example `$.sendAs[2].smtp.port`. */
  readonly jsonPath: string;
  /** Construct path of the declaring construct, when the manifest came from constructs. */
  readonly constructPath?: string;
  /** The offending field, for example `smtp.port`. */
  readonly field: string;
  /** The value received (never a secret value; secret references are fine). */
  readonly value: unknown;
  /** What is allowed, in words. */
  readonly allowed: string;
  /** One-line explanation. */
  readonly message: string;
}

export const FindingLevelSchema = z.enum(['error', 'warning', 'info']);
export type FindingLevel = z.infer<typeof FindingLevelSchema>;

/** A finding of the rule pack (or of the plan's live checks). */
export const FindingSchema = z
  .object({
    /** Stable rule id, for example `MPR-GATEWAY-AT-ROOT`. */
    ruleId: z.string(),
    level: FindingLevelSchema,
    /** What the finding is about: `orgUnit:/Sales`, `sendAs:user@example.com/alias@partner.com`, … */
    subject: z.string(),
    message: z.string(),
    /** How to fix it. */
    fix: z.string(),
    constructPath: z.string().optional(),
    /** The reason given by `acknowledge()`, when the finding was accepted on purpose. */
    acknowledged: z.string().optional(),
    /** The last day the acknowledgement holds, when it expires. */
    acknowledgedUntil: z.string().optional(),
    /** Set when an acknowledgement matched but expired on that day: the finding counts again. */
    acknowledgementExpired: z.string().optional(),
    /**
     * A warning about a live fact the stack does not own (for example a gateway allowance another stack or the
     * console made): shown in every plan, never blocking it. @default - warnings block until acknowledged
     */
    advisory: z.literal(true).optional(),
  })
  .strict();
export type Finding = z.infer<typeof FindingSchema>;

/** Whether a finding stops apply (and synth): every error, and warnings neither acknowledged nor advisory. */
export function isBlockingFinding(finding: Finding): boolean {
  return finding.level === 'error' || (finding.level === 'warning' && !finding.acknowledged && !finding.advisory);
}

/** Renders one issue as a compiler-style line. */
export function formatValidationIssue(issue: ValidationIssue): string {
  const where = issue.constructPath ?? issue.jsonPath;
  return `${where}: ${issue.field}: ${issue.message} (received ${JSON.stringify(issue.value)}; allowed: ${issue.allowed}) [${issue.code}]`;
}

/** Renders one finding as a line. */
export function formatFinding(finding: Finding): string {
  const where = finding.constructPath ?? finding.subject;
  const until = finding.acknowledgedUntil ? ` until ${finding.acknowledgedUntil}` : '';
  const ack = finding.acknowledged
    ? ` (acknowledged${until}: ${finding.acknowledged})`
    : finding.acknowledgementExpired
      ? ` (the acknowledgement expired on ${finding.acknowledgementExpired}: review it, then renew it with a new date or fix the finding)`
      : '';
  return `${finding.level.toUpperCase()} ${finding.ruleId} ${where}: ${finding.message} Fix: ${finding.fix}${ack}`;
}
