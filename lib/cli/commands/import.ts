import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import {
  adoptionLines,
  differenceLines,
  generateApp,
  prepareAdoption,
  skippedLines,
  tenantDomains,
  type GeneratedApp,
  type ImportedTenant,
  type PreparedAdoption,
} from '../../import';
import { isValidDomain } from '../../model/email';
import { ErrorCodes, MailPolicyError } from '../../model/errors';
import { assertStackName, openStateBackend } from '../../state';
import { flagOption, helpText, parseCommandArgs, parseDuration, stringOption, type OptionTable } from '../args';
import { STATE_OPTIONS, TARGET_OPTIONS, stateOption, targetOptions } from '../common-options';
import { migrationSource, progressReporter, readSource, readUsersFile } from '../import-input';
import { info, type CommandIo } from '../io';
import { connect } from '../target';
import { workspaceDir, type WorkspaceDir } from '../workspace-dir';

const OPTIONS: OptionTable = {
  'from-terraform-state': {
    type: 'string',
    value: 'FILE',
    help: 'start from a Terraform state of the archived googleworkspace provider (terraform.tfstate, `terraform state pull` or `terraform show -json`)',
  },
  'from-gam-csv': {
    type: 'string',
    value: 'FILE',
    help: 'start from `gam all users print sendas` output',
  },
  orgs: { type: 'string', value: 'FILE', help: 'with --from-gam-csv: `gam print orgs allfields` output' },
  'org-unit': {
    type: 'string',
    value: 'PATH',
    help: 'import only this OU and the OUs below it (default: the whole tenant; live imports only)',
  },
  users: {
    type: 'string',
    value: 'FILE',
    help: 'import only the users in FILE: one primary address a line, # comments (live imports only)',
  },
  out: { type: 'string', value: 'FILE.ts', help: 'write the app to FILE.ts (default: standard output)' },
  force: { type: 'boolean', help: 'overwrite --out when the file exists' },
  stack: { type: 'string', value: 'NAME', help: 'name of the generated stack and of its state (default: mail-policy)' },
  domain: {
    type: 'string',
    multiple: true,
    value: 'DOMAIN',
    help: "the customer's domains, primary first, repeatable (default: the domains of the users' addresses)",
  },
  merge: {
    type: 'boolean',
    help: 'record the imported objects into a state that already has objects of the stack (default: refuse)',
  },
  'code-only': { type: 'boolean', help: 'write the code only; record nothing in the state' },
  'lock-timeout': {
    type: 'string',
    value: 'DURATION',
    help: "how long to wait for the stack's lock held by an apply or destroy (default 0s: fail at once)",
  },
  ...STATE_OPTIONS,
  ...TARGET_OPTIONS,
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

const USAGE =
  'mailpolicy import [--from-terraform-state FILE | --from-gam-csv FILE [--orgs FILE]] [--org-unit PATH] [--users FILE] [--out FILE.ts] [--stack NAME] [--state URL] [--merge | --code-only] [target options]';
const DESCRIPTION =
  'Reads the OUs, the per-user outbound gateway settings, the users (with the aliases their in-domain identities\n' +
  'need) and their send-as identities of a live tenant (read-only) and writes a cdktf app that declares them with\n' +
  'the workspace-mail-policy constructs. With --from-terraform-state or --from-gam-csv it starts instead from the\n' +
  'OUs and send-as identities another tool manages, checks them against the live tenant and prints every\n' +
  'difference. Then it records the imported objects as adopted in the state of the stack (under its lock), so the\n' +
  'first plan is clean and a later removal from the code is a delete. Google never returns SMTP user names or\n' +
  'passwords: the app reads them from environment variables, listed at the end, and the first apply sends them.';

/** Progress bars start only for tenants at least this large; small imports finish before a bar would help. */
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
 * The app folder whose state the import records into: the nearest folder holding a `cdktf.json` from the folder of
 * `--out` (or the working directory when writing to stdout) upwards, else that folder itself — where `mailpolicy
 * plan` will look once the app is there.
 */
function appWorkspace(out: string | undefined, cwd: string, env: NodeJS.ProcessEnv): WorkspaceDir {
  const start = out ? dirname(out) : cwd;
  return workspaceDir(start, env, start);
}

function writeApp(app: GeneratedApp, out: string | undefined, outOption: string | undefined, io: CommandIo): void {
  if (!out) {
    io.stdout.write(app.source);
    return;
  }
  try {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, app.source);
  } catch (error) {
    throw new MailPolicyError(
      ErrorCodes.IMPORT_FAILED,
      `import failed: cannot write ${outOption}: ${(error as Error).message}`,
    );
  }
}

/**
 * `mailpolicy import`: reads the source file (if any) and checks the options, takes the stack's state lock and
 * checks the state is unused (unless `--merge` or `--code-only`), prints the target (stderr), reads the tenant
 * read-only, writes the app to `--out` or stdout, prints the skipped entries and the differences of a migration,
 * records the imported objects as adopted, then lists the SMTP credential variables to set (stderr). Errors are
 * thrown as `MailPolicyError` (MP4000 usage, MP5000 import, MP5001 state in use, MP5002 unreadable source, MP3005
 * locked); returns 0 when the file was written.
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
  if (flagOption(args, 'merge') && flagOption(args, 'code-only')) {
    throw new MailPolicyError(
      ErrorCodes.USAGE,
      '--merge records into the state and --code-only records nothing: choose one',
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
  const stackName = stringOption(args, 'stack') ?? 'mail-policy';
  assertStackName(stackName);
  const lockTimeout = stringOption(args, 'lock-timeout');
  const lockTimeoutMs = lockTimeout === undefined ? 0 : parseDuration('lock-timeout', lockTimeout);
  const source = migrationSource(args, io.cwd);
  const target = targetOptions(args);

  let adoption: PreparedAdoption | undefined;
  if (!flagOption(args, 'code-only')) {
    const app = appWorkspace(out, io.cwd, io.env);
    adoption = await prepareAdoption({
      backend: openStateBackend({ appDir: app.appDir, url: stateOption(args).url, env: io.env }),
      stack: stackName,
      merge: flagOption(args, 'merge'),
      lockTimeoutMs,
      ledgerFile: app.ledgerFile,
    });
  }
  try {
    const connection = await connect(target, workspaceDir(io.cwd, io.env), io.env);
    const progress = progressReporter(io);
    try {
      info(io, `Target: ${connection.target.description}`);
      if (source) info(io, `Source: ${source.description}`);
      const read = await readSource(connection.client('read'), source, args, users, progress);
      const tenant = read.tenant;
      const appDomains = domains ?? tenantDomains(tenant);
      if (appDomains.length === 0) {
        throw new MailPolicyError(
          ErrorCodes.IMPORT_FAILED,
          "import failed: no users were read, so the customer's domains are unknown; pass them with --domain example.com",
        );
      }
      const app = generateApp(tenant, { domains: appDomains, stackName, customerId: target.customerId });
      writeApp(app, out, outOption, io);
      if (source) {
        for (const line of skippedLines(source)) info(io, line);
        for (const note of source.notes) info(io, `Note: ${note}`);
        for (const line of differenceLines(source, read.compare?.(app) ?? [], connection.target.description)) {
          info(io, line);
        }
      }
      info(io, summary(tenant, app));
      if (out) info(io, `Wrote ${outOption}.`);
      for (const finding of app.acknowledged)
        info(io, `  acknowledged ${finding.ruleId} ${finding.subject}: ${finding.message}`);
      for (const note of app.notes) info(io, `Note: ${note}`);
      const smtpIdentities = app.manifest.sendAs.filter((s) => s.smtp).length;
      if (adoption) {
        const result = await adoption.record(app.manifest, read.inTenant);
        for (const line of adoptionLines(result, stackName, smtpIdentities)) info(io, line);
      } else {
        info(io, 'Recorded nothing in the state (--code-only): the first apply adopts what the code declares.');
      }
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
  } finally {
    await adoption?.release();
  }
}
