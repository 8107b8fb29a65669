/**
 * The apply ledger: what apply last wrote where Google cannot be read back. It holds keyed fingerprints of
 * SMTP credentials (never values) per identity, and whether the target refused policy writes.
 * Read and written by `ledger.ts`; the diff only reads it.
 */
export interface LedgerEntry {
  /** Fingerprint of the SMTP password sent with the last successful write. */
  readonly passwordFingerprint: string;
  /** Fingerprint of the SMTP user name sent with the last successful write. */
  readonly usernameFingerprint: string;
  /** Host, port and mode written with those credentials; a change of endpoint re-sends credentials. */
  readonly endpoint: string;
}

export interface Ledger {
  readonly version: 1;
  /** Keyed by `<user email>/<send-as email>`, both lower-cased. */
  readonly identities: Readonly<Record<string, LedgerEntry>>;
  /** Set when the Policy API refused a write of the gateway setting. */
  readonly policyWritesRefused?: boolean;
  /**
   * Per stack, the ids of the declared objects (`declaredObjectIds`) that were in place after the stack's last
   * apply. An object listed here that the tenant no longer has was removed outside the code: drift, not a
   * new object.
   */
  readonly inPlace?: Readonly<Record<string, readonly string[]>>;
}

export const EMPTY_LEDGER: Ledger = { version: 1, identities: {} };

/** Ledger key of an identity. */
export function ledgerKey(userEmail: string, sendAsEmail: string): string {
  return `${userEmail.trim().toLowerCase()}/${sendAsEmail.trim().toLowerCase()}`;
}
