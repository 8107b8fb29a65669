/**
 * One emulator per test file, in the test process, plus what a command needs to reach it: a key file written
 * with `writeCredentials`, a temporary folder, and a base environment passing everything through `env`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { partnerGatewayApp } from '../../../examples/partner-gateway/main';
import {
  createTestCertificate,
  startEmulator,
  startSmtpStandIn,
  type EmulatorOptions,
  type RunningEmulator,
  type RunningSmtpStandIn,
} from '../../../lib/emulator';

/** A fixed fingerprint key, so synth in the test process and the commands agree. */
export const TEST_FINGERPRINT_KEY = 'cli-tests-fingerprint-key-0123456789abcdef';

export interface CliTenant {
  readonly emulator: RunningEmulator;
  /** Temporary folder removed by `close`. */
  readonly dir: string;
  /** The key file (all project scopes). */
  readonly credentialsFile: string;
  /** Environment reaching the running emulator: URL, key, admin, fingerprint key. */
  readonly env: NodeJS.ProcessEnv;
  /** A fresh sub-folder of `dir`. */
  freshDir(name: string): string;
  close(): Promise<void>;
}

/** Starts an emulator on a free port and writes a key for it. */
export async function startCliTenant(options: EmulatorOptions = {}): Promise<CliTenant> {
  const dir = mkdtempSync(join(tmpdir(), 'mailpolicy-cli-'));
  const emulator = await startEmulator({ port: 0, ...options });
  const credentialsFile = join(dir, 'key.json');
  emulator.writeCredentials(credentialsFile);
  let counter = 0;
  return {
    emulator,
    dir,
    credentialsFile,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NO_COLOR: '1',
      MAILPOLICY_EMULATOR_URL: emulator.url,
      GOOGLE_APPLICATION_CREDENTIALS: credentialsFile,
      MAILPOLICY_ADMIN: 'admin@example.com',
      MAILPOLICY_FINGERPRINT_KEY: TEST_FINGERPRINT_KEY,
    },
    freshDir(name) {
      const sub = join(dir, `${++counter}-${name}`);
      mkdirSync(sub, { recursive: true });
      return sub;
    },
    async close() {
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The partner's SMTP server on loopback, trusted by the emulator through `smtpCa`. */
export interface PartnerSmtp {
  readonly server: RunningSmtpStandIn;
  /** The SMTP password: a canary that must never be printed or written. */
  readonly password: string;
  /** The accounts the server accepts, read at each AUTH: change an entry to rotate the password. */
  readonly accounts: Record<string, string>;
  /** PARTNER_SMTP_HOST / PORT / PASSWORD. */
  readonly env: NodeJS.ProcessEnv;
}

/** Starts a STARTTLS stand-in for smtp.partnerdomain.com and makes the emulator trust its certificate. */
export async function startPartnerSmtp(emulator: RunningEmulator, password?: string): Promise<PartnerSmtp> {
  const tls = createTestCertificate(['smtp.partnerdomain.test']);
  const secret = password ?? `canary-${randomBytes(12).toString('hex')}`;
  const accounts: Record<string, string> = { 'user.name@partnerdomain.com': secret };
  const server = await startSmtpStandIn({ mode: 'starttls', tls, accounts });
  emulator.control.setKnobs({ smtpCa: tls.cert });
  return {
    server,
    password: secret,
    accounts,
    env: { PARTNER_SMTP_HOST: server.host, PARTNER_SMTP_PORT: String(server.port), PARTNER_SMTP_PASSWORD: secret },
  };
}

/**
 * Registers a `beforeAll` that starts an emulator tenant and the partner's SMTP server for the test file, hands
 * them to `receive`, and an `afterAll` that stops both.
 */
export function usePartnerTenant(receive: (started: { tenant: CliTenant; smtp: PartnerSmtp }) => void): void {
  let started: { tenant: CliTenant; smtp: PartnerSmtp } | undefined;
  beforeAll(async () => {
    const tenant = await startCliTenant();
    started = { tenant, smtp: await startPartnerSmtp(tenant.emulator) };
    receive(started);
  });
  afterAll(async () => {
    await started?.smtp.server.close();
    await started?.tenant.close();
  });
}

/**
 * Synthesises examples/partner-gateway into `outdir` in the test process and returns the stack folder
 * (holding mail-policy.json and cdk.tf.json).
 */
export function synthPartnerGateway(outdir: string, env: NodeJS.ProcessEnv): string {
  const before = process.env.MAILPOLICY_FINGERPRINT_KEY;
  process.env.MAILPOLICY_FINGERPRINT_KEY = TEST_FINGERPRINT_KEY;
  try {
    partnerGatewayApp(outdir, env).synth();
  } finally {
    if (before === undefined) delete process.env.MAILPOLICY_FINGERPRINT_KEY;
    else process.env.MAILPOLICY_FINGERPRINT_KEY = before;
  }
  return join(outdir, 'stacks', 'partner-gateway');
}

/** Reads a JSON file, changes it and writes it back. */
export function editJson<T>(file: string, edit: (value: T) => void): void {
  const value = JSON.parse(readFileSync(file, 'utf8')) as T;
  edit(value);
  writeFileSync(file, JSON.stringify(value, null, 2));
}

/** Every file under `dir` (recursively) with its content, for secret canaries. */
export function filesUnder(dir: string): Array<{ file: string; text: string }> {
  const found: Array<{ file: string; text: string }> = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...filesUnder(path));
    else found.push({ file: path, text: readFileSync(path).toString('latin1') });
  }
  return found;
}

/** Sum of the calls received whose method id matches `pattern`. */
export function callsMatching(emulator: RunningEmulator, pattern: RegExp): number {
  return Object.entries(emulator.control.callCounts())
    .filter(([method]) => pattern.test(method))
    .reduce((sum, [, count]) => sum + count, 0);
}

/** Write calls (create, insert, patch, update, delete) received so far. */
export function writeCalls(emulator: RunningEmulator): number {
  return callsMatching(emulator, /\.(create|insert|patch|update|delete|move)$/);
}
