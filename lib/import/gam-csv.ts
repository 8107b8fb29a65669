import { parse } from 'csv-parse/sync';

import { isValidEmail, normaliseEmail } from '../model/email';
import { ErrorCodes, MailPolicyError } from '../model/errors';
import { ROOT_PATH, orgUnitKey, orgUnitSegments, parentOrgUnitPath } from '../model/org-unit-path';
import type { LiveSmtpMsa } from '../model/send-as-fields';
import {
  importedSendAsOf,
  type MigrationSource,
  type SkippedEntry,
  type SourceOrgUnit,
  type SourceSendAs,
} from './migration-source';

/**
 * Reads GAM's CSV exports with the column names GAM writes (GAM-team/GAM `src/gam/__init__.py`):
 *
 * - `gam all users print sendas` (`printShowSendAs`): `User, displayName, sendAsEmail, replyToAddress, isPrimary,
 *   isDefault, treatAsAlias, verificationStatus`, then the other fields sorted — `signature`, `smtpMsa.host`,
 *   `smtpMsa.port`, `smtpMsa.securityMode` (GAM never prints an SMTP user name or password: Gmail never returns
 *   them). Booleans are Python's `True` / `False`; absent fields are empty.
 * - `gam print orgs allfields` (`doPrintOrgs`): `orgUnitPath, orgUnitId, name, description, parentOrgUnitPath,
 *   parentOrgUnitId, blockInheritance`. Without `allfields` GAM prints `orgUnitPath, orgUnitId, name,
 *   parentOrgUnitId` only: descriptions are then not managed.
 *
 * The subfield delimiter is GAM's default `.` (`csv_output_subfield_delimiter`), the escape character its default `\`.
 */

/** One CSV file's name (for messages) and text. */
export interface CsvInput {
  readonly file: string;
  readonly text: string;
}

interface Row {
  readonly line: number;
  readonly values: Readonly<Record<string, string>>;
}

function invalid(option: string, file: string, why: string): MailPolicyError {
  return new MailPolicyError(ErrorCodes.IMPORT_SOURCE_INVALID, `${option}: ${file} ${why}`, { file });
}

function rowsOf(option: string, input: CsvInput, required: readonly string[], how: string): Row[] {
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parse(input.text, {
      columns: true,
      bom: true,
      skip_empty_lines: true,
      info: true,
    }) as Array<{ record: Record<string, string>; info: { lines: number } }>;
  } catch (error) {
    throw invalid(option, input.file, `is not a CSV file GAM wrote: ${(error as Error).message}`);
  }
  const columns = records.length > 0 ? Object.keys(records[0].record) : headerOf(input.text);
  const missing = required.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw invalid(
      option,
      input.file,
      `lacks the column${missing.length === 1 ? '' : 's'} ${missing.join(', ')} (it has: ${columns.join(', ') || 'none'}); export it with \`${how}\``,
    );
  }
  // `info.lines` is the line a record ends on; it starts as many lines earlier as its fields hold line breaks.
  const newlines = (record: Record<string, string>): number =>
    Object.values(record).reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0);
  return records.map(({ record, info }) => ({
    line: info.lines - newlines(record),
    values: Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unescapeGam(v)])),
  }));
}

/**
 * GAM writes CSV with Python's `csv` module and `escapechar='\\'` (unless `csv_output_no_escape_char` is set), and
 * reads it back the same way: a backslash escapes the character after it (`\\\\` is one backslash).
 */
function unescapeGam(field: string): string {
  return field.replace(/\\([\s\S])/g, '$1');
}

/** The header of a CSV without data rows. */
function headerOf(csv: string): string[] {
  const rows = parse(csv, { bom: true, to_line: 1 }) as string[][];
  return rows[0] ?? [];
}

const value = (row: Row, column: string): string | undefined => {
  const v = row.values[column];
  return v === undefined || v === '' ? undefined : v;
};

function bool(row: Row, column: string, where: string, problems: string[]): boolean | undefined {
  const v = value(row, column);
  if (v === undefined) return undefined;
  if (v === 'True' || v === 'true') return true;
  if (v === 'False' || v === 'false') return false;
  problems.push(`  - ${where}: ${column} '${v}' is not True or False`);
  return undefined;
}

const SECURITY_MODES: ReadonlyArray<LiveSmtpMsa['securityMode']> = [
  'ssl',
  'starttls',
  'none',
  'securityModeUnspecified',
];

function smtpOf(row: Row, where: string, problems: string[]): LiveSmtpMsa | undefined {
  const host = value(row, 'smtpMsa.host');
  const portText = value(row, 'smtpMsa.port');
  const mode = value(row, 'smtpMsa.securityMode');
  if (host === undefined && portText === undefined && mode === undefined) return undefined;
  const port = Number(portText);
  if (host === undefined) problems.push(`  - ${where}: smtpMsa.host is empty but other smtpMsa columns are set`);
  if (portText === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    problems.push(`  - ${where}: smtpMsa.port '${portText ?? ''}' is not a port number (1-65535)`);
  }
  if (mode !== undefined && !SECURITY_MODES.includes(mode as LiveSmtpMsa['securityMode'])) {
    problems.push(`  - ${where}: smtpMsa.securityMode '${mode}' (allowed: ${SECURITY_MODES.join(', ')})`);
  }
  if (host === undefined) return undefined;
  return { host, port, securityMode: (mode ?? 'securityModeUnspecified') as LiveSmtpMsa['securityMode'] };
}

/**
 * Parses `gam print sendas` output (and `gam print orgs` output when given) into a migration source. Every broken
 * row is listed at once (MP5002) with its file and line.
 */
export function readGamCsv(sendAsCsv: CsvInput, orgsCsv?: CsvInput): MigrationSource {
  const problems: string[] = [];
  const skipped: SkippedEntry[] = [];
  const notes: string[] = [];
  const sendAs: SourceSendAs[] = [];
  const seen = new Map<string, string>();

  const rows = rowsOf('--from-gam-csv', sendAsCsv, ['User', 'sendAsEmail'], 'gam all users print sendas');
  // `print sendas verifyonly` writes True/False instead of each signature: nothing to import from that column.
  const signatures = rows.map((r) => value(r, 'signature')).filter((s): s is string => s !== undefined);
  const verifyOnly = signatures.length > 0 && signatures.every((s) => s === 'True' || s === 'False');
  if (verifyOnly) {
    notes.push(
      `${sendAsCsv.file}: the signature column holds only True/False (\`print sendas verifyonly\`), so signatures are not managed; export without verifyonly to import them`,
    );
  }
  for (const row of rows) {
    const where = `${sendAsCsv.file} line ${row.line}`;
    const user = value(row, 'User');
    const address = value(row, 'sendAsEmail');
    if (user === undefined || !isValidEmail(user)) {
      problems.push(`  - ${where}: User '${user ?? ''}' is not an email address`);
      continue;
    }
    if (address === undefined || !isValidEmail(address)) {
      problems.push(`  - ${where}: sendAsEmail '${address ?? ''}' is not an email address`);
      continue;
    }
    const isPrimary = bool(row, 'isPrimary', where, problems);
    if (isPrimary === true || normaliseEmail(user) === normaliseEmail(address)) {
      skipped.push({ address: where, reason: `${address}: the user's primary address, which is never managed` });
      continue;
    }
    const key = `${normaliseEmail(user)}/${normaliseEmail(address)}`;
    const first = seen.get(key);
    if (first) {
      problems.push(`  - ${where}: ${user} → ${address} is listed again (first on ${first}); keep one row`);
      continue;
    }
    seen.set(key, where);
    const smtp = smtpOf(row, where, problems);
    const isDefault = bool(row, 'isDefault', where, problems);
    const treatAsAlias = bool(row, 'treatAsAlias', where, problems);
    sendAs.push({
      address: where,
      userEmail: user,
      sendAs: importedSendAsOf({
        sendAsEmail: address,
        displayName: value(row, 'displayName'),
        replyToAddress: value(row, 'replyToAddress'),
        signature: verifyOnly ? undefined : value(row, 'signature'),
        isDefault,
        treatAsAlias,
        ...(smtp ? { smtpMsa: smtp } : {}),
      }),
      ...(value(row, 'verificationStatus') ? { verificationStatus: value(row, 'verificationStatus') as string } : {}),
    });
  }

  const orgUnits = orgsCsv ? orgUnitsOf(orgsCsv, problems, skipped, notes) : [];
  if (problems.length > 0) {
    throw new MailPolicyError(
      ErrorCodes.IMPORT_SOURCE_INVALID,
      `GAM export has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was imported:\n${problems.join('\n')}`,
      { problems: problems.length },
    );
  }
  const files = [sendAsCsv.file, ...(orgsCsv ? [orgsCsv.file] : [])].join(' and ');
  return { description: `GAM export ${files}`, label: 'GAM export', orgUnits, sendAs, skipped, notes };
}

function orgUnitsOf(input: CsvInput, problems: string[], skipped: SkippedEntry[], notes: string[]): SourceOrgUnit[] {
  const rows = rowsOf('--orgs', input, ['orgUnitPath'], 'gam print orgs allfields');
  const columns = rows.length > 0 ? Object.keys(rows[0].values) : [];
  if (rows.length > 0 && !columns.includes('description')) {
    notes.push(
      `${input.file} has no description column (\`gam print orgs\` without allfields): OU descriptions are not managed`,
    );
  }
  const out: SourceOrgUnit[] = [];
  const seen = new Map<string, string>();
  for (const row of rows) {
    const where = `${input.file} line ${row.line}`;
    const path = value(row, 'orgUnitPath');
    if (path === undefined || !path.startsWith('/')) {
      problems.push(`  - ${where}: orgUnitPath '${path ?? ''}' is not an OU path such as /Sales`);
      continue;
    }
    if (path === ROOT_PATH) {
      skipped.push({ address: where, reason: 'the root OU, which always exists and is never managed' });
      continue;
    }
    const first = seen.get(orgUnitKey(path));
    if (first) {
      problems.push(`  - ${where}: ${path} is listed again (first on ${first}); keep one row`);
      continue;
    }
    seen.set(orgUnitKey(path), where);
    const segments = orgUnitSegments(path);
    const parentPath = parentOrgUnitPath(path) ?? ROOT_PATH;
    const givenParent = value(row, 'parentOrgUnitPath');
    if (givenParent !== undefined && orgUnitKey(givenParent) !== orgUnitKey(parentPath)) {
      problems.push(`  - ${where}: parentOrgUnitPath '${givenParent}' is not the parent of ${path}`);
      continue;
    }
    if (bool(row, 'blockInheritance', where, problems) === true) {
      notes.push(
        `${where}: blockInheritance True is not carried over: Google deprecated the field and setting it has no effect`,
      );
    }
    const description = value(row, 'description');
    const id = value(row, 'orgUnitId')?.replace(/^id:/, '');
    out.push({
      address: where,
      path,
      name: value(row, 'name') ?? segments[segments.length - 1],
      parentPath,
      ...(description !== undefined ? { description } : {}),
      ...(id ? { orgUnitId: id } : {}),
    });
  }
  return out;
}
