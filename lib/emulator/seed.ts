/**
 * The seed format: a whole tenant as JSON, validated with zod. Extra fields are kept where they have a home
 * (send-as fields) and ignored elsewhere. A seed stores state as given: no SMTP checks, no verification mail.
 * Seeds written for earlier releases (no groups, no aliases, OU policies only) load unchanged.
 */
import { z } from 'zod';
import { jsonPath } from './private/json-path';

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

export const SeedUserSchema = z.looseObject({
  primaryEmail: email,
  orgUnitPath: ouPath.default('/'),
  isAdmin: z.boolean().optional(),
  /** Editable Directory aliases (`users.aliases`). @default [] */
  aliases: z.array(email).default([]),
  /** Addresses Google derives from domain aliases (`nonEditableAliases`). @default [] */
  nonEditableAliases: z.array(email).default([]),
  suspended: z.boolean().optional(),
  archived: z.boolean().optional(),
  /** Directory `isMailboxSetup`: false for a user without a Gmail mailbox (no licence yet). @default true */
  isMailboxSetup: z.boolean().optional(),
});

export const SeedGroupSchema = z.looseObject({
  email,
  /** @default - the part of the email before '@' */
  name: z.string().optional(),
  description: z.string().optional(),
  /** Direct members: users, groups (nested) or outside addresses, by email. @default [] */
  members: z.array(email).default([]),
});

/**
 * A gateway policy: for an OU (`orgUnitPath`) or for a group (`groupEmail`, optionally limited to the
 * members inside `orgUnitPath`; the root by default).
 */
export const SeedPolicySchema = z
  .looseObject({
    orgUnitPath: ouPath.optional(),
    groupEmail: email.optional(),
    allowUsersToUseExternalSmtpServers: z.boolean(),
  })
  .refine((p) => p.orgUnitPath !== undefined || p.groupEmail !== undefined, {
    message: 'a policy needs orgUnitPath (an OU policy) or groupEmail (a group policy)',
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
  users: z.array(SeedUserSchema).default([]),
  groups: z.array(SeedGroupSchema).default([]),
  policies: z.array(SeedPolicySchema).default([]),
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
  const problems = result.error.issues.map((i) => `${jsonPath(i.path)}: ${i.message}`);
  throw new Error(`Emulator seed is invalid: ${problems.join('; ')}`);
}
