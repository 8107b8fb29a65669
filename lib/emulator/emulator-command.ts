/**
 * `mailpolicy emulator …`: starts the emulator and runs until SIGINT/SIGTERM.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import type { EmulatorOptions, FaultRates } from './emulator-types';
import { PROJECT_SCOPES } from './private/methods';
import { parseSeedTenant, type SeedTenant } from './seed';
import { isLoopbackHost } from './private/loopback';
import { startEmulator } from './start-emulator';
import { startStorageEmulator, type RunningStorageEmulator } from './storage-emulator';

/** The bucket the Cloud Storage emulator of `mailpolicy emulator` starts with. */
const DEFAULT_STATE_BUCKET = 'mailpolicy-state';

/** Where the key file goes when `--write-credentials` is not given (relative to the working directory). */
export const DEFAULT_KEY_FILE = join('.mailpolicy', 'emulator-key.json');

export const EMULATOR_HELP = `Usage: mailpolicy emulator [options]

Starts a local Google Workspace (OAuth token endpoint, Directory orgunits/users/aliases/groups, Cloud
Identity policies, Gmail sendAs and batch) that the official Google clients use with only rootUrl and the
token URL pointed at it. It prints the environment variables that point mailpolicy at it.

Options:
  --host HOST                    interface to listen on (default 127.0.0.1; anything else is reachable
                                 from other machines and prints a warning)
  --port N                       TCP port (default 0: a free port)
  --data FILE                    SQLite file; the tenant survives a restart (default :memory:)
  --seed FILE|demo|empty         tenant to start with; replaces what --data holds (default: demo for a new file)
  --write-credentials FILE       where to write the service-account key file registered with the emulator
                                 (default .mailpolicy/emulator-key.json, mode 0600)
  --grant-scopes URL,URL,...     delegation grant of that key (default: every scope the project uses)
  --smtp-ca FILE                 PEM bundle trusted for SMTP TLS, besides Node's default roots
  --policy-writes accepted|refused
                                 whether Policy API writes to the gateway setting succeed (default accepted)
  --accept-external-without-smtp accept external send-as without smtpMsa (default: refused as Google does)
  --allow-insecure-smtp-any-port accept smtpMsa securityMode none on any port (default: port 25 only, as
                                 Google requires; for SMTP test servers on free ports)
  --propagation-delay MS         delay before policy changes affect send-as checks (default 0)
  --latency MS[:JITTER_MS]       fixed + random latency per API call (default 0)
  --faults 503=0.10,429=0.05,500=0.01,reset=0.02
                                 injected failure rates per call
  --quota-project UNITS_PER_MINUTE  Gmail quota units per minute per project (default unlimited)
  --quota-user UNITS_PER_MINUTE     Gmail quota units per minute per user (default unlimited)
  --random-seed N                seed for faults and jitter (repeatable runs)
  --storage-port N               port of the Cloud Storage emulator for gs:// state (default 0: a free port)
  --storage-bucket NAME,...      buckets it starts with (default mailpolicy-state)
  --help                         show this help

Control API (test knobs, never on Google's paths): POST /emulator/v1/reset, POST /emulator/v1/seed,
GET /emulator/v1/snapshot, GET /emulator/v1/outbox, POST /emulator/v1/verifications:accept,
GET|PATCH /emulator/v1/knobs, GET /emulator/v1/callCounts, POST /emulator/v1/tokens:expire,
POST /emulator/v1/serviceAccountKeys. See lib/emulator/BEHAVIOUR.md.
`;

class UsageError extends Error {}

/** A value as a POSIX shell word: unchanged when safe, else single-quoted. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

function number(flag: string, value: string, min = 0): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min)
    throw new UsageError(`${flag} needs a number >= ${min}, got "${value}".`);
  return n;
}

function parseFaults(value: string): FaultRates {
  const out: Record<string, number> = {};
  for (const part of value.split(',').filter((p) => p.trim() !== '')) {
    const [kind, rate] = part.split('=');
    if (!['429', '500', '503', 'reset'].includes(kind?.trim() ?? '') || rate === undefined) {
      throw new UsageError(`--faults entries look like 503=0.10 (kinds 429, 500, 503, reset), got "${part}".`);
    }
    const r = number('--faults', rate);
    if (r > 1) throw new UsageError(`--faults rates are between 0 and 1, got ${r} for ${kind}.`);
    out[kind.trim()] = r;
  }
  return out;
}

const VALUE_FLAGS = [
  '--host',
  '--port',
  '--data',
  '--seed',
  '--write-credentials',
  '--grant-scopes',
  '--smtp-ca',
  '--policy-writes',
  '--propagation-delay',
  '--latency',
  '--faults',
  '--quota-project',
  '--quota-user',
  '--random-seed',
  '--storage-port',
  '--storage-bucket',
];

interface Parsed {
  options: EmulatorOptions;
  /** The Cloud Storage emulator's port (0: a free one). */
  storagePort: number;
  /** Buckets the storage emulator starts with. */
  storageBuckets: string[];
  credentials?: string;
  scopes?: string[];
  help: boolean;
}

/** Parses the flags of `mailpolicy emulator`; throws UsageError naming the flag. */
function parse(argv: readonly string[]): Parsed {
  const o: { -readonly [K in keyof EmulatorOptions]: EmulatorOptions[K] } = {};
  const out: Parsed = { options: o, help: false, storagePort: 0, storageBuckets: [DEFAULT_STATE_BUCKET] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') {
      out.help = true;
      continue;
    }
    if (flag === '--accept-external-without-smtp') {
      o.acceptExternalWithoutSmtp = true;
      continue;
    }
    if (flag === '--allow-insecure-smtp-any-port') {
      o.allowInsecureSmtpAnyPort = true;
      continue;
    }
    if (!VALUE_FLAGS.includes(flag)) throw new UsageError(`Unknown option ${flag}; see --help.`);
    const value = argv[i + 1];
    if (value === undefined) throw new UsageError(`${flag} needs a value; see --help.`);
    i++;
    switch (flag) {
      case '--host':
        o.host = value;
        break;
      case '--port':
        o.port = number(flag, value);
        break;
      case '--data':
        o.dataFile = value;
        break;
      case '--seed':
        o.seed =
          value === 'demo' || value === 'empty'
            ? value
            : (parseSeedTenant(JSON.parse(readFileSync(value, 'utf8'))) as SeedTenant);
        break;
      case '--write-credentials':
        out.credentials = value;
        break;
      case '--grant-scopes':
        out.scopes = value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        break;
      case '--smtp-ca':
        o.smtpCa = readFileSync(value, 'utf8');
        break;
      case '--policy-writes':
        if (value !== 'accepted' && value !== 'refused')
          throw new UsageError(`--policy-writes is accepted or refused, got "${value}".`);
        o.policyWrites = value;
        break;
      case '--propagation-delay':
        o.propagationDelayMs = number(flag, value);
        break;
      case '--latency': {
        const [ms, jitter] = value.split(':');
        o.latencyMs = number(flag, ms);
        if (jitter !== undefined) o.jitterMs = number(flag, jitter);
        break;
      }
      case '--faults':
        o.faults = parseFaults(value);
        break;
      case '--quota-project':
        o.quotaProjectPerMinute = number(flag, value, 1);
        break;
      case '--quota-user':
        o.quotaUserPerMinute = number(flag, value, 1);
        break;
      case '--random-seed':
        o.randomSeed = Math.trunc(number(flag, value));
        break;
      case '--storage-port':
        out.storagePort = number(flag, value);
        break;
      case '--storage-bucket':
        out.storageBuckets = value
          .split(',')
          .map((b) => b.trim())
          .filter((b) => b !== '');
        break;
      default:
        throw new UsageError(`Unknown option ${flag}; see --help.`);
    }
  }
  return out;
}

/** Runs `mailpolicy emulator`; resolves with the exit code once SIGINT/SIGTERM stops it (2 on usage errors). */
export async function runEmulatorCommand(argv: string[]): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(argv);
  } catch (err) {
    process.stderr.write(`mailpolicy emulator: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(EMULATOR_HELP);
    return 0;
  }
  if (parsed.options.host !== undefined && !isLoopbackHost(parsed.options.host)) {
    process.stderr.write(
      `mailpolicy emulator: warning: --host ${parsed.options.host} is not a loopback address. The emulator has no real ` +
        'authentication and its control API can replace the tenant: anyone who can reach this port can use it.\n',
    );
  }
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator(parsed.options);
  } catch (err) {
    const where = `${parsed.options.host ?? '127.0.0.1'}:${parsed.options.port ?? 0}`;
    process.stderr.write(
      `mailpolicy emulator: cannot start on ${where}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  }
  let storage: RunningStorageEmulator;
  try {
    storage = await startStorageEmulator({
      host: parsed.options.host,
      port: parsed.storagePort,
      buckets: parsed.storageBuckets,
    });
  } catch (err) {
    await emulator.close();
    process.stderr.write(
      `mailpolicy emulator: cannot start the Cloud Storage emulator on port ${parsed.storagePort}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  }
  const keyFile = resolvePath(parsed.credentials ?? DEFAULT_KEY_FILE);
  mkdirSync(dirname(keyFile), { recursive: true });
  const key = emulator.writeCredentials(keyFile, { scopes: parsed.scopes ?? PROJECT_SCOPES });
  const admin = (emulator.control.snapshot().users ?? []).find((u) => u.isAdmin)?.primaryEmail;
  const lines = [
    `Workspace emulator (not Google) listening on ${emulator.url}`,
    `  token endpoint      ${emulator.tokenUrl}`,
    `  Gmail sendAs        ${emulator.url}/gmail/v1/users/{userId}/settings/sendAs (batch: ${emulator.url}/batch/gmail/v1)`,
    `  Directory           ${emulator.url}/admin/directory/v1/customer/{customerId}/orgunits, …/users, …/groups`,
    `  Cloud Identity      ${emulator.url}/v1/policies and ${emulator.url}/v1beta1/policies`,
    `  control API         ${emulator.url}/emulator/v1/…`,
    `  Cloud Storage       ${storage.url} (buckets: ${storage.bucketNames().join(', ') || 'none'}; for gs:// stack state)`,
    `  customer ${emulator.customerId}, data ${parsed.options.dataFile ?? ':memory:'}`,
    `  service-account key written to ${keyFile} (${key.client_email}, mode 0600)`,
    '',
    'To point mailpolicy at this emulator, run in your shell:',
    `  export MAILPOLICY_EMULATOR_URL=${shellQuote(emulator.url)}`,
    `  export GOOGLE_APPLICATION_CREDENTIALS=${shellQuote(keyFile)}`,
    admin
      ? `  export MAILPOLICY_ADMIN=${shellQuote(admin)}`
      : '  (the tenant has no super admin: seed a user with "isAdmin": true, then export MAILPOLICY_ADMIN=<that user>)',
    '',
    "To keep the stacks' state in its Cloud Storage as well (optional):",
    `  export STORAGE_EMULATOR_HOST=${shellQuote(storage.url)}`,
    storage.bucketNames().length > 0
      ? `  export MAILPOLICY_STATE=${shellQuote(`gs://${storage.bucketNames()[0]}/mailpolicy`)}`
      : '  (no bucket: start with --storage-bucket NAME, then export MAILPOLICY_STATE=gs://NAME/PREFIX)',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\nPress Ctrl+C to stop.\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await storage.close();
  await emulator.close();
  return 0;
}
