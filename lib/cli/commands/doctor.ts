import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { CREDENTIALS_ENV } from '../../admin/service-account-key';
import type { TargetInfo } from '../../admin/workspace-admin';
import type { AdminEndpoint } from '../../admin/workspace-admin-options';
import {
  renderDoctorJson,
  renderDoctorMarkdown,
  renderDoctorText,
  runDoctor,
  type DoctorInput,
  type KeySource,
} from '../../doctor';
import { ErrorCodes, MailPolicyError } from '../../model/errors';
import { flagOption, helpText, parseCommandArgs, parseDuration, stringOption, type OptionTable } from '../args';
import { loadStacks } from '../app-runner';
import {
  COLOR_OPTIONS,
  GATEWAY_WRITES_OPTIONS,
  STACK_OPTIONS,
  STATE_OPTIONS,
  TARGET_OPTIONS,
  gatewayWritesOption,
  stackSelection,
  stateOption,
  targetOptions,
  useColor,
} from '../common-options';
import { info, type CommandIo } from '../io';
import { readStateForPlan } from '../stack-state';
import {
  firstAdmin,
  gmailReadScope,
  standaloneAdmin,
  startEmbeddedEmulator,
  targetKind,
  type TargetOptions,
} from '../target';
import { workspaceDir, type WorkspaceDir } from '../workspace-dir';

const { 'retry-deadline': _deadline, 'directory-qpm': _qpm, ...DOCTOR_TARGET_OPTIONS } = TARGET_OPTIONS;

const OPTIONS: OptionTable = {
  ...STACK_OPTIONS,
  ...STATE_OPTIONS,
  ...DOCTOR_TARGET_OPTIONS,
  format: { type: 'string', value: 'text|markdown|json', help: 'output format (default: text)' },
  'check-credentials': {
    type: 'boolean',
    help: 'also log in to each SMTP server with the declared credentials (resolved from their secret references)',
  },
  'smtp-ca': {
    type: 'string',
    value: 'FILE',
    help: 'a CA certificate (PEM) to trust for SMTP servers besides the public roots ($MAILPOLICY_SMTP_CA)',
  },
  timeout: { type: 'string', value: 'DURATION', help: 'time allowed for each network step (default 10s)' },
  access: {
    type: 'string',
    value: 'read|write|all',
    help: "which commands the key serves, whose scopes are checked: plan's (read), apply's (write) or both (all, default)",
  },
  'sample-users': {
    type: 'string',
    value: 'N',
    help: 'users of the code the Gmail scopes are tried for (default 3)',
  },
  ...GATEWAY_WRITES_OPTIONS,
  ...COLOR_OPTIONS,
};

export const DOCTOR_HELP = helpText(
  'mailpolicy doctor [--manifest FILE | --app DIR] [--stack NAME | --all] [--format text|markdown|json] [--check-credentials]',
  'Runs every check a first apply depends on, read-only: the service-account key, a token per scope for the admin\n' +
    'and a sample of users, the super admin, the APIs, the customer and its domains, every user of the code, the\n' +
    'state and the gateway setting, and every SMTP endpoint from this machine. One line per check: ✓ passed,\n' +
    '✗ blocks the first apply, ! read it, · not checked; each ✗ and ! says what to do. Writes nothing.\n' +
    'Exit codes: 0 nothing blocks (✓ and ! only); 1 a check failed (✗), or doctor could not run.',
  OPTIONS,
);

type Format = 'text' | 'markdown' | 'json';

function formatOf(value: string | undefined): Format {
  if (value === undefined) return 'text';
  if (value === 'text' || value === 'markdown' || value === 'json') return value;
  throw new MailPolicyError(ErrorCodes.USAGE, `--format: '${value}' is not a format (allowed: text, markdown, json)`);
}

function positiveInteger(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1) {
    throw new MailPolicyError(ErrorCodes.USAGE, `--${option}: '${value}' (allowed: a whole number, 1 or more)`);
  }
  return n;
}

function readCaFile(source: string, file: string, cwd: string): string {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new MailPolicyError(ErrorCodes.USAGE, `${source}: file ${file} does not exist`);
  return readFileSync(path, 'utf8');
}

/** Certificates to trust for SMTP besides Node's roots; NODE_EXTRA_CA_CERTS is kept, as Node would. */
function extraCas(
  file: string | undefined,
  kind: 'google' | 'emulator' | 'embedded',
  io: CommandIo,
): { pems: string[]; source?: string } {
  const sources: Array<[string, string]> = [];
  const given = file ?? io.env.MAILPOLICY_SMTP_CA;
  if (given) sources.push([file ? '--smtp-ca' : 'MAILPOLICY_SMTP_CA', given]);
  // What the emulator's Gmail trusts for an embedded emulator.
  if (kind !== 'google' && io.env.MAILPOLICY_EMULATOR_SMTP_CA) {
    sources.push(['MAILPOLICY_EMULATOR_SMTP_CA', io.env.MAILPOLICY_EMULATOR_SMTP_CA]);
  }
  if (sources.length === 0) return { pems: [] };
  const pems = sources.map(([source, path]) => readCaFile(source, path, io.cwd));
  const nodeExtra = io.env.NODE_EXTRA_CA_CERTS;
  if (nodeExtra && existsSync(nodeExtra)) pems.push(readFileSync(nodeExtra, 'utf8'));
  return { pems, source: sources.map(([source]) => source).join(' and ') };
}

interface ResolvedTarget {
  readonly kind: 'google' | 'emulator' | 'embedded';
  readonly info: TargetInfo;
  readonly key: KeySource;
  readonly admin?: string;
  readonly endpoint?: AdminEndpoint;
  close(): Promise<void>;
}

/** The target as `connect` picks it, keeping what doctor checks itself: the key file and the admin. */
async function resolveTarget(
  options: TargetOptions,
  workspace: WorkspaceDir,
  env: NodeJS.ProcessEnv,
  defaultAdmin: string,
): Promise<ResolvedTarget> {
  const kind = targetKind(options, env);
  const customer = options.customerId ?? 'my_customer';
  const path = options.credentials ?? env[CREDENTIALS_ENV];
  const key: KeySource = { kind: 'file', ...(path ? { path } : {}) };
  if (kind === 'google') {
    const admin = options.admin ?? env.MAILPOLICY_ADMIN;
    const description = `Google Workspace (customer ${customer}${admin ? `, admin ${admin}` : ''})`;
    return { kind, info: { kind: 'google', description }, key, admin, close: async () => undefined };
  }
  if (kind === 'emulator') {
    const url = (options.emulatorUrl ?? env.MAILPOLICY_EMULATOR_URL ?? '').replace(/\/+$/, '');
    const admin = options.admin ?? env.MAILPOLICY_ADMIN ?? (await standaloneAdmin(url)) ?? defaultAdmin;
    return {
      kind,
      info: { kind: 'emulator', description: `Workspace emulator at ${url} (not Google)` },
      key,
      admin,
      endpoint: { rootUrl: `${url}/`, tokenUrl: `${url}/token` },
      close: async () => undefined,
    };
  }
  const emulator = await startEmbeddedEmulator(workspace, env);
  return {
    kind,
    info: {
      kind: 'emulator',
      description: `embedded Workspace emulator (data in ${workspace.emulatorDataFile}; not Google)`,
    },
    key: { kind: 'embedded', key: emulator.createServiceAccountKey() },
    admin: options.admin ?? env.MAILPOLICY_ADMIN ?? firstAdmin(emulator) ?? defaultAdmin,
    endpoint: { rootUrl: `${emulator.url}/`, tokenUrl: emulator.tokenUrl },
    close: () => emulator.close(),
  };
}

/** `mailpolicy doctor`. */
export async function runDoctorCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs('doctor', argv, OPTIONS);
  if (flagOption(args, 'help')) {
    io.stdout.write(DOCTOR_HELP);
    return 0;
  }
  const format = formatOf(stringOption(args, 'format'));
  const timeoutText = stringOption(args, 'timeout');
  const timeoutMs = timeoutText === undefined ? 10_000 : parseDuration('timeout', timeoutText);
  const sampleUsers = positiveInteger('sample-users', stringOption(args, 'sample-users'), 3);
  const access = stringOption(args, 'access') ?? 'all';
  if (access !== 'read' && access !== 'write' && access !== 'all') {
    throw new MailPolicyError(ErrorCodes.USAGE, `--access: '${access}' (allowed: read, write, all)`);
  }
  const gatewayWrites = gatewayWritesOption(args, io.env);
  const target = targetOptions(args);
  const readScope = gmailReadScope(target, io.env);
  const stacks = await loadStacks(stackSelection(args), io.cwd, io.env, io);
  const workspace = workspaceDir(resolve(stacks[0].manifestFile, '..'), io.env, io.cwd);
  const resolved = await resolveTarget(target, workspace, io.env, `admin@${stacks[0].manifest.domains[0]}`);
  if (format !== 'text') info(io, `Target: ${resolved.info.description}`);
  try {
    const cas = extraCas(stringOption(args, 'smtp-ca'), resolved.kind, io);
    const byName = new Map(stacks.map((s) => [s.name, s.manifest]));
    const input: DoctorInput = {
      stacks: stacks.map((s) => ({ name: s.name, manifest: s.manifest })),
      target: resolved.info,
      targetKind: resolved.kind,
      key: resolved.key,
      admin: resolved.admin,
      customerId: target.customerId,
      endpoint: resolved.endpoint,
      gmailReadScope: readScope,
      access,
      gatewayWrites,
      readState: async (name) => {
        const state = await readStateForPlan(byName.get(name)!, workspace, io.env, stateOption(args));
        return {
          where: state.where,
          missing: state.missing,
          objects: Object.keys(state.state.objects).length,
          policyWritesRefused: state.state.facts.policyWritesRefused === true,
        };
      },
      smtp: {
        extraCa: cas.pems,
        extraCaSource: cas.source,
        checkCredentials: flagOption(args, 'check-credentials'),
        secretBaseDir: workspace.appDir,
      },
      env: io.env,
      timeoutMs,
      sampleUsers,
    };
    const report = await runDoctor(input);
    if (format === 'json') io.stdout.write(renderDoctorJson(report));
    else if (format === 'markdown') io.stdout.write(renderDoctorMarkdown(report));
    else {
      const color = useColor(args, io.stdout, io.env);
      io.stdout.write(renderDoctorText(report, { color }));
    }
    return report.exitCode;
  } finally {
    await resolved.close();
  }
}
