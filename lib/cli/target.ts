import { existsSync, mkdirSync, readFileSync } from 'node:fs';

import {
  createWorkspaceAdmin,
  loadServiceAccountKey,
  type GmailReadScope,
  type RateLimitOptions,
  type RetryOptions,
} from '../admin';
import type { AccessLevel, TargetInfo, WorkspaceAdmin } from '../admin/workspace-admin';
import { startEmulator, type RunningEmulator } from '../emulator';
import { ErrorCodes, MailPolicyError } from '../model/errors';
import { parseDuration } from './args';
import type { WorkspaceDir } from './workspace-dir';

/**
 * Which tenant a command talks to. With Google credentials configured the default is Google; with none, the
 * embedded emulator, started in-process with its data in `.mailpolicy/emulator.sqlite`. Every command prints
 * the target first so nobody mistakes the emulator for production.
 */
export interface TargetOptions {
  /** `google` or `emulator`; @default - google when credentials are configured, else the embedded emulator */
  readonly target?: string;
  /** Service-account key file. @default - $GOOGLE_APPLICATION_CREDENTIALS */
  readonly credentials?: string;
  /** Admin to impersonate for Directory and Policy calls. @default - $MAILPOLICY_ADMIN */
  readonly admin?: string;
  /** A running `mailpolicy emulator`. @default - $MAILPOLICY_EMULATOR_URL */
  readonly emulatorUrl?: string;
  /** Customer id. @default 'my_customer' */
  readonly customerId?: string;
  /**
   * How long one API call may keep retrying (429, 5xx, resets), as a duration such as `30s`.
   * @default - $MAILPOLICY_RETRY_DEADLINE, else the client's default (120 s)
   */
  readonly retryDeadline?: string;
  /**
   * Directory API queries per minute the client allows itself, for projects whose quota was raised.
   * @default - $MAILPOLICY_DIRECTORY_QPM, else Google's default quota (2400)
   */
  readonly directoryQpm?: string;
  /**
   * The scope read-only clients read send-as addresses with: `basic` (gmail.settings.basic) or `readonly`
   * (gmail.readonly); write clients are not affected.
   * @default - $MAILPOLICY_GMAIL_READ_SCOPE, else basic
   */
  readonly gmailReadScope?: string;
  /**
   * API calls the client keeps in flight at most.
   * @default - the client's default (50)
   */
  readonly concurrency?: number;
}

function rateLimitOptions(options: TargetOptions, env: NodeJS.ProcessEnv): RateLimitOptions | undefined {
  const text = options.directoryQpm ?? env.MAILPOLICY_DIRECTORY_QPM;
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new MailPolicyError(ErrorCodes.USAGE, `--directory-qpm: '${text}' (allowed: an integer ≥ 1)`);
  }
  return { directoryQueriesPerMinute: value };
}

/** `--gmail-read-scope`, else `$MAILPOLICY_GMAIL_READ_SCOPE` (empty counts as unset); undefined: the default. */
export function gmailReadScope(options: TargetOptions, env: NodeJS.ProcessEnv): GmailReadScope | undefined {
  const text = options.gmailReadScope ?? env.MAILPOLICY_GMAIL_READ_SCOPE;
  if (text === undefined || text === '') return undefined;
  if (text === 'basic' || text === 'readonly') return text;
  throw new MailPolicyError(ErrorCodes.USAGE, `--gmail-read-scope: '${text}' (allowed: basic, readonly)`);
}

function retryOptions(options: TargetOptions, env: NodeJS.ProcessEnv): RetryOptions | undefined {
  const text = options.retryDeadline ?? env.MAILPOLICY_RETRY_DEADLINE;
  return text === undefined || text === '' ? undefined : { deadlineMs: parseDuration('retry-deadline', text) };
}

export interface Connection {
  readonly target: TargetInfo;
  /** A client with the scopes of `access` (read-only for plan and drift). */
  client(access: AccessLevel): WorkspaceAdmin;
  close(): Promise<void>;
}

export function targetKind(options: TargetOptions, env: NodeJS.ProcessEnv): 'google' | 'emulator' | 'embedded' {
  const explicit = options.target ?? env.MAILPOLICY_TARGET;
  const emulatorUrl = options.emulatorUrl ?? env.MAILPOLICY_EMULATOR_URL;
  if (explicit !== undefined && explicit !== 'google' && explicit !== 'emulator') {
    throw new MailPolicyError(ErrorCodes.USAGE, `--target: '${explicit}' is not a target (allowed: google, emulator)`);
  }
  if (explicit === 'emulator') return emulatorUrl ? 'emulator' : 'embedded';
  if (explicit === 'google') return 'google';
  if (emulatorUrl) return 'emulator';
  return (options.credentials ?? env.GOOGLE_APPLICATION_CREDENTIALS) ? 'google' : 'embedded';
}

function requireAdmin(options: TargetOptions, env: NodeJS.ProcessEnv, fallback?: string): string {
  const admin = options.admin ?? env.MAILPOLICY_ADMIN ?? fallback;
  if (!admin) {
    throw new MailPolicyError(
      ErrorCodes.USAGE,
      'no admin to impersonate: pass --admin EMAIL or set MAILPOLICY_ADMIN (a super admin of the tenant)',
    );
  }
  return admin;
}

function memo(make: (access: AccessLevel) => WorkspaceAdmin): (access: AccessLevel) => WorkspaceAdmin {
  const clients = new Map<AccessLevel, WorkspaceAdmin>();
  return (access) => {
    let client = clients.get(access);
    if (!client) {
      client = make(access);
      clients.set(access, client);
    }
    return client;
  };
}

/** Opens the target. `defaultAdmin` is used for emulator targets when no admin is given. */
export async function connect(
  options: TargetOptions,
  workspace: WorkspaceDir,
  env: NodeJS.ProcessEnv,
  defaultAdmin?: string,
): Promise<Connection> {
  const kind = targetKind(options, env);
  const customerId = options.customerId ?? 'my_customer';
  // What every client shares, whichever the target.
  const common = {
    customerId,
    retry: retryOptions(options, env),
    rateLimit: rateLimitOptions(options, env),
    concurrency: options.concurrency,
    gmailReadScope: gmailReadScope(options, env),
  };
  if (kind === 'google') {
    const credentials = loadServiceAccountKey(options.credentials, env);
    const adminEmail = requireAdmin(options, env);
    const target: TargetInfo = {
      kind: 'google',
      description: `Google Workspace (customer ${customerId}, admin ${adminEmail}, service account ${credentials.client_email})`,
    };
    const client = memo((access) => createWorkspaceAdmin({ ...common, credentials, adminEmail, access, target }));
    return { target, client, close: async () => undefined };
  }
  if (kind === 'emulator') {
    const url = (options.emulatorUrl ?? env.MAILPOLICY_EMULATOR_URL ?? '').replace(/\/+$/, '');
    const credentials = loadServiceAccountKey(options.credentials, env);
    const adminEmail =
      options.admin ?? env.MAILPOLICY_ADMIN ?? (await standaloneAdmin(url)) ?? requireAdmin(options, env, defaultAdmin);
    const target: TargetInfo = { kind: 'emulator', description: `Workspace emulator at ${url} (not Google)` };
    const endpoint = { rootUrl: `${url}/`, tokenUrl: `${url}/token` };
    const client = memo((access) =>
      createWorkspaceAdmin({ ...common, credentials, adminEmail, access, endpoint, target }),
    );
    return { target, client, close: async () => undefined };
  }
  const emulator = await startEmbeddedEmulator(workspace, env);
  const credentials = emulator.createServiceAccountKey();
  const adminEmail =
    options.admin ?? env.MAILPOLICY_ADMIN ?? firstAdmin(emulator) ?? requireAdmin(options, env, defaultAdmin);
  const target: TargetInfo = {
    kind: 'emulator',
    description: `embedded Workspace emulator (data in ${workspace.emulatorDataFile}; not Google)`,
  };
  const endpoint = { rootUrl: `${emulator.url}/`, tokenUrl: emulator.tokenUrl };
  const client = memo((access) =>
    createWorkspaceAdmin({ ...common, credentials, adminEmail, access, endpoint, target }),
  );
  return { target, client, close: () => emulator.close() };
}

/**
 * The super admin of a standalone emulator, from its control API (`GET /emulator/v1/snapshot`); undefined when
 * it cannot be asked, so the usual "no admin" error names --admin.
 */
export async function standaloneAdmin(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${url}/emulator/v1/snapshot`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) return undefined;
    const snapshot = (await response.json()) as { users?: Array<{ primaryEmail?: string; isAdmin?: boolean }> };
    return (snapshot.users ?? []).find((user) => user.isAdmin === true)?.primaryEmail;
  } catch {
    return undefined;
  }
}

export function firstAdmin(emulator: RunningEmulator): string | undefined {
  return (emulator.control.snapshot().users ?? []).find((user) => user.isAdmin)?.primaryEmail;
}

export async function startEmbeddedEmulator(workspace: WorkspaceDir, env: NodeJS.ProcessEnv): Promise<RunningEmulator> {
  const caFile = env.MAILPOLICY_EMULATOR_SMTP_CA;
  const policyWrites = env.MAILPOLICY_EMULATOR_POLICY_WRITES;
  if (policyWrites !== undefined && policyWrites !== 'accepted' && policyWrites !== 'refused') {
    throw new MailPolicyError(
      ErrorCodes.USAGE,
      `MAILPOLICY_EMULATOR_POLICY_WRITES: '${policyWrites}' (allowed: accepted, refused)`,
    );
  }
  if (caFile && !existsSync(caFile)) {
    throw new MailPolicyError(ErrorCodes.USAGE, `MAILPOLICY_EMULATOR_SMTP_CA: file ${caFile} does not exist`);
  }
  mkdirSync(workspace.stateDir, { recursive: true });
  return startEmulator({
    dataFile: workspace.emulatorDataFile,
    smtpCa: caFile ? readFileSync(caFile, 'utf8') : undefined,
    policyWrites: policyWrites as 'accepted' | 'refused' | undefined,
  });
}
