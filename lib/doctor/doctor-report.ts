import { z } from 'zod';

/**
 * What `mailpolicy doctor` found, as one typed report: the contract between the checks and the renderers (text,
 * markdown, JSON). The JSON output is this report, validated against `DoctorReportSchema` before it is printed
 * (`docs/doctor.md`, "JSON"). No field ever holds a secret value.
 */

/** Version of the JSON report. */
export const DOCTOR_FORMAT_VERSION = 1;

/** `ok` ✓ passed · `warn` ! does not block, read it · `fail` ✗ blocks a first apply · `skipped` · not run. */
export const CheckStatusSchema = z.enum(['ok', 'warn', 'fail', 'skipped']);
export type CheckStatus = z.infer<typeof CheckStatusSchema>;

/** The groups of checks, in the order they are printed. */
export const CheckGroupSchema = z.enum(['target', 'credentials', 'delegation', 'tenant', 'users', 'apply', 'smtp']);
export type CheckGroup = z.infer<typeof CheckGroupSchema>;

export const GROUP_TITLES: Readonly<Record<CheckGroup, string>> = {
  target: 'Target',
  credentials: 'Service-account key',
  delegation: 'Domain-wide delegation (a token per scope, each asked for on its own)',
  tenant: 'Tenant: admin, APIs, customer, domains',
  users: 'Users the code references',
  apply: 'What apply depends on: state and the gateway setting',
  smtp: 'SMTP endpoints (from this machine)',
};

export const DoctorCheckSchema = z
  .object({
    /** Stable id, e.g. `delegation.token:admin@example.com:cloud-identity.policies`. */
    id: z.string(),
    group: CheckGroupSchema,
    status: CheckStatusSchema,
    /** What was checked, e.g. `admin@example.com · cloud-identity.policies`. */
    title: z.string(),
    /** What was found. */
    detail: z.string(),
    /** What to do about a `fail` or `warn`. */
    fix: z.string().optional(),
    /** Text to paste somewhere (the scope list of a delegation grant). */
    paste: z.string().optional(),
    /** The error code an apply would stop with (`MP2001`, …). */
    code: z.string().optional(),
  })
  .strict();
export type DoctorCheck = z.infer<typeof DoctorCheckSchema>;

export const DoctorReportSchema = z
  .object({
    formatVersion: z.literal(DOCTOR_FORMAT_VERSION),
    command: z.literal('doctor'),
    stacks: z.array(z.string()),
    target: z.object({ kind: z.enum(['google', 'emulator']), description: z.string() }).strict(),
    /** `healthy`: all passed · `warnings`: nothing blocks · `blocked`: at least one check failed. */
    verdict: z.enum(['healthy', 'warnings', 'blocked']),
    /** 0 when nothing blocks, else 1. */
    exitCode: z.union([z.literal(0), z.literal(1)]),
    summary: z.object({ passed: z.number(), warnings: z.number(), failed: z.number(), skipped: z.number() }).strict(),
    groups: z.array(z.object({ id: CheckGroupSchema, title: z.string(), notes: z.array(z.string()) }).strict()),
    checks: z.array(DoctorCheckSchema),
    /** The delegation grant the key needs: its client id and every scope, as the Admin console takes them. */
    delegation: z
      .object({
        clientId: z.string().optional(),
        scopes: z.array(z.string()),
        missing: z.array(z.string()),
      })
      .strict()
      .optional(),
  })
  .strict();
export type DoctorReport = z.infer<typeof DoctorReportSchema>;

/** Notes printed under a group's heading. */
export type GroupNotes = Partial<Record<CheckGroup, readonly string[]>>;

/** Assembles the report: counts, verdict and exit code follow from the checks. Checks keep their group order. */
export function buildReport(input: {
  readonly stacks: readonly string[];
  readonly target: DoctorReport['target'];
  readonly checks: readonly DoctorCheck[];
  readonly notes?: GroupNotes;
  readonly delegation?: DoctorReport['delegation'];
}): DoctorReport {
  const order = CheckGroupSchema.options;
  const checks = [...input.checks].sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group));
  const count = (status: CheckStatus): number => checks.filter((c) => c.status === status).length;
  const summary = { passed: count('ok'), warnings: count('warn'), failed: count('fail'), skipped: count('skipped') };
  const verdict = summary.failed > 0 ? 'blocked' : summary.warnings > 0 ? 'warnings' : 'healthy';
  const used = new Set(checks.map((c) => c.group));
  const report: DoctorReport = {
    formatVersion: DOCTOR_FORMAT_VERSION,
    command: 'doctor',
    stacks: [...input.stacks],
    target: input.target,
    verdict,
    exitCode: verdict === 'blocked' ? 1 : 0,
    summary,
    groups: order
      .filter((id) => used.has(id))
      .map((id) => ({ id, title: GROUP_TITLES[id], notes: [...(input.notes?.[id] ?? [])] })),
    checks,
    ...(input.delegation ? { delegation: input.delegation } : {}),
  };
  return DoctorReportSchema.parse(report);
}
