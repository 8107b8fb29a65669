/**
 * The seed format: a whole tenant as JSON, validated with zod. Extra fields are kept where they have a home
 * (send-as fields) and ignored elsewhere. A seed stores state as given: no SMTP checks, no verification mail.
 */
import { z } from 'zod';

const email = z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an email address');
const ouPath = z.string().regex(/^\/([^/]+(\/[^/]+)*)?$/, "must be an OU path such as '/' or '/Sales/Partners'");

export const SeedSmtpMsaSchema = z.looseObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  securityMode: z.enum(['ssl', 'starttls', 'none', 'securityModeUnspecified']),
});

export const SeedSendAsSchema = z.looseObject({
  userEmail: email,
  sendAsEmail: email,
  displayName: z.string().optional(),
  replyToAddress: z.string().optional(),
  signature: z.string().optional(),
  isDefault: z.boolean().optional(),
  treatAsAlias: z.boolean().optional(),
  smtpMsa: SeedSmtpMsaSchema.optional(),
  verificationStatus: z.enum(['accepted', 'pending', 'verificationStatusUnspecified']).optional(),
});

export const SeedTenantSchema = z.looseObject({
  customerId: z.string().regex(/^C[A-Za-z0-9]+$/, "must start with 'C' followed by letters or digits"),
  /** The root OU's name. @default - the first domain */
  organizationName: z.string().optional(),
  domains: z.array(z.string().min(1)),
  orgUnits: z
    .array(
      z.looseObject({
        path: ouPath.refine((p) => p !== '/', 'the root OU always exists'),
        description: z.string().optional(),
      }),
    )
    .default([]),
  users: z
    .array(z.looseObject({ primaryEmail: email, orgUnitPath: ouPath.default('/'), isAdmin: z.boolean().optional() }))
    .default([]),
  policies: z
    .array(z.looseObject({ orgUnitPath: ouPath, allowUsersToUseExternalSmtpServers: z.boolean() }))
    .default([]),
  sendAs: z.array(SeedSendAsSchema).default([]),
});

/** A tenant as JSON (input form: defaults may be omitted). */
export type SeedTenant = z.input<typeof SeedTenantSchema>;
/** A validated tenant with defaults applied. */
export type ParsedSeedTenant = z.output<typeof SeedTenantSchema>;

/** The demo tenant of the partner-gateway example. */
export const DEMO_TENANT: SeedTenant = {
  customerId: 'C01demo00',
  domains: ['example.com'],
  orgUnits: [{ path: '/Sales' }],
  users: [
    { primaryEmail: 'admin@example.com', orgUnitPath: '/', isAdmin: true },
    { primaryEmail: 'user@example.com', orgUnitPath: '/' },
  ],
  policies: [],
  sendAs: [],
};

/** Validates a seed, throwing an Error that lists every problem with its JSON path. */
export function parseSeedTenant(input: unknown): ParsedSeedTenant {
  const result = SeedTenantSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (i) => `$${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`,
  );
  throw new Error(`Emulator seed is invalid: ${problems.join('; ')}`);
}
