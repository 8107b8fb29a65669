import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createWorkspaceAdmin } from '../../../../lib/admin';
import type { AccessLevel, WorkspaceAdmin } from '../../../../lib/admin/workspace-admin';
import {
  startEmulator,
  startSmtpStandIn,
  type OneShotFault,
  type RunningEmulator,
  type RunningSmtpStandIn,
  type SeedTenant,
  type ServiceAccountKey,
} from '../../../../lib/emulator';
import type { ApplyOptions } from '../../../../lib/engine/apply';
import type { SendAsSpec } from '../../../../lib/model/manifest';
import { fingerprintKeyFrom } from '../../../../lib/model/secret-ref';
import { FileStateBackend } from '../../../../lib/state/file-state-backend';
import { StateStore } from '../../../../lib/state/state-store';
import { fakeClock, smtp } from './plan-builder';

/**
 * The executor's test bench: the real client (GoogleWorkspaceAdmin) against one emulator per test file, a real
 * SMTP server standing in for the partner's relay (Gmail checks the credentials it is sent), and a stack state
 * on disk. Each test seeds its tenant through the control API; knobs and one-shot faults start clean.
 */

export const CANARY = 'canary-Pa55word-9f1c2b';
export const KEY = fingerprintKeyFrom('a fingerprint key for the tests');
export const RELAY_USER = 'relay-user';
const CUSTOMER = 'C01apply00';

/** One call the executor made through the client, as it was made (passwords replaced). */
export interface LoggedCall {
  readonly method: string;
  readonly args: readonly unknown[];
}

/** Calls per user that the executor must serialise (Gmail settings of one mailbox, the user's placement). */
const PER_USER = new Set(['listSendAs', 'getSendAs', 'createSendAs', 'patchSendAs', 'deleteSendAs', 'moveUser']);

/** Watches the client: every call in order, and the most calls in flight at once, overall and per user. */
export class CallLog {
  public readonly calls: LoggedCall[] = [];
  public maxInFlight = 0;
  public maxInFlightPerUser = 0;
  private inFlight = 0;
  private readonly perUser = new Map<string, number>();

  public methods(): string[] {
    return this.calls.map((c) => c.method);
  }

  /** The client, watched. */
  public watch(admin: WorkspaceAdmin): WorkspaceAdmin {
    return new Proxy(admin, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || property === 'stats') return value;
        return async (...args: unknown[]): Promise<unknown> => {
          const method = String(property);
          this.calls.push({ method, args: args.map(redact) });
          const user = PER_USER.has(method) ? String(args[0]).toLowerCase() : undefined;
          this.inFlight++;
          this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
          if (user) {
            const n = (this.perUser.get(user) ?? 0) + 1;
            this.perUser.set(user, n);
            this.maxInFlightPerUser = Math.max(this.maxInFlightPerUser, n);
          }
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            this.inFlight--;
            if (user) this.perUser.set(user, (this.perUser.get(user) ?? 1) - 1);
          }
        };
      },
    });
  }
}

function redact(arg: unknown): unknown {
  if (typeof arg !== 'object' || arg === null || !('smtpMsa' in arg)) return arg;
  const input = arg as { smtpMsa?: Record<string, unknown> };
  return input.smtpMsa ? { ...input, smtpMsa: { ...input.smtpMsa, password: '(redacted)' } } : arg;
}

/** A tenant: the super admin `admin@example.com` plus what the test adds. Plain strings are users at `/`. */
export interface TenantSeed {
  readonly users?: ReadonlyArray<string | NonNullable<SeedTenant['users']>[number]>;
  readonly orgUnits?: SeedTenant['orgUnits'];
  readonly policies?: SeedTenant['policies'];
  readonly sendAs?: SeedTenant['sendAs'];
  readonly groups?: SeedTenant['groups'];
}

export interface ApplyBench {
  readonly emulator: RunningEmulator;
  readonly relay: RunningSmtpStandIn;
  /** Username → password the relay accepts (change it to rotate). */
  readonly relayAccounts: Record<string, string>;
  /** The test's folder (the state lives in `state/`). */
  readonly dir: string;
  /** The stack's state, loaded fresh for each test. */
  readonly state: StateStore;
  /** Replaces the tenant. */
  seed(tenant?: TenantSeed): void;
  /** A client of the emulator, watched by a fresh call log; retry and rate-limit waits run on a virtual clock. */
  client(access?: AccessLevel): { admin: WorkspaceAdmin; log: CallLog };
  /** Apply options on a fake clock, the relay password in the environment. */
  options(admin: WorkspaceAdmin, extra?: Partial<ApplyOptions>): ApplyOptions;
  /** An SMTP endpoint on the relay whose password comes from `env:<variable>`. */
  smtp(variable?: string): NonNullable<SendAsSpec['smtp']>;
  /** Arms a one-shot fault through the control API. */
  arm(fault: OneShotFault): Promise<void>;
  /** The tenant as the emulator holds it. */
  snapshot(): ReturnType<RunningEmulator['control']['snapshot']>;
  /** The send-as identities of a user besides the primary, as stored. */
  identities(userEmail: string): NonNullable<SeedTenant['sendAs']>;
  /** Calls received per method id since the emulator started. */
  callCounts(): Record<string, number>;
  /** The stack's state as stored on disk. */
  stored(): Promise<StateStore>;
}

/** Registers the hooks of a test file and returns its bench (fields valid inside tests). */
export function useApplyBench(): ApplyBench {
  let emulator: RunningEmulator;
  let relay: RunningSmtpStandIn;
  let key: ServiceAccountKey;
  let dir = '';
  let state: StateStore;
  const relayAccounts: Record<string, string> = {};

  beforeAll(async () => {
    relay = await startSmtpStandIn({ mode: 'starttls', accounts: relayAccounts });
    emulator = await startEmulator({ seed: 'empty', smtpCa: relay.cert, randomSeed: 7 });
    key = emulator.createServiceAccountKey();
  });
  afterAll(async () => {
    await emulator.close();
    await relay.close();
  });
  beforeEach(async () => {
    for (const name of Object.keys(relayAccounts)) delete relayAccounts[name];
    relayAccounts[RELAY_USER] = CANARY;
    emulator.control.setKnobs({
      faults: {},
      latencyMs: 0,
      jitterMs: 0,
      policyWrites: 'accepted',
      propagationDelayMs: 0,
      acceptExternalWithoutSmtp: true,
    });
    bench.seed();
    dir = mkdtempSync(join(tmpdir(), 'apply-'));
    state = await StateStore.load(new FileStateBackend({ folder: join(dir, 'state') }), 'test');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const bench: ApplyBench = {
    get emulator() {
      return emulator;
    },
    get relay() {
      return relay;
    },
    relayAccounts,
    get dir() {
      return dir;
    },
    get state() {
      return state;
    },
    seed: (tenant = {}) =>
      emulator.control.seed({
        customerId: CUSTOMER,
        domains: ['example.com'],
        users: [
          { primaryEmail: 'admin@example.com', isAdmin: true },
          ...(tenant.users ?? []).map((u) => (typeof u === 'string' ? { primaryEmail: u } : u)),
        ],
        orgUnits: tenant.orgUnits ?? [],
        policies: tenant.policies ?? [],
        sendAs: tenant.sendAs ?? [],
        groups: tenant.groups ?? [],
      }),
    client: (access = 'write') => {
      let t = 0;
      const admin = createWorkspaceAdmin({
        credentials: key,
        adminEmail: 'admin@example.com',
        customerId: CUSTOMER,
        access,
        endpoint: { rootUrl: emulator.url, tokenUrl: emulator.tokenUrl },
        now: () => t,
        sleep: async (ms) => {
          t += ms;
        },
        random: () => 0.5,
      });
      const log = new CallLog();
      return { admin: log.watch(admin), log };
    },
    options: (admin, extra = {}) => {
      const clock = fakeClock();
      return {
        admin,
        state,
        fingerprintKey: KEY,
        env: { RELAY_PASSWORD: CANARY },
        cwd: dir,
        now: clock.now,
        sleep: clock.sleep,
        ...extra,
      };
    },
    smtp: (variable = 'RELAY_PASSWORD') => ({ ...smtp(variable, relay), username: RELAY_USER }),
    arm: async (fault) => {
      const res = await fetch(`${emulator.url}/emulator/v1/oneShotFaults`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(fault),
      });
      if (res.status !== 200) throw new Error(`arming ${JSON.stringify(fault)} failed: ${await res.text()}`);
    },
    snapshot: () => emulator.control.snapshot(),
    identities: (userEmail) =>
      (emulator.control.snapshot().sendAs ?? []).filter((s) => s.userEmail.toLowerCase() === userEmail.toLowerCase()),
    callCounts: () => emulator.control.callCounts(),
    stored: () => StateStore.load(new FileStateBackend({ folder: join(dir, 'state') }), 'test'),
  };
  return bench;
}

/** How many calls of `method` the emulator received while `run` ran. */
export async function callsDuring(bench: ApplyBench, method: string, run: () => Promise<unknown>): Promise<number> {
  const before = bench.callCounts()[method] ?? 0;
  await run();
  return (bench.callCounts()[method] ?? 0) - before;
}
