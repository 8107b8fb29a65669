import { importablePlainFields, type LiveSendAs } from '../model/send-as-fields';
import type { ImportedSendAs } from './imported-tenant';

/**
 * What a migration starts from, read out of a file another tool wrote — a Terraform state of the archived
 * `googleworkspace` provider, or GAM's CSV exports — in one shape, before the live tenant is read. It holds the
 * objects the file describes and where in the file each one is (for messages), never a secret: SMTP passwords
 * are dropped while the file is read.
 */

/** An OU the file describes. */
export interface SourceOrgUnit {
  /** Where the file describes it: `googleworkspace_org_unit.sales`, `orgs.csv line 3`. */
  readonly address: string;
  /** Full path, e.g. `/Sales/Partners`. */
  readonly path: string;
  readonly name: string;
  /** `/` for a top-level OU. */
  readonly parentPath: string;
  /** @default - not managed (the file has none, or an empty one) */
  readonly description?: string;
  /** Google's id of the OU, without `id:`, when the file has it. @default - unknown */
  readonly orgUnitId?: string;
}

/** A send-as identity the file describes. */
export interface SourceSendAs {
  /** Where the file describes it: `googleworkspace_gmail_send_as_alias.partner`, `sendas.csv line 4`. */
  readonly address: string;
  /** The mailbox owning it, as the file spells it. */
  readonly userEmail: string;
  /** Its fields, normalised with the send-as field table as for a live identity (SMTP endpoint without credentials). */
  readonly sendAs: ImportedSendAs;
  /** Gmail's verification status as the file recorded it. @default - unknown */
  readonly verificationStatus?: string;
}

/** An entry of the file that is not imported, and why. */
export interface SkippedEntry {
  readonly address: string;
  readonly reason: string;
}

export interface MigrationSource {
  /** What the file is, for messages and the generated file's header: `Terraform state terraform.tfstate`. */
  readonly description: string;
  /** Short name of the source for the difference table's column: `Terraform state`, `GAM export`. */
  readonly label: string;
  readonly orgUnits: readonly SourceOrgUnit[];
  readonly sendAs: readonly SourceSendAs[];
  /** Entries left out (other resource types, data sources, primary addresses), in file order. */
  readonly skipped: readonly SkippedEntry[];
  /** Facts about the file worth telling (an attribute nothing manages, a column the export lacks). */
  readonly notes: readonly string[];
}

/**
 * An identity's fields as import writes them, from values the way Gmail names them: the send-as field table decides
 * which are worth declaring (empty strings and defaults are not), exactly as for a live identity.
 */
export function importedSendAsOf(record: LiveSendAs): ImportedSendAs {
  const fields: Record<string, string | boolean> = {};
  for (const { name, value } of importablePlainFields(record)) fields[name] = value;
  return {
    sendAsEmail: record.sendAsEmail,
    ...fields,
    ...(record.smtpMsa
      ? { smtpMsa: { host: record.smtpMsa.host, port: record.smtpMsa.port, securityMode: record.smtpMsa.securityMode } }
      : {}),
  };
}
