import type { ManagedObjectKind } from '../state';
import type { AdoptionResult } from './adopt-into-state';
import type { SourceDifference } from './check-against-tenant';
import type { MigrationSource } from './migration-source';

/**
 * The text `mailpolicy import` prints about a migration and the state: entries of the file that were left out, the
 * differences between the file and the tenant as an aligned table, and what was adopted. Plain text for a terminal
 * or a CI log; nothing in it comes from a secret.
 */

/** Columns padded to the widest cell; the last column is not padded. */
export function textTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** The entries of the file left out, one line each. */
export function skippedLines(source: MigrationSource): string[] {
  if (source.skipped.length === 0) return [];
  return [
    `Skipped ${source.skipped.length} entr${source.skipped.length === 1 ? 'y' : 'ies'} of the ${source.label}:`,
    ...source.skipped.map((s) => `  ${s.address}: ${s.reason}`),
  ];
}

/** The difference table, or one line saying the tenant matches. */
export function differenceLines(
  source: MigrationSource,
  differences: readonly SourceDifference[],
  target: string,
): string[] {
  if (differences.length === 0) return [`The tenant (${target}) matches the ${source.label}.`];
  const rows = differences.map((d) => [d.subject, d.field, d.source, d.tenant, d.consequence]);
  return [
    `${differences.length} difference${differences.length === 1 ? '' : 's'} between the ${source.label} and the tenant (${target}):`,
    ...textTable(['Object', 'Field', source.label, 'Tenant', 'What happens'], rows).map((l) => `  ${l}`),
  ];
}

const KIND_NAMES: Readonly<Record<ManagedObjectKind, [string, string]>> = {
  orgUnit: ['OU', 'OUs'],
  gatewayPolicy: ['gateway setting', 'gateway settings'],
  userPlacement: ['user placement', 'user placements'],
  alias: ['alias', 'aliases'],
  sendAs: ['send-as identity', 'send-as identities'],
};

/** What the adoption recorded, and what the first plan will show because of it. */
export function adoptionLines(result: AdoptionResult, stack: string, smtpIdentities: number): string[] {
  const parts = (Object.keys(KIND_NAMES) as ManagedObjectKind[])
    .filter((kind) => result.counts[kind] > 0)
    .map((kind) => `${result.counts[kind]} ${KIND_NAMES[kind][result.counts[kind] === 1 ? 0 : 1]}`);
  const lines =
    result.adopted.length === 0
      ? [`Adopted nothing into the state ${result.where} (stack ${stack}): the tenant has none of the objects.`]
      : [
          `Adopted ${parts.join(', ')} into the state ${result.where} (stack ${stack}).`,
          'Removing one from the code now deletes it from the tenant, or forgets it under RemovalPolicy.RETAIN ' +
            '(the default of adopted OUs; imported aliases are declared RETAIN).',
        ];
  if (result.notInTenant.length > 0) {
    lines.push(`Not adopted (not in the tenant, so the first apply creates them): ${result.notInTenant.join(', ')}.`);
  }
  if (smtpIdentities > 0) {
    const which = smtpIdentities === 1 ? 'the SMTP identity' : `each of the ${smtpIdentities} SMTP identities`;
    lines.push(
      `The first plan shows an update of ${which}, "SMTP credentials will be sent: no fingerprint recorded": Gmail ` +
        'never returns SMTP credentials, so the first apply sends them once and records their fingerprints; after ' +
        'it, the plan is clean.',
    );
  }
  return lines;
}
