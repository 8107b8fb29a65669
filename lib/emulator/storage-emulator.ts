import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { handleStorageRequest } from './private/storage/storage-api';
import { StorageState } from './private/storage/storage-state';

/**
 * A local Cloud Storage for the `gs://` state backend and its tests: the JSON API subset that backend uses, on its
 * own port, in memory. Point `@google-cloud/storage` at it with `apiEndpoint: url` or `STORAGE_EMULATOR_HOST=url`;
 * no credentials are needed or checked. Behaviour and sources: `BEHAVIOUR.md`, section "Cloud Storage emulator".
 */

/** Options of {@link startStorageEmulator}. */
export interface StorageEmulatorOptions {
  /**
   * Address to listen on (loopback only by default).
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * Port; 0 picks a free one.
   * @default 0
   */
  readonly port?: number;
  /**
   * Buckets that exist from the start.
   * @default []
   */
  readonly buckets?: readonly string[];
}

/** A running storage emulator. */
export interface RunningStorageEmulator {
  /** `http://host:port`, no trailing slash: the client's `apiEndpoint` or `STORAGE_EMULATOR_HOST`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Creates a bucket (as buckets.insert would); an existing one is kept. */
  createBucket(name: string): void;
  /** Names of the buckets, sorted. */
  bucketNames(): string[];
  /** Stops listening and drops every connection; the stored objects are gone. */
  close(): Promise<void>;
}

/** Starts the storage emulator. */
export async function startStorageEmulator(options: StorageEmulatorOptions = {}): Promise<RunningStorageEmulator> {
  const host = options.host ?? '127.0.0.1';
  const state = new StorageState();
  for (const name of options.buckets ?? []) if (!state.bucket(name)) state.createBucket(name, '0');
  let base = '';
  const server = createServer((req, res) => void handleStorageRequest(state, req, res, base));
  const address = await listen(server, host, options.port ?? 0);
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  base = `http://${shownHost}:${address.port}`;
  let closed: Promise<void> | undefined;
  return {
    url: base,
    host: address.address,
    port: address.port,
    createBucket: (name) => {
      if (!state.bucket(name)) state.createBucket(name, '0');
    },
    bucketNames: () => state.bucketNames(),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
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
