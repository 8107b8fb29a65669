import { createWorkspaceAdmin } from '../../../lib/admin';
import type { WorkspaceAdmin } from '../../../lib/admin/workspace-admin';
import type { RunningEmulator } from '../../../lib/emulator';

/**
 * The project's real client (Google's official Node libraries) pointed at an emulator, with a virtual clock so
 * retries never wait in real time. `scopes` limits the delegation grant of the key it uses (default: every scope
 * the project uses).
 */
export function emulatorClient(
  emulator: RunningEmulator,
  options: { scopes?: readonly string[]; access?: 'read' | 'write' } = {},
): WorkspaceAdmin {
  let t = 0;
  return createWorkspaceAdmin({
    credentials: emulator.createServiceAccountKey(options.scopes ? { scopes: options.scopes } : {}),
    adminEmail: 'admin@example.com',
    customerId: emulator.customerId,
    access: options.access ?? 'read',
    endpoint: { rootUrl: `${emulator.url}/`, tokenUrl: emulator.tokenUrl },
    target: { kind: 'emulator', description: `Workspace emulator at ${emulator.url} (not Google)` },
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
  });
}

/** A client that records each call it passes on (`method:first argument`) and how many were in flight at most. */
export interface RecordingClient extends WorkspaceAdmin {
  readonly calls: string[];
  maxInFlight(): number;
}

/** Wraps a real client to observe what the code under test asks of it; every call still reaches the emulator. */
export function recording(admin: WorkspaceAdmin): RecordingClient {
  const calls: string[] = [];
  let inFlight = 0;
  let max = 0;
  return new Proxy(admin, {
    get(target, property, receiver) {
      if (property === 'calls') return calls;
      if (property === 'maxInFlight') return () => max;
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'stats') return value;
      return async (...args: unknown[]) => {
        calls.push(args.length > 0 ? `${property}:${String(args[0])}` : property);
        inFlight++;
        max = Math.max(max, inFlight);
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          inFlight--;
        }
      };
    },
  }) as RecordingClient;
}
