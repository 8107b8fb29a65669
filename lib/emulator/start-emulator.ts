/**
 * `startEmulator`: a local Google Workspace (OAuth token endpoint, Directory orgunits/users/aliases/groups,
 * Cloud Identity policies, Gmail sendAs and batch) on loopback, backed by SQLite, that the official Node
 * clients talk to unchanged.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  EmulatorControl,
  EmulatorOptions,
  Knobs,
  RunningEmulator,
  ServiceAccountKey,
  VerificationMessage,
} from './emulator-types';
import { createServiceAccount } from './private/auth';
import { createListener } from './private/http-server';
import { initialKnobs, parseKnobsPatch } from './private/knobs';
import { PROJECT_SCOPES } from './private/methods';
import { Store } from './private/store';
import { loadTenant, snapshotTenant } from './private/tenant-seed';
import { OneShotFaults } from './private/one-shot-faults';
import { Quotas, Random } from './private/traffic';
import { DEMO_TENANT, parseSeedTenant, type SeedTenant } from './seed';

function emptyTenant(customerId: string): SeedTenant {
  return { customerId, domains: [], orgUnits: [], users: [], groups: [], policies: [], sendAs: [] };
}

/** The Host header values that address this emulator on loopback (and on its bound address, if specific). */
function hostsFor(address: AddressInfo): string[] {
  const port = address.port;
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  const bound = address.family === 'IPv6' ? `[${address.address}]:${port}` : `${address.address}:${port}`;
  const unspecified = address.address === '0.0.0.0' || address.address === '::';
  if (!unspecified && !hosts.includes(bound.toLowerCase())) hosts.push(bound.toLowerCase());
  return hosts;
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const store = new Store(options.dataFile ?? ':memory:');
  let knobs: Knobs = initialKnobs(options);
  const random = { faults: new Random(knobs.randomSeed), jitter: new Random(knobs.randomSeed ^ 0x5bd1e995) };
  const quotas = new Quotas();
  const counts = new Map<string, number>();
  const oneShots = new OneShotFaults();

  const seedWith = (seed: SeedTenant | 'demo' | 'empty'): void => {
    const tenant = seed === 'demo' ? DEMO_TENANT : seed === 'empty' ? emptyTenant(store.customerId()) : seed;
    loadTenant(store, parseSeedTenant(tenant));
    quotas.reset();
    oneShots.clear();
  };
  if (options.seed !== undefined) seedWith(options.seed);
  else if (!store.hasTenant()) seedWith('demo');

  const control: EmulatorControl = {
    reset: () => seedWith('empty'),
    seed: (seed) => seedWith(seed),
    setKnobs: (patch) => {
      const valid = parseKnobsPatch(patch);
      knobs = { ...knobs, ...valid };
      if (valid.randomSeed !== undefined) {
        random.faults = new Random(valid.randomSeed);
        random.jitter = new Random(valid.randomSeed ^ 0x5bd1e995);
      }
      if ('quotaProjectPerMinute' in valid || 'quotaUserPerMinute' in valid) quotas.reset();
    },
    knobs: () => knobs,
    outbox: () => store.outbox<VerificationMessage>(),
    acceptVerification: (userEmail, sendAsEmail) => {
      const found = store.sendAsGet(userEmail, sendAsEmail);
      if (!found) throw new Error(`No send-as address ${sendAsEmail} for user ${userEmail}.`);
      if (found.verificationStatus !== 'pending') {
        throw new Error(
          `Send-as address ${sendAsEmail} of ${userEmail} is ${found.verificationStatus ?? 'the primary address'}, not pending.`,
        );
      }
      store.transaction(() => store.sendAsUpdate(userEmail, { ...found, verificationStatus: 'accepted' }));
    },
    callCounts: () => Object.fromEntries([...counts.entries()].sort(([a], [b]) => a.localeCompare(b))),
    snapshot: () => snapshotTenant(store),
    expireTokens: () => store.expireTokens(),
    armFault: (fault) => oneShots.arm(fault),
    armedFaults: () => oneShots.list(),
    clearFaults: () => oneShots.clear(),
  };

  let url = '';
  let allowedHosts: string[] = [];
  const createKey = (scopes?: readonly string[]): ServiceAccountKey =>
    createServiceAccount(store, `${url}/token`, scopes ?? PROJECT_SCOPES);
  const server = createServer(
    createListener({
      store,
      knobs: () => knobs,
      random,
      quotas,
      counts,
      oneShots,
      control,
      createKey,
      tokenUrl: () => `${url}/token`,
      allowedHosts: () => allowedHosts,
    }),
  );
  server.keepAliveTimeout = 5000;
  const host = options.host ?? '127.0.0.1';
  let address: AddressInfo;
  try {
    address = await listen(server, host, options.port ?? 0);
  } catch (err) {
    store.close();
    throw err;
  }
  // Bound to every interface: clients on this machine still come in over loopback.
  const reachable = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  const hostPart = address.family === 'IPv6' ? `[${reachable}]` : reachable;
  url = `http://${hostPart}:${address.port}`;
  allowedHosts = hostsFor(address);

  let closed: Promise<void> | undefined;
  return {
    url,
    tokenUrl: `${url}/token`,
    get customerId() {
      return store.customerId();
    },
    createServiceAccountKey: (o) => createKey(o?.scopes),
    writeCredentials: (file, o) => {
      const key = createKey(o?.scopes);
      writeFileSync(file, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
      return key;
    },
    control,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => {
          store.close();
          resolve();
        });
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
