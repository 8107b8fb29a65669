import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { z } from 'zod';

import { ErrorCodes, MailPolicyError } from '../model/errors';
import { isFingerprint } from '../model/secret-ref';
import { EMPTY_LEDGER, ledgerKey, type Ledger, type LedgerEntry } from './ledger-types';

/**
 * Reading and writing the apply ledger (`.mailpolicy/ledger.json`): keyed fingerprints of the SMTP credentials
 * apply last sent per identity, and whether the target refused policy writes. The ledger never holds a secret:
 * every credential field must be a fingerprint (`hmac-sha256:<key id>:<hex>`), checked on load and on write.
 *
 * Writes are atomic (temporary file in the same folder, fsync, rename) and serialised, so a process killed at
 * any point leaves either the old or the new file, never a torn one.
 */

/** Default ledger location, relative to the working directory. */
export const DEFAULT_LEDGER_PATH = '.mailpolicy/ledger.json';

const fingerprint = z.string().refine(isFingerprint, { message: 'must be a keyed fingerprint hmac-sha256:<id>:<hex>' });

const LedgerEntrySchema = z.object({
  passwordFingerprint: fingerprint,
  usernameFingerprint: fingerprint,
  endpoint: z.string(),
});

const LedgerSchema = z.object({
  version: z.literal(1),
  identities: z.record(z.string(), LedgerEntrySchema),
  policyWritesRefused: z.boolean().optional(),
  inPlace: z.record(z.string(), z.array(z.string())).optional(),
});

/**
 * The ledger's `endpoint` value of an SMTP server: `host:port/securityMode`, host lower-cased. The diff compares
 * the manifest's endpoint with this string to decide whether credentials must be sent again.
 */
export function ledgerEndpoint(host: string, port: number, securityMode: string): string {
  return `${host.trim().toLowerCase()}:${port}/${securityMode}`;
}

/** What apply needs of a ledger ({@link LedgerStore} on disk; tests may use an in-memory one). */
export interface ApplyLedger {
  /** Reads the ledger: a missing file is an empty ledger; an unreadable or invalid one throws MP3002. */
  load(): Ledger;
  /** Records the fingerprints of credentials just written successfully to an identity. */
  recordCredentials(userEmail: string, sendAsEmail: string, entry: LedgerEntry): Promise<void>;
  /** Forgets an identity after it was deleted. */
  removeIdentity(userEmail: string, sendAsEmail: string): Promise<void>;
  /** Records that the Policy API refused a write of the gateway setting. */
  markPolicyWritesRefused(): Promise<void>;
}

/** Options of {@link LedgerStore}. */
export interface LedgerStoreOptions {
  /**
   * Ledger file; relative paths resolve against `cwd`.
   * @default '.mailpolicy/ledger.json'
   */
  readonly path?: string;
  /**
   * Base folder for a relative `path`.
   * @default process.cwd()
   */
  readonly cwd?: string;
}

/**
 * The ledger as a JSON file on disk. `load()` is synchronous (plan reads it before observing); updates change the
 * in-memory copy at once and are written in order, several updates arriving during one write coalescing into
 * the next write. Each update's promise resolves once a write containing it is on disk.
 */
export class LedgerStore implements ApplyLedger {
  /** Absolute path of the ledger file. */
  public readonly path: string;
  private state: Ledger | undefined;
  /** Number of in-memory updates so far, and how many of them are on disk. */
  private version = 0;
  private written = 0;
  private flushing: Promise<void> | undefined;

  /** @param options the ledger file path, or options; @default '.mailpolicy/ledger.json' under the working folder */
  public constructor(options: string | LedgerStoreOptions = {}) {
    const opts = typeof options === 'string' ? { path: options } : options;
    this.path = resolve(opts.cwd ?? process.cwd(), opts.path ?? DEFAULT_LEDGER_PATH);
  }

  public load(): Ledger {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.state = EMPTY_LEDGER;
        return this.state;
      }
      throw corrupt(this.path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'I/O error'})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw corrupt(this.path, 'is not valid JSON');
    }
    const parsed = LedgerSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
      throw corrupt(this.path, `does not match the ledger format: ${where} ${issue.message}`);
    }
    this.state = parsed.data;
    return this.state;
  }

  public async recordCredentials(userEmail: string, sendAsEmail: string, entry: LedgerEntry): Promise<void> {
    if (!isFingerprint(entry.passwordFingerprint) || !isFingerprint(entry.usernameFingerprint)) {
      // Defence in depth: only fingerprints may ever reach the file.
      throw new MailPolicyError(
        ErrorCodes.LEDGER_CORRUPT,
        `refusing to record credentials of ${userEmail} → ${sendAsEmail}: the ledger accepts only keyed fingerprints`,
      );
    }
    const clean: LedgerEntry = {
      passwordFingerprint: entry.passwordFingerprint,
      usernameFingerprint: entry.usernameFingerprint,
      endpoint: entry.endpoint,
    };
    await this.update((ledger) => ({
      ...ledger,
      identities: { ...ledger.identities, [ledgerKey(userEmail, sendAsEmail)]: clean },
    }));
  }

  public async removeIdentity(userEmail: string, sendAsEmail: string): Promise<void> {
    await this.update((ledger) => {
      const key = ledgerKey(userEmail, sendAsEmail);
      if (!(key in ledger.identities)) return undefined;
      const identities = { ...ledger.identities };
      delete identities[key];
      return { ...ledger, identities };
    });
  }

  /** Replaces the stack's record of the declared objects in place after an apply (see `Ledger.inPlace`). */
  public async recordInPlace(stack: string, objectIds: readonly string[]): Promise<void> {
    const ids = [...new Set(objectIds)].sort();
    await this.update((ledger) => {
      const current = ledger.inPlace?.[stack];
      if (current && current.length === ids.length && current.every((id, i) => id === ids[i])) return undefined;
      return { ...ledger, inPlace: { ...ledger.inPlace, [stack]: ids } };
    });
  }

  public async markPolicyWritesRefused(): Promise<void> {
    await this.update((ledger) => (ledger.policyWritesRefused ? undefined : { ...ledger, policyWritesRefused: true }));
  }

  /** Applies `change` to the in-memory ledger and schedules a write; `undefined` from `change` means no change. */
  private async update(change: (ledger: Ledger) => Ledger | undefined): Promise<void> {
    const next = change(this.state ?? this.load());
    if (next === undefined) return;
    this.state = next;
    const version = ++this.version;
    // Wait for the write in progress (which may predate this change), then for one that includes it.
    while (this.written < version) {
      if (!this.flushing) this.flushing = this.flush();
      await this.flushing;
    }
  }

  private async flush(): Promise<void> {
    try {
      const version = this.version;
      const snapshot = this.state ?? EMPTY_LEDGER;
      await writeAtomically(this.path, `${JSON.stringify(sortLedger(snapshot), null, 2)}\n`);
      this.written = Math.max(this.written, version);
    } finally {
      this.flushing = undefined;
    }
  }
}

function corrupt(path: string, what: string): MailPolicyError {
  return new MailPolicyError(
    ErrorCodes.LEDGER_CORRUPT,
    `the apply ledger ${path} ${what}; nothing was changed. Restore it from a backup, or delete it to start ` +
      'afresh (the next plan then re-sends every SMTP credential once)',
    { path },
  );
}

function sortLedger(ledger: Ledger): Ledger {
  const identities: Record<string, LedgerEntry> = {};
  for (const key of Object.keys(ledger.identities).sort()) identities[key] = ledger.identities[key];
  if (!ledger.inPlace) return { ...ledger, identities };
  const inPlace: Record<string, readonly string[]> = {};
  for (const stack of Object.keys(ledger.inPlace).sort()) inPlace[stack] = [...ledger.inPlace[stack]].sort();
  return { ...ledger, identities, inPlace };
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await fs.mkdir(dir, { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await fs.open(temp, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, path);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  try {
    const dirHandle = await fs.open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  }
}
