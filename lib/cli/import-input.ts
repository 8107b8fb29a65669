import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';

import { SingleBar } from 'cli-progress';

import type { WorkspaceAdmin } from '../admin/workspace-admin';
import type { DeclaredObject } from '../engine/managed-objects';
import {
  compareWithTenant,
  presentIn,
  readGamCsv,
  readLiveFor,
  readTenant,
  readTerraformState,
  tenantFromSource,
  type GeneratedApp,
  type ImportedTenant,
  type MigrationSource,
  type ReadTenantProgress,
  type SourceDifference,
} from '../import';
import { isValidEmail } from '../model/email';
import { ErrorCodes, MailPolicyError } from '../model/errors';

import { stringOption, type parseCommandArgs } from './args';
import type { CommandIo } from './io';

/**
 * What `mailpolicy import` reads before it writes anything: the `--users` file, the migration source named by
 * `--from-terraform-state` or `--from-gam-csv` (with `--orgs`), and then the tenant, with a progress bar on a
 * terminal.
 */

const PROGRESS_MIN_USERS = 20;

/** Reads a `--users` file: one address a line; blank lines and `#` comments are skipped. */
export function readUsersFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MailPolicyError(
      ErrorCodes.USAGE,
      `--users: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); allowed: a text file with one primary address a line`,
    );
  }
  const users: string[] = [];
  const bad: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    if (isValidEmail(line)) users.push(line);
    else bad.push(`line ${index + 1}: '${line}'`);
  });
  if (bad.length > 0) {
    throw new MailPolicyError(
      ErrorCodes.USAGE,
      `--users: ${file} has ${bad.length} line${bad.length === 1 ? '' : 's'} that ${bad.length === 1 ? 'is' : 'are'} not an email address (${bad.slice(0, 10).join(', ')}${bad.length > 10 ? ', …' : ''}); allowed: one primary address a line, # comments`,
    );
  }
  return users;
}

export function progressReporter(io: CommandIo): { onProgress: (p: ReadTenantProgress) => void; stop: () => void } {
  let bar: SingleBar | undefined;
  return {
    onProgress: (p) => {
      if (!io.stderr.isTTY) return;
      if (p.phase === 'lists' && p.total >= PROGRESS_MIN_USERS) {
        bar = new SingleBar({
          stream: io.stderr,
          format: 'Reading send-as identities [{bar}] {percentage}% | {value}/{total} users | {duration_formatted}',
          hideCursor: true,
          clearOnComplete: true,
        });
        bar.start(p.total, 0);
      } else if (p.phase === 'sendAs') bar?.update(p.done);
    },
    stop: () => {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** Reads a file named on the command line; MP4000 naming the option when it cannot be read. */
function readInput(option: string, cwd: string, file: string): { file: string; text: string } {
  try {
    return { file, text: readFileSync(resolve(cwd, file), 'utf8') };
  } catch (error) {
    throw new MailPolicyError(
      ErrorCodes.USAGE,
      `--${option}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

/** The file the import starts from, read and checked before anything else happens; undefined for a live import. */
export function migrationSource(args: ReturnType<typeof parseCommandArgs>, cwd: string): MigrationSource | undefined {
  const terraform = stringOption(args, 'from-terraform-state');
  const gam = stringOption(args, 'from-gam-csv');
  const orgs = stringOption(args, 'orgs');
  if (terraform !== undefined && gam !== undefined) {
    throw new MailPolicyError(
      ErrorCodes.USAGE,
      '--from-terraform-state and --from-gam-csv exclude each other: choose one',
    );
  }
  if (orgs !== undefined && gam === undefined) {
    throw new MailPolicyError(ErrorCodes.USAGE, '--orgs reads `gam print orgs` output and needs --from-gam-csv');
  }
  if ((terraform !== undefined || gam !== undefined) && (args.values['org-unit'] || args.values.users)) {
    throw new MailPolicyError(
      ErrorCodes.USAGE,
      '--org-unit and --users choose what a live import reads; with a Terraform state or a GAM export, the file decides',
    );
  }
  if (terraform !== undefined) {
    const input = readInput('from-terraform-state', cwd, terraform);
    return readTerraformState(input.text, basename(input.file));
  }
  if (gam !== undefined) {
    const sendAs = readInput('from-gam-csv', cwd, gam);
    const orgUnits = orgs !== undefined ? readInput('orgs', cwd, orgs) : undefined;
    return readGamCsv(
      { file: basename(sendAs.file), text: sendAs.text },
      orgUnits ? { file: basename(orgUnits.file), text: orgUnits.text } : undefined,
    );
  }
  return undefined;
}

/** What was read: the tenant the code declares, and for a migration the differences and what the tenant has. */
export interface ReadOutcome {
  readonly tenant: ImportedTenant;
  readonly inTenant: (object: DeclaredObject) => boolean;
  readonly compare?: (app: GeneratedApp) => SourceDifference[];
}

export async function readSource(
  admin: WorkspaceAdmin,
  source: MigrationSource | undefined,
  args: ReturnType<typeof parseCommandArgs>,
  users: string[] | undefined,
  progress: ReturnType<typeof progressReporter>,
): Promise<ReadOutcome> {
  if (!source) {
    const tenant = await readTenant(admin, {
      orgUnit: stringOption(args, 'org-unit'),
      users,
      onProgress: progress.onProgress,
    });
    progress.stop();
    // Everything the code declares was just read from the tenant.
    return { tenant, inTenant: () => true };
  }
  const live = await readLiveFor(admin, source);
  return {
    tenant: tenantFromSource(source, live),
    inTenant: presentIn(live),
    compare: (app) => compareWithTenant(source, app.manifest, live),
  };
}
