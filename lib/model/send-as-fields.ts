import { normaliseEmail } from './email';
import type { SendAsSpec, SmtpEndpoint } from './manifest';
import { sameSignature } from './signature';

/**
 * The one table of a send-as identity's managed fields. The diff, the executor's patch, the convergence after
 * "already exists", the client's record mapping and import all read it, so a field is added in one place.
 *
 * Each row says which Gmail API field it is, where it sits in the manifest and in the construct props, how a
 * declared value compares with the live one (Gmail's defaults for absent values included), and whether
 * removing it from code forces a replace (Gmail cannot remove `smtpMsa` from an existing identity).
 */

/** Gmail `SmtpMsa` as get/list return it: the user name and password are write-only and never come back. */
export interface LiveSmtpMsa {
  readonly host: string;
  readonly port: number;
  readonly securityMode: 'ssl' | 'starttls' | 'none' | 'securityModeUnspecified';
}

/** Gmail `SendAs` as get/list return it (the fields the project reads). */
export interface LiveSendAs {
  readonly sendAsEmail: string;
  readonly displayName?: string;
  readonly replyToAddress?: string;
  readonly signature?: string;
  readonly isPrimary?: boolean;
  readonly isDefault?: boolean;
  readonly treatAsAlias?: boolean;
  readonly smtpMsa?: LiveSmtpMsa;
  readonly verificationStatus?: 'accepted' | 'pending' | 'verificationStatusUnspecified';
}

/** The writable Gmail fields the project manages. */
export type SendAsFieldName = 'displayName' | 'replyToAddress' | 'signature' | 'treatAsAlias' | 'isDefault' | 'smtpMsa';

/** The plain (non-SMTP) fields, whose values are copied as they are. */
export type PlainSendAsField = Exclude<SendAsFieldName, 'smtpMsa'>;

/** A plain field's value in the manifest and on the wire. */
export type PlainFieldValue<N extends PlainSendAsField> = N extends 'treatAsAlias' | 'isDefault' ? boolean : string;

/** One row of the table for a plain field. */
export interface PlainSendAsFieldRow<N extends PlainSendAsField = PlainSendAsField> {
  /** The Gmail API field, also the plan attribute's name. */
  readonly name: N;
  /** The construct prop of `SendAsIdentity` (import writes it). */
  readonly prop: string;
  /** The declared value, or undefined when the code does not manage the field. */
  readonly desired: (spec: SendAsSpec) => PlainFieldValue<N> | undefined;
  /** The live value, Gmail's default filled in for an absent one (absent strings are empty, booleans false). */
  readonly live: (record: LiveSendAs) => PlainFieldValue<N>;
  /** Whether a declared value and a live value are the same for Gmail. */
  readonly same: (desired: PlainFieldValue<N>, live: PlainFieldValue<N>) => boolean;
  /**
   * Whether a live value is worth importing as code (empty strings and Gmail's defaults are not), and in what
   * form: the value the generated code declares.
   */
  readonly importable: (record: LiveSendAs) => PlainFieldValue<N> | undefined;
  /** Removing the field from code forces delete and create. */
  readonly removalReplaces: false;
}

const text = (value: string | undefined): string => value ?? '';
const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value === '' ? undefined : value;

const DISPLAY_NAME: PlainSendAsFieldRow<'displayName'> = {
  name: 'displayName',
  prop: 'displayName',
  desired: (spec) => spec.displayName,
  live: (record) => text(record.displayName),
  same: (a, b) => a === b,
  importable: (record) => nonEmpty(record.displayName),
  removalReplaces: false,
};

const REPLY_TO: PlainSendAsFieldRow<'replyToAddress'> = {
  name: 'replyToAddress',
  prop: 'replyTo',
  desired: (spec) => spec.replyToAddress,
  live: (record) => text(record.replyToAddress),
  same: (a, b) => normaliseEmail(a) === normaliseEmail(b),
  importable: (record) => {
    const value = nonEmpty(record.replyToAddress);
    return value === undefined ? undefined : normaliseEmail(value);
  },
  removalReplaces: false,
};

const SIGNATURE: PlainSendAsFieldRow<'signature'> = {
  name: 'signature',
  prop: 'signature',
  desired: (spec) => spec.signature,
  live: (record) => text(record.signature),
  same: sameSignature,
  importable: (record) => nonEmpty(record.signature),
  removalReplaces: false,
};

const TREAT_AS_ALIAS: PlainSendAsFieldRow<'treatAsAlias'> = {
  name: 'treatAsAlias',
  prop: 'treatAsAlias',
  desired: (spec) => spec.treatAsAlias,
  live: (record) => record.treatAsAlias === true,
  same: (a, b) => a === b,
  importable: (record) => (typeof record.treatAsAlias === 'boolean' ? record.treatAsAlias : undefined),
  removalReplaces: false,
};

/** Only `true` can be written ("the only legal value that clients may write to this field is true"). */
const IS_DEFAULT: PlainSendAsFieldRow<'isDefault'> = {
  name: 'isDefault',
  prop: 'isDefault',
  desired: (spec) => (spec.isDefault === true ? true : undefined),
  live: (record) => record.isDefault === true,
  same: (a, b) => a === b,
  importable: (record) => (record.isDefault === true ? true : undefined),
  removalReplaces: false,
};

/** The plain fields, in the order plans list them. */
export const PLAIN_SEND_AS_FIELDS = [DISPLAY_NAME, REPLY_TO, SIGNATURE, TREAT_AS_ALIAS, IS_DEFAULT] as const;

/** The row of a plain field, by its Gmail name. */
export function plainSendAsField(name: PlainSendAsField): PlainSendAsFieldRow {
  const row = PLAIN_SEND_AS_FIELDS.find((r) => r.name === name);
  if (!row) throw new Error(`unknown send-as field ${name}`);
  return row as PlainSendAsFieldRow;
}

/** The SMTP row: an endpoint compared by host (case-insensitively), port and mode; credentials by fingerprint. */
export const SMTP_FIELD = {
  name: 'smtpMsa',
  prop: 'smtp',
  /** Plan attributes of the endpoint, then of the write-only credentials (always sensitive). */
  endpointAttributes: ['smtp.host', 'smtp.port', 'smtp.securityMode'],
  credentialAttributes: ['smtp.username', 'smtp.password'],
  removalReplaces: true,
} as const;

/** Every managed Gmail field: the plain ones, then `smtpMsa`. */
export const SEND_AS_FIELD_NAMES: readonly SendAsFieldName[] = [
  ...PLAIN_SEND_AS_FIELDS.map((row) => row.name),
  SMTP_FIELD.name,
];

/** One plain field's value pair, for plan attributes. */
export interface PlainFieldDifference {
  readonly name: PlainSendAsField;
  readonly before: string | boolean;
  readonly after: string | boolean;
}

function rowDifference<N extends PlainSendAsField>(
  row: PlainSendAsFieldRow<N>,
  spec: SendAsSpec,
  live: LiveSendAs,
): PlainFieldDifference | undefined {
  const desired = row.desired(spec);
  if (desired === undefined) return undefined;
  const current = row.live(live);
  return row.same(desired, current) ? undefined : { name: row.name, before: current, after: desired };
}

/** The declared plain fields whose live value differs, in table order. */
export function plainFieldDifferences(spec: SendAsSpec, live: LiveSendAs): PlainFieldDifference[] {
  const out: PlainFieldDifference[] = [];
  for (const row of PLAIN_SEND_AS_FIELDS) {
    const difference = rowDifference(row as PlainSendAsFieldRow, spec, live);
    if (difference) out.push(difference);
  }
  return out;
}

/** The plain fields the code declares, in table order, with their values. */
export function declaredPlainFields(spec: SendAsSpec): Array<{ name: PlainSendAsField; value: string | boolean }> {
  const out: Array<{ name: PlainSendAsField; value: string | boolean }> = [];
  for (const row of PLAIN_SEND_AS_FIELDS) {
    const value = (row as PlainSendAsFieldRow).desired(spec);
    if (value !== undefined) out.push({ name: row.name, value });
  }
  return out;
}

/**
 * The fields a create sends: every declared field but `isDefault` (Gmail makes an identity the default only
 * once it exists, so that is a write of its own), and `smtpMsa` with credentials when an endpoint is declared.
 */
export function creationFields(spec: SendAsSpec): SendAsFieldName[] {
  const fields: SendAsFieldName[] = declaredPlainFields(spec)
    .map((f) => f.name)
    .filter((name) => name !== 'isDefault');
  if (spec.smtp) fields.push('smtpMsa');
  return fields;
}

/** Whether a declared SMTP endpoint is the live one (host case-insensitively, port, mode). */
export function sameSmtpEndpoint(desired: SmtpEndpoint, live: LiveSmtpMsa | undefined): boolean {
  return (
    live !== undefined &&
    live.host.trim().toLowerCase() === desired.host.trim().toLowerCase() &&
    live.port === desired.port &&
    live.securityMode === desired.securityMode
  );
}

/** The endpoint attributes that differ (before from the live identity, after from the code). */
export function smtpEndpointDifferences(
  desired: SmtpEndpoint,
  live: LiveSmtpMsa | undefined,
): Array<{ name: string; before: unknown; after: unknown }> {
  const out: Array<{ name: string; before: unknown; after: unknown }> = [];
  if (!live || live.host.trim().toLowerCase() !== desired.host.trim().toLowerCase())
    out.push({ name: 'smtp.host', before: live?.host, after: desired.host });
  if (!live || live.port !== desired.port) out.push({ name: 'smtp.port', before: live?.port, after: desired.port });
  if (!live || live.securityMode !== desired.securityMode)
    out.push({ name: 'smtp.securityMode', before: live?.securityMode, after: desired.securityMode });
  return out;
}

/** The values import writes as code for a live identity, keyed by construct prop (SMTP excluded). */
export function importablePlainFields(
  record: LiveSendAs,
): Array<{ name: PlainSendAsField; prop: string; value: string | boolean }> {
  const out: Array<{ name: PlainSendAsField; prop: string; value: string | boolean }> = [];
  for (const row of PLAIN_SEND_AS_FIELDS) {
    const value = (row as PlainSendAsFieldRow).importable(record);
    if (value !== undefined) out.push({ name: row.name, prop: row.prop, value });
  }
  return out;
}
