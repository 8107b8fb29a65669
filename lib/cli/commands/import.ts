import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { SingleBar } from 'cli-progress';

import {
  generateApp,
  readTenant,
  tenantDomains,
  type GeneratedApp,
  type ImportedTenant,
  type ReadTenantProgress,
} from '../../import';
import { isValidDomain, isValidEmail } from '../../model/email';
import { ErrorCodes, MailPolicyError } from '../../model/errors';
import { flagOption, helpText, parseCommandArgs, stringOption, type OptionTable } from '../args';
import { TARGET_OPTIONS, targetOptions } from '../common-options';
import { info, type CommandIo } from '../io';
import { connect } from '../target';
import { workspaceDir } from '../workspace-dir';

const OPTIONS: OptionTable = {
  'org-unit': {
    type: 'string',
    value: 'PATH',
    help: 'import only this OU and the OUs below it (default: the whole tenant)',
  },
  users: {
    type: 'string',
    value: 'FILE',
    help: 'import only the users in FILE: one primary address a line, # comments',
  },
  out: { type: 'string', value: 'FILE.ts', help: 'write the app to FILE.ts (default: standard output)' },
  force: { type: 'boolean', help: 'overwrite --out when the file exists' },
  stack: { type: 'string', value: 'NAME', help: 'name of the generated stack (default: mail-policy)' },
  domain: {
    type: 'string',
    multiple: true,
    value: 'DOMAIN',
    help: "the customer's domains, primary first, repeatable (default: the domains of the users' addresses)",
  },
  ...TARGET_OPTIONS,
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

const USAGE = 'mailpolicy import [--org-unit PATH] [--users FILE] [--out FILE.ts] [--stack NAME] [target options]';
const DESCRIPTION =
  'Reads the OUs, the per-user outbound gateway settings, the users and their send-as identities of a live tenant\n' +
  '(read-only) and writes a cdktf app that declares them with the workspace-mail-policy constructs. Google never\n' +
  'returns SMTP user names or passwords: the app reads them from environment variables, listed at the end.';

/** Progress bars start only for tenants at least this large; small imports finish before a bar would help. */
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

function progressReporter(io: CommandIo): { onProgress: (p: ReadTenantProgress) => void; stop: () => void } {
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

function summary(tenant: ImportedTenant, app: GeneratedApp): string {
  const identities = tenant.users.reduce((n, u) => n + u.sendAs.length, 0);
  const smtp = tenant.users.reduce((n, u) => n + u.sendAs.filter((s) => s.smtpMsa).length, 0);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return (
    `Imported ${plural(tenant.orgUnits.length, 'OU')} below ${tenant.topOrgUnitPath}, ` +
    `${plural(tenant.gatewayPolicies.length, 'gateway setting')}, ${plural(tenant.users.length, 'user')} and ` +
    `${identities} send-as ${identities === 1 ? 'identity' : 'identities'} (${smtp} with an SMTP endpoint); ` +
    `${plural(app.acknowledged.length, 'finding')} acknowledged in the code for review.`
  );
}

/**
 * `mailpolicy import`: prints the target (stderr), reads the tenant read-only, writes the app to `--out` or
 * stdout, then lists the SMTP credential variables to set (stderr). Errors are thrown as `MailPolicyError`
 * (MP4000 usage, MP5000 import); returns 0 when the file was written.
 */
export async function runImport(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs('import', argv, OPTIONS);
  if (flagOption(args, 'help')) {
    io.stdout.write(helpText(USAGE, DESCRIPTION, OPTIONS));
    return 0;
  }
  if (args.positionals.length > 0) {
    throw new MailPolicyError(
      ErrorCodes.USAGE,
      `mailpolicy import: unexpected argument '${args.positionals[0]}'. Run 'mailpolicy import --help' for the options.`,
    );
  }
  const usersFile = stringOption(args, 'users');
  const users = usersFile ? readUsersFile(resolve(io.cwd, usersFile)) : undefined;
  const outOption = stringOption(args, 'out');
  const out = outOption ? resolve(io.cwd, outOption) : undefined;
  if (out && existsSync(out) && !flagOption(args, 'force')) {
    throw new MailPolicyError(
      ErrorCodes.IMPORT_FAILED,
      `--out: ${outOption} exists already; pass --force to overwrite it, or choose another file`,
    );
  }
  const domainOption = args.values.domain;
  const domains = Array.isArray(domainOption) ? domainOption.map((d) => d.trim().toLowerCase()) : undefined;
  const badDomain = domains?.find((d) => !isValidDomain(d));
  if (badDomain !== undefined) {
    throw new MailPolicyError(
      ErrorCodes.USAGE,
      `--domain: '${badDomain}' is not a domain name (allowed: e.g. example.com)`,
    );
  }
  const target = targetOptions(args);

  const connection = await connect(target, workspaceDir(io.cwd, io.env), io.env);
  const progress = progressReporter(io);
  try {
    info(io, `Target: ${connection.target.description}`);
    const tenant = await readTenant(connection.client('read'), {
      orgUnit: stringOption(args, 'org-unit'),
      users,
      onProgress: progress.onProgress,
    });
    progress.stop();
    const appDomains = domains ?? tenantDomains(tenant);
    if (appDomains.length === 0) {
      throw new MailPolicyError(
        ErrorCodes.IMPORT_FAILED,
        "import failed: no users were read, so the customer's domains are unknown; pass them with --domain example.com",
      );
    }
    const app = generateApp(tenant, {
      domains: appDomains,
      stackName: stringOption(args, 'stack'),
      customerId: target.customerId,
    });
    if (out) {
      try {
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, app.source);
      } catch (error) {
        throw new MailPolicyError(
          ErrorCodes.IMPORT_FAILED,
          `import failed: cannot write ${outOption}: ${(error as Error).message}`,
        );
      }
    } else {
      io.stdout.write(app.source);
    }
    info(io, summary(tenant, app));
    if (out) info(io, `Wrote ${outOption}.`);
    for (const finding of app.acknowledged)
      info(io, `  acknowledged ${finding.ruleId} ${finding.subject}: ${finding.message}`);
    for (const note of app.notes) info(io, `Note: ${note}`);
    if (app.secrets.length > 0) {
      info(io, '');
      info(io, 'Google never returns SMTP user names or passwords. Set these variables before synth and apply:');
      const width = Math.max(...app.secrets.map((s) => s.name.length));
      for (const s of app.secrets) {
        info(io, `  ${s.name.padEnd(width)}  SMTP ${s.purpose} for ${s.userEmail} → ${s.sendAsEmail} (${s.host})`);
      }
    }
    return 0;
  } finally {
    progress.stop();
    await connection.close();
  }
}
