import { createWorkspaceAdmin } from '../../../../lib/admin';
import type { WorkspaceAdmin } from '../../../../lib/admin/workspace-admin';
import type { RunningEmulator, SeedTenant } from '../../../../lib/emulator';
import { applyPlan, type ApplyOptions, type ApplyResult } from '../../../../lib/engine/apply';
import { fingerprintCredentials } from '../../../../lib/engine/credentials';
import { diff } from '../../../../lib/engine/diff';
import type { StateStore } from '../../../../lib/state/state-store';
import { observe } from '../../../../lib/engine/observe';
import type { Plan } from '../../../../lib/engine/plan';
import { emptyManifest, type Manifest } from '../../../../lib/model/manifest';
import type { FingerprintKey } from '../../../../lib/model/secret-ref';

/**
 * A rollout of `count` partner identities: one OU allowing gateways, every user placed in it, one identity each;
 * every `smtpEvery`-th identity sends through the SMTP stand-in (Gmail checks each SMTP server on create, which
 * makes those creates slow), the others without SMTP (emulator knob `acceptExternalWithoutSmtp`).
 */
export function rolloutManifest(count: number, smtp: { host: string; port: number }, smtpEvery = 1): Manifest {
  const manifest = emptyManifest('rollout', ['example.com']);
  manifest.orgUnits.push({
    path: '/Partners',
    name: 'Partners',
    parentPath: '/',
    managed: true,
    description: 'partner gateways',
  });
  manifest.gatewayPolicies.push({ orgUnitPath: '/Partners', allowPerUserOutboundGateways: true });
  for (let i = 0; i < count; i++) {
    manifest.users.push({ email: `u${i}@example.com`, orgUnitPath: '/Partners' });
    manifest.sendAs.push({
      userEmail: `u${i}@example.com`,
      sendAsEmail: `u${i}@partner.test`,
      displayName: `User ${i} (Partner)`,
      treatAsAlias: false,
      ...(i % smtpEvery === 0
        ? {
            smtp: {
              host: smtp.host,
              port: smtp.port,
              securityMode: 'starttls' as const,
              username: 'relay',
              password: { ref: 'env:RELAY_PASSWORD' },
            },
          }
        : {}),
    });
  }
  return manifest;
}

/** The tenant before the rollout: the users at the root, a few with identities the stack does not declare. */
export function rolloutSeed(count: number, customerId: string): SeedTenant {
  const users = [{ primaryEmail: 'admin@example.com', orgUnitPath: '/', isAdmin: true }];
  for (let i = 0; i < count; i++) users.push({ primaryEmail: `u${i}@example.com`, orgUnitPath: '/', isAdmin: false });
  const sendAs = [];
  for (let i = 0; i < count; i += 25)
    sendAs.push({ userEmail: `u${i}@example.com`, sendAsEmail: `own${i}@example.com`, displayName: 'kept' });
  return { customerId, domains: ['example.com'], orgUnits: [], users, policies: [], sendAs };
}

/** A write client on the emulator whose retry and rate-limit waits run on a virtual clock. */
export function emulatorAdmin(emulator: RunningEmulator): WorkspaceAdmin {
  let t = 0;
  return createWorkspaceAdmin({
    credentials: emulator.createServiceAccountKey(),
    adminEmail: 'admin@example.com',
    customerId: emulator.customerId,
    access: 'write',
    endpoint: { rootUrl: emulator.url, tokenUrl: emulator.tokenUrl },
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
    random: () => 0.5,
  });
}

/** Observes, diffs against the state and returns the plan, as `mailpolicy plan` does. */
export async function planRollout(
  admin: WorkspaceAdmin,
  manifest: Manifest,
  state: StateStore,
  key: FingerprintKey,
  env: NodeJS.ProcessEnv,
): Promise<Plan> {
  const observed = await observe(admin, manifest, { concurrency: 20, state: state.state });
  return diff({
    manifest,
    observed,
    state: state.state,
    credentials: fingerprintCredentials(manifest, key, env),
    target: admin.target,
  });
}

/** Applies, aborting (as a kill would) once `stopAfterCalls` calls have been started. */
export async function applyInterrupted(
  plan: Plan,
  options: ApplyOptions,
  stopAfterCalls: number | undefined,
): Promise<ApplyResult> {
  if (stopAfterCalls === undefined) return applyPlan(plan, options);
  const controller = new AbortController();
  let calls = 0;
  const counting = new Proxy(options.admin, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'stats') return value;
      return (...args: unknown[]): unknown => {
        if (++calls >= stopAfterCalls) controller.abort();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return applyPlan(plan, { ...options, admin: counting, signal: controller.signal });
}
