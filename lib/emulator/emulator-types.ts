/**
 * Public types of the Workspace emulator: how to start it, what it returns and the knobs that change its
 * behaviour at run time.
 */
import type { SeedTenant } from './seed';

/** Injected failure rates for one method (or all), each between 0 and 1, drawn from the seeded generator. */
export interface FaultRates {
  /** Share of calls answered with 429 and `Retry-After: 1`. @default 0 */
  readonly '429'?: number;
  /** Share of calls answered with 500 `backendError`. @default 0 */
  readonly '500'?: number;
  /** Share of calls answered with 503 `backendError`. @default 0 */
  readonly '503'?: number;
  /** Share of calls whose connection is reset without an answer. @default 0 */
  readonly reset?: number;
}

/** Fault rates for every Google API call, optionally overridden per method id. */
export interface FaultSpec extends FaultRates {
  /**
   * Rates per method id (for example `gmail.users.settings.sendAs.create`); a method listed here uses only its
   * own rates.
   * @default - every method uses the top-level rates
   */
  readonly methods?: Readonly<Record<string, FaultRates>>;
}

/** What `OneShotFault` arms have in common: which calls they strike. */
interface OneShotFaultMatch {
  /** Method id, for example `gmail.users.settings.sendAs.create` (as `callCounts` names them). */
  readonly method: string;
  /**
   * Only calls made as this user (the token's subject; for Gmail the mailbox).
   * @default - any user
   */
  readonly user?: string;
  /**
   * Only calls naming this object: a path parameter (send-as address, OU path with or without its leading `/`
   * or `id:…`, user key, alias, policy id) or, for a create, the body's `sendAsEmail`, `alias`, OU `name` or
   * full OU path. Case-insensitive.
   * @default - any object
   */
  readonly target?: string;
  /**
   * How many matching calls it strikes; each consumes one.
   * @default 1
   */
  readonly times?: number;
}

/**
 * A test control, not Google behaviour: the next `times` calls matching `method` (and `user`, `target`) fail
 * in a chosen way. Armed through `control.armFault` or `POST /emulator/v1/oneShotFaults`.
 */
export type OneShotFault =
  | (OneShotFaultMatch & {
      /** The call runs and commits; then the answer is lost, as in a network failure after Google committed. */
      readonly kind: 'lose-answer';
      /**
       * What the client gets instead of the answer: the connection dropped, or a 500 / 503.
       * @default 'reset'
       */
      readonly answer?: 'reset' | 500 | 503;
    })
  | (OneShotFaultMatch & {
      /** The call is answered with an error before anything is committed. */
      readonly kind: 'fail-before';
      /**
       * HTTP status of the answer (400–599).
       * @default 503
       */
      readonly status?: number;
      /**
       * `errors[0].reason`.
       * @default - Google's reason for the status (`notFound`, `backendError`, …)
       */
      readonly reason?: string;
      /**
       * The error message.
       * @default - Google's message for the status
       */
      readonly message?: string;
    });

/** An armed one-shot fault and the calls it still strikes. */
export type ArmedFault = OneShotFault & { readonly remaining: number };

/** Everything that can change while the emulator runs (`control.setKnobs`, `PATCH /emulator/v1/knobs`). */
export interface Knobs {
  /** Whether Policy API writes to the gateway setting are accepted or refused as "not mutate supported". */
  readonly policyWrites: 'accepted' | 'refused';
  /** Whether an external send-as without `smtpMsa` is accepted (pending) instead of refused. */
  readonly acceptExternalWithoutSmtp: boolean;
  /**
   * Whether `smtpMsa.securityMode: none` is accepted on any port; Google requires port 25. For tests whose
   * SMTP stand-ins listen on free ports.
   */
  readonly allowInsecureSmtpAnyPort: boolean;
  /** PEM bundle trusted for SMTP TLS, in addition to Node's default roots. */
  readonly smtpCa: string | undefined;
  /** How long a policy change takes to affect send-as checks, in milliseconds. */
  readonly propagationDelayMs: number;
  /** Fixed delay added before every Google API answer, in milliseconds. */
  readonly latencyMs: number;
  /** Random extra delay, uniformly 0..jitterMs, in milliseconds. */
  readonly jitterMs: number;
  /** Injected failures. */
  readonly faults: FaultSpec;
  /** Quota units per minute per project (service account's project); undefined = unlimited. */
  readonly quotaProjectPerMinute: number | undefined;
  /** Quota units per minute per impersonated user; undefined = unlimited. */
  readonly quotaUserPerMinute: number | undefined;
  /** Lifetime of issued access tokens, in seconds. */
  readonly tokenLifetimeSeconds: number;
  /** Time allowed for each SMTP validation step (connect, greeting/TLS, AUTH), in milliseconds. */
  readonly smtpTimeoutMs: number;
  /** Seed of the random generator for faults and jitter; setting it restarts the sequence. */
  readonly randomSeed: number;
}

/** Options of `startEmulator`. */
export interface EmulatorOptions {
  /**
   * Interface to listen on (loopback only unless told otherwise).
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * TCP port; 0 picks a free port.
   * @default 0
   */
  readonly port?: number;
  /**
   * SQLite file holding the tenant; the tenant survives a restart.
   * @default ':memory:'
   */
  readonly dataFile?: string;
  /**
   * Tenant to start with. Given explicitly, it replaces whatever the data file holds.
   * @default - 'demo' when the data file is new or empty; a non-empty data file is kept as is
   */
  readonly seed?: SeedTenant | 'demo' | 'empty';
  /**
   * Whether writes to `settings/gmail.per_user_outbound_gateway` are accepted or refused.
   * @default 'accepted'
   */
  readonly policyWrites?: 'accepted' | 'refused';
  /**
   * Accept an external send-as without `smtpMsa` (then "sent on behalf of").
   * @default false - refused with "Custom from requires smtpMsa configuration"
   */
  readonly acceptExternalWithoutSmtp?: boolean;
  /**
   * Accept `smtpMsa.securityMode: none` on any port (for SMTP stand-ins on free ports).
   * @default false - refused on ports other than 25, as Google does ("Requires port 25.")
   */
  readonly allowInsecureSmtpAnyPort?: boolean;
  /**
   * PEM bundle trusted for SMTP TLS, in addition to Node's default roots.
   * @default - Node's default roots only
   */
  readonly smtpCa?: string;
  /**
   * Delay before a policy change affects send-as checks, in milliseconds.
   * @default 0
   */
  readonly propagationDelayMs?: number;
  /**
   * Fixed latency before every Google API answer, in milliseconds.
   * @default 0
   */
  readonly latencyMs?: number;
  /**
   * Random extra latency, 0..jitterMs, in milliseconds.
   * @default 0
   */
  readonly jitterMs?: number;
  /**
   * Injected failures, e.g. `{ '503': 0.1, '429': 0.05, '500': 0.01, reset: 0.02 }`.
   * @default - none
   */
  readonly faults?: FaultSpec;
  /**
   * Quota units per minute per project.
   * @default - unlimited
   */
  readonly quotaProjectPerMinute?: number;
  /**
   * Quota units per minute per user.
   * @default - unlimited
   */
  readonly quotaUserPerMinute?: number;
  /**
   * Seed for faults and jitter, making them repeatable.
   * @default - a random seed
   */
  readonly randomSeed?: number;
  /**
   * Lifetime of issued access tokens, in seconds.
   * @default 3600
   */
  readonly tokenLifetimeSeconds?: number;
  /**
   * Time allowed for each SMTP validation step, in milliseconds.
   * @default 5000
   */
  readonly smtpTimeoutMs?: number;
}

/** A service-account key file as Google issues it (JSON). */
export interface ServiceAccountKey {
  readonly type: 'service_account';
  readonly project_id: string;
  readonly private_key_id: string;
  readonly private_key: string;
  readonly client_email: string;
  readonly client_id: string;
  readonly auth_uri: string;
  readonly token_uri: string;
  readonly auth_provider_x509_cert_url: string;
  readonly client_x509_cert_url: string;
  readonly universe_domain: string;
}

/** A verification message "sent" to a pending send-as address. */
export interface VerificationMessage {
  readonly userEmail: string;
  readonly sendAsEmail: string;
  /** Recipient: the send-as address. */
  readonly to: string;
  readonly subject: string;
  /** ISO time the message was sent. */
  readonly sentAt: string;
}

/** Test controls; the same operations are served over HTTP under `/emulator/v1/…`. */
export interface EmulatorControl {
  /** Empties the tenant: no domains, users, OUs (except the root), policies, send-as or outbox (service accounts and tokens stay). */
  reset(): void;
  /** Replaces the tenant with `seed` (validated with zod), or with the demo / an empty tenant. */
  seed(seed: SeedTenant | 'demo' | 'empty'): void;
  /** Changes knobs at run time. */
  setKnobs(knobs: Partial<Knobs>): void;
  /** The current knobs. */
  knobs(): Knobs;
  /** Verification messages sent for pending addresses, oldest first. */
  outbox(): VerificationMessage[];
  /** Marks a pending send-as address as verified (`accepted`). */
  acceptVerification(userEmail: string, sendAsEmail: string): void;
  /** Calls received per method id (faulted and refused calls included). */
  callCounts(): Record<string, number>;
  /** The whole tenant as a seed. */
  snapshot(): SeedTenant;
  /** Makes every issued access token expire now. */
  expireTokens(): void;
  /** Arms a one-shot fault (a test control, not Google behaviour); reset and seed disarm all of them. */
  armFault(fault: OneShotFault): void;
  /** The armed one-shot faults, in arming order. */
  armedFaults(): ArmedFault[];
  /** Disarms every one-shot fault. */
  clearFaults(): void;
}

/** A running emulator. */
export interface RunningEmulator {
  /** `http://127.0.0.1:PORT` (no trailing slash): the rootUrl for all three APIs. */
  readonly url: string;
  /** `${url}/token`. */
  readonly tokenUrl: string;
  /** The tenant's customer id, e.g. `C01demo00`. */
  readonly customerId: string;
  /**
   * A Google-shaped service-account key registered with a delegation grant of `scopes`.
   * Default scopes: every scope the project uses (`PROJECT_SCOPES`).
   */
  createServiceAccountKey(options?: { scopes?: readonly string[] }): ServiceAccountKey;
  /** Like `createServiceAccountKey`, and writes the key as JSON to `file` (mode 0600). */
  writeCredentials(file: string, options?: { scopes?: readonly string[] }): ServiceAccountKey;
  readonly control: EmulatorControl;
  close(): Promise<void>;
}
