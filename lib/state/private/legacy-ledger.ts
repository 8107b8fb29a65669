import { promises as fs } from 'node:fs';

import { z } from 'zod';

import { ErrorCodes, MailPolicyError } from '../../model/errors';
import { isFingerprint } from '../../model/secret-ref';

/**
 * The format of `.mailpolicy/ledger.json`, the store that states replace, kept here so that old ledgers can be
 * read once and carried over after the ledger code is gone.
 */

const fingerprint = z.string().refine(isFingerprint, { message: 'must be a keyed fingerprint hmac-sha256:<id>:<hex>' });

const LegacyLedgerSchema = z.object({
  version: z.literal(1),
  /** Keyed `<user email>/<send-as email>`, lower-cased. */
  identities: z.record(
    z.string(),
    z.object({ passwordFingerprint: fingerprint, usernameFingerprint: fingerprint, endpoint: z.string() }),
  ),
  policyWritesRefused: z.boolean().optional(),
  /** Per stack, the ids of the declared objects in place after its last apply. */
  inPlace: z.record(z.string(), z.array(z.string())).optional(),
});

/** A ledger as read from disk. */
export type LegacyLedger = z.infer<typeof LegacyLedgerSchema>;

/** Reads a ledger file; undefined when there is none. Unreadable or corrupt → MP3002 naming the file. */
export async function readLegacyLedgerFile(path: string): Promise<LegacyLedger | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw corrupt(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'I/O error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw corrupt(path, 'is not valid JSON');
  }
  const parsed = LegacyLedgerSchema.safeParse(json);
  if (!parsed.success) {
    const rules = parsed.error.issues.map(
      (i) => `  - ${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`,
    );
    throw corrupt(path, `does not match the ledger format:\n${rules.join('\n')}`);
  }
  return parsed.data;
}

function corrupt(path: string, what: string): MailPolicyError {
  return new MailPolicyError(
    ErrorCodes.LEDGER_CORRUPT,
    `the apply ledger ${path} ${what}; nothing was migrated or changed. Restore it from a backup, or move it away ` +
      'to start with a missing state (the next apply then sends every SMTP credential once)',
    { path },
  );
}
