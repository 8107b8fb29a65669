/** Knob defaults and validation (run-time changes arrive as JSON over the control API too). */
import { z } from 'zod';
import type { EmulatorOptions, Knobs } from '../emulator-types';

const rate = z.number().min(0).max(1).optional();
const FaultRatesSchema = z.strictObject({ '429': rate, '500': rate, '503': rate, reset: rate });
const FaultSpecSchema = FaultRatesSchema.extend({ methods: z.record(z.string(), FaultRatesSchema).optional() });

export const KnobsPatchSchema = z.strictObject({
  policyWrites: z.enum(['accepted', 'refused']).optional(),
  acceptExternalWithoutSmtp: z.boolean().optional(),
  allowInsecureSmtpAnyPort: z.boolean().optional(),
  smtpCa: z.string().nullable().optional(),
  propagationDelayMs: z.number().min(0).optional(),
  latencyMs: z.number().min(0).optional(),
  jitterMs: z.number().min(0).optional(),
  faults: FaultSpecSchema.optional(),
  quotaProjectPerMinute: z.number().positive().nullable().optional(),
  quotaUserPerMinute: z.number().positive().nullable().optional(),
  tokenLifetimeSeconds: z.number().int().positive().optional(),
  smtpTimeoutMs: z.number().int().positive().optional(),
  randomSeed: z.number().int().optional(),
});

/** Validates a partial knob set, throwing an Error that lists every problem. */
export function parseKnobsPatch(input: unknown): Partial<Knobs> {
  const result = KnobsPatchSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(knobs)'}: ${i.message}`);
    throw new Error(`Emulator knobs are invalid: ${problems.join('; ')}`);
  }
  // null (JSON) and undefined (in process) both mean "unset": unlimited quota, no extra CA.
  return Object.fromEntries(
    Object.entries(result.data).map(([k, v]) => [k, v === null ? undefined : v]),
  ) as Partial<Knobs>;
}

export function initialKnobs(options: EmulatorOptions): Knobs {
  return {
    policyWrites: options.policyWrites ?? 'accepted',
    acceptExternalWithoutSmtp: options.acceptExternalWithoutSmtp ?? false,
    allowInsecureSmtpAnyPort: options.allowInsecureSmtpAnyPort ?? false,
    smtpCa: options.smtpCa,
    propagationDelayMs: options.propagationDelayMs ?? 0,
    latencyMs: options.latencyMs ?? 0,
    jitterMs: options.jitterMs ?? 0,
    faults: options.faults ?? {},
    quotaProjectPerMinute: options.quotaProjectPerMinute,
    quotaUserPerMinute: options.quotaUserPerMinute,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    smtpTimeoutMs: options.smtpTimeoutMs ?? 5000,
    randomSeed: options.randomSeed ?? Math.floor(Math.random() * 2 ** 31),
  };
}
