import { z } from 'zod';

import { isValidEmail, normaliseEmail } from '../model/email';
import { ErrorCodes, MailPolicyError } from '../model/errors';
import { ROOT_PATH, orgUnitKey, orgUnitSegments, parentOrgUnitPath } from '../model/org-unit-path';
import {
  importedSendAsOf,
  type MigrationSource,
  type SkippedEntry,
  type SourceOrgUnit,
  type SourceSendAs,
} from './migration-source';

/**
 * Reads a Terraform state of the archived HashiCorp `googleworkspace` provider (or a fork keeping its resource
 * types): the v4 state document (`terraform.tfstate`, `terraform state pull`) or `terraform show -json` of a state
 * (`values.root_module` with its `child_modules`). `googleworkspace_org_unit` and
 * `googleworkspace_gmail_send_as_alias` become a {@link MigrationSource}; every other resource is listed as skipped.
 *
 * The attributes are those of the provider's schema (`internal/provider/resource_org_unit.go`,
 * `resource_gmail_send_as_alias.go`): the OU's id is `id:<orgUnitId>`, a send-as identity's is
 * `primary_email:send_as_email`, and `smtp_msa` is a list of at most one block whose `username` and `password` the
 * provider copies from the configuration. Terraform keeps that password in the state in plain text (its `sensitive`
 * mark only hides it on screen); it is dropped here before anything else looks at the block, and never printed.
 */

const ORG_UNIT = 'googleworkspace_org_unit';
const SEND_AS = 'googleworkspace_gmail_send_as_alias';

const text = z.string().nullish();
const flag = z.boolean().nullish();

const OrgUnitAttributes = z.looseObject({
  name: z.string().min(1),
  description: text,
  org_unit_path: text,
  org_unit_id: text,
  parent_org_unit_path: text,
  parent_org_unit_id: text,
  block_inheritance: flag,
  id: text,
});

const SECURITY_MODES = ['securityModeUnspecified', 'none', 'ssl', 'starttls'] as const;

const SendAsAttributes = z.looseObject({
  primary_email: z.string().refine(isValidEmail, { message: 'must be an email address' }),
  send_as_email: z.string().refine(isValidEmail, { message: 'must be an email address' }),
  display_name: text,
  reply_to_address: text,
  signature: text,
  is_default: flag,
  is_primary: flag,
  treat_as_alias: flag,
  verification_status: text,
  smtp_msa: z
    .array(
      z.looseObject({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535),
        security_mode: z.enum(SECURITY_MODES).nullish(),
      }),
    )
    .max(1)
    .nullish(),
  id: text,
});

/** One resource instance of the state, wherever it came from. */
interface Instance {
  readonly address: string;
  readonly mode: string;
  readonly type: string;
  readonly attributes: unknown;
}

function invalid(file: string, why: string): MailPolicyError {
  return new MailPolicyError(
    ErrorCodes.IMPORT_SOURCE_INVALID,
    `--from-terraform-state: ${file} ${why} (allowed: a v4 Terraform state as terraform.tfstate or \`terraform state pull\` writes it, or \`terraform show -json\` of a state)`,
    { file },
  );
}

function indexSuffix(key: unknown): string {
  if (typeof key === 'number') return `[${key}]`;
  if (typeof key === 'string') return `[${JSON.stringify(key)}]`;
  return '';
}

function v4Instances(state: Record<string, unknown>, file: string): Instance[] {
  if (!Array.isArray(state.resources)) throw invalid(file, 'has no "resources" list');
  const out: Instance[] = [];
  for (const resource of state.resources as Array<Record<string, unknown>>) {
    const module = typeof resource?.module === 'string' ? `${resource.module}.` : '';
    const mode = typeof resource?.mode === 'string' ? resource.mode : 'managed';
    const type = String(resource?.type ?? '');
    const base = `${module}${mode === 'data' ? 'data.' : ''}${type}.${String(resource?.name ?? '')}`;
    const instances = Array.isArray(resource?.instances) ? (resource.instances as Array<Record<string, unknown>>) : [];
    for (const instance of instances) {
      out.push({ address: `${base}${indexSuffix(instance?.index_key)}`, mode, type, attributes: instance?.attributes });
    }
  }
  return out;
}

function showJsonInstances(module: Record<string, unknown> | undefined): Instance[] {
  if (!module) return [];
  const own = (Array.isArray(module.resources) ? (module.resources as Array<Record<string, unknown>>) : []).map(
    (r): Instance => ({
      address: String(r?.address ?? `${String(r?.type)}.${String(r?.name)}`),
      mode: typeof r?.mode === 'string' ? r.mode : 'managed',
      type: String(r?.type ?? ''),
      attributes: r?.values,
    }),
  );
  const children = Array.isArray(module.child_modules) ? (module.child_modules as Array<Record<string, unknown>>) : [];
  return [...own, ...children.flatMap((child) => showJsonInstances(child))];
}

/** The resource instances of a state document in either format. */
function instancesOf(json: unknown, file: string): Instance[] {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw invalid(file, 'is not a JSON object');
  const doc = json as Record<string, unknown>;
  if ('planned_values' in doc || 'resource_changes' in doc) {
    throw invalid(file, 'is a plan, not a state: run `terraform show -json` without a plan file');
  }
  if (typeof doc.version === 'number') {
    if (doc.version !== 4) throw invalid(file, `is a version ${doc.version} state; only version 4 is read`);
    return v4Instances(doc, file);
  }
  if (typeof doc.format_version === 'string') {
    const values = doc.values as Record<string, unknown> | undefined;
    return showJsonInstances(values?.root_module as Record<string, unknown> | undefined);
  }
  throw invalid(file, 'has neither "version" (a state) nor "format_version" (`terraform show -json`)');
}

function issues(address: string, error: z.ZodError): string[] {
  // Zod's messages name the rule broken, never the value received, so nothing from the state is echoed here.
  return error.issues.map((i) => `  - ${address}: ${i.path.map(String).join('.') || '(attributes)'}: ${i.message}`);
}

/** The same value without the SMTP password (and anything else the block should not carry into this program). */
function withoutPasswords(attributes: unknown): unknown {
  if (attributes === null || typeof attributes !== 'object') return attributes;
  const copy = { ...(attributes as Record<string, unknown>) };
  if (Array.isArray(copy.smtp_msa)) {
    copy.smtp_msa = copy.smtp_msa.map((block: unknown) => {
      if (block === null || typeof block !== 'object') return block;
      const { password: _password, ...rest } = block as Record<string, unknown>;
      return rest;
    });
  }
  return copy;
}

const nonEmpty = (value: string | null | undefined): string | undefined =>
  value === null || value === undefined || value === '' ? undefined : value;
const stripId = (id: string | undefined): string | undefined => id?.replace(/^id:/, '');

/**
 * Parses the text of a Terraform state (either format) into a migration source. Every broken resource is listed
 * at once (MP5002) with its address; nothing is echoed from the state but paths and addresses.
 */
export function readTerraformState(stateText: string, file: string): MigrationSource {
  let json: unknown;
  try {
    json = JSON.parse(stateText);
  } catch {
    throw invalid(file, 'is not JSON');
  }
  const instances = instancesOf(json, file);
  const problems: string[] = [];
  const skipped: SkippedEntry[] = [];
  const notes: string[] = [];
  const parsedOus: Array<{ address: string; attributes: z.infer<typeof OrgUnitAttributes> }> = [];
  const sendAs: SourceSendAs[] = [];

  for (const instance of instances) {
    if (instance.mode === 'data') {
      skipped.push({ address: instance.address, reason: 'a data source: read-only, nothing to manage' });
      continue;
    }
    if (instance.type === ORG_UNIT) {
      const parsed = OrgUnitAttributes.safeParse(instance.attributes);
      if (!parsed.success) problems.push(...issues(instance.address, parsed.error));
      else parsedOus.push({ address: instance.address, attributes: parsed.data });
    } else if (instance.type === SEND_AS) {
      const parsed = SendAsAttributes.safeParse(withoutPasswords(instance.attributes));
      if (!parsed.success) {
        problems.push(...issues(instance.address, parsed.error));
        continue;
      }
      const a = parsed.data;
      if (a.is_primary === true || normaliseEmail(a.send_as_email) === normaliseEmail(a.primary_email)) {
        skipped.push({ address: instance.address, reason: "the user's primary address, which is never managed" });
        continue;
      }
      const smtp = a.smtp_msa?.[0];
      sendAs.push({
        address: instance.address,
        userEmail: a.primary_email,
        sendAs: importedSendAsOf({
          sendAsEmail: a.send_as_email,
          displayName: a.display_name ?? undefined,
          replyToAddress: a.reply_to_address ?? undefined,
          signature: a.signature ?? undefined,
          isDefault: a.is_default ?? undefined,
          treatAsAlias: a.treat_as_alias ?? undefined,
          ...(smtp
            ? {
                smtpMsa: {
                  host: smtp.host,
                  port: smtp.port,
                  securityMode: smtp.security_mode ?? 'securityModeUnspecified',
                },
              }
            : {}),
        }),
        ...(nonEmpty(a.verification_status) ? { verificationStatus: a.verification_status as string } : {}),
      });
    } else {
      skipped.push({
        address: instance.address,
        reason: instance.type.startsWith('googleworkspace_')
          ? 'a resource type workspace-mail-policy does not manage'
          : 'not a googleworkspace resource',
      });
    }
  }

  const orgUnits = orgUnitsOf(parsedOus, problems, skipped, notes);
  problems.push(...duplicates(orgUnits, sendAs));
  if (problems.length > 0) {
    throw new MailPolicyError(
      ErrorCodes.IMPORT_SOURCE_INVALID,
      `--from-terraform-state: ${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was imported:\n${problems.join('\n')}`,
      { file, problems: problems.length },
    );
  }
  return {
    description: `Terraform state ${file}`,
    label: 'Terraform state',
    orgUnits,
    sendAs,
    skipped,
    notes,
  };
}

/** Paths of the OUs: `org_unit_path` as the provider's read sets it, else the parent (by path or id) plus the name. */
function orgUnitsOf(
  parsed: ReadonlyArray<{ address: string; attributes: z.infer<typeof OrgUnitAttributes> }>,
  problems: string[],
  skipped: SkippedEntry[],
  notes: string[],
): SourceOrgUnit[] {
  const pathById = new Map<string, string>();
  for (const { attributes: a } of parsed) {
    const id = stripId(nonEmpty(a.org_unit_id) ?? nonEmpty(a.id));
    const path = nonEmpty(a.org_unit_path);
    if (id && path) pathById.set(id, path);
  }
  const out: SourceOrgUnit[] = [];
  for (const { address, attributes: a } of parsed) {
    let path = nonEmpty(a.org_unit_path);
    if (path === undefined) {
      const parent =
        nonEmpty(a.parent_org_unit_path) ?? pathById.get(stripId(nonEmpty(a.parent_org_unit_id)) ?? '') ?? undefined;
      if (parent === undefined) {
        problems.push(
          `  - ${address}: org_unit_path is empty and the parent is unknown: run \`terraform refresh\` (or \`terraform apply -refresh-only\`) so the provider records it`,
        );
        continue;
      }
      path = `${parent === ROOT_PATH ? '' : parent.replace(/\/+$/, '')}/${a.name}`;
    }
    if (!path.startsWith('/')) {
      problems.push(`  - ${address}: org_unit_path '${path}' must start with '/'`);
      continue;
    }
    if (path === ROOT_PATH) {
      skipped.push({ address, reason: 'the root OU, which always exists and is never managed' });
      continue;
    }
    const segments = orgUnitSegments(path);
    if (segments[segments.length - 1] !== a.name) {
      notes.push(
        `${address}: name '${a.name}' differs from the last part of org_unit_path ${path}; the path is used (the provider's last read)`,
      );
    }
    if (a.block_inheritance === true) {
      notes.push(
        `${address}: block_inheritance = true is not carried over: Google deprecated the field and setting it has no effect`,
      );
    }
    const id = stripId(nonEmpty(a.org_unit_id) ?? nonEmpty(a.id));
    out.push({
      address,
      path,
      name: segments[segments.length - 1],
      parentPath: parentOrgUnitPath(path) ?? ROOT_PATH,
      ...(nonEmpty(a.description) !== undefined ? { description: a.description as string } : {}),
      ...(id ? { orgUnitId: id } : {}),
    });
  }
  return out;
}

/** Two resources for one OU or one identity: Terraform allows it, but only one of them can be the code. */
function duplicates(orgUnits: readonly SourceOrgUnit[], sendAs: readonly SourceSendAs[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const check = (key: string, address: string, what: string) => {
    const first = seen.get(key);
    if (first) problems.push(`  - ${address}: describes the same ${what} as ${first}; keep one of them`);
    else seen.set(key, address);
  };
  for (const ou of orgUnits) check(`ou ${orgUnitKey(ou.path)}`, ou.address, `OU (${ou.path})`);
  for (const s of sendAs) {
    check(
      `sendAs ${normaliseEmail(s.userEmail)}/${normaliseEmail(s.sendAs.sendAsEmail)}`,
      s.address,
      `send-as identity (${s.userEmail} → ${s.sendAs.sendAsEmail})`,
    );
  }
  return problems;
}
