import { AdminApiError } from '../admin/admin-error';
import type { SendAsRecord, UserRecord, WorkspaceAdmin } from '../admin/workspace-admin';
import type { Manifest } from '../model/manifest';
import { normaliseEmail } from '../model/email';
import { MailPolicyError } from '../model/errors';
import { orgUnitKey } from '../model/org-unit-path';
import { mapLimited, Semaphore } from '../util/concurrency';
import type { Observed, ObservedState } from './observed-state';

/** Options of `observe`. */
export interface ObserveOptions {
  /**
   * Most API calls in flight at once.
   * @default 10
   */
  readonly concurrency?: number;
  /**
   * Whether the target accepts gateway-policy writes through the API, or a person must make them in the console.
   * @default 'api'
   */
  readonly policyWrites?: 'api' | 'manual';
}

/** The scope key of an exclusive OU scope in `ObservedState.scopeMembers`. */
export function scopeMembersKey(orgUnitPath: string): string {
  return `orgUnit:${orgUnitKey(orgUnitPath)}`;
}

function describeError(error: unknown): { error: string; permission?: boolean } {
  if (AdminApiError.isAdminApiError(error)) {
    const permission = error.kind === 'permission' || error.kind === 'credentials';
    return permission ? { error: `permission denied: ${error.format()}`, permission: true } : { error: error.format() };
  }
  if (MailPolicyError.isMailPolicyError(error)) return { error: error.format() };
  if (error instanceof Error) return { error: error.message };
  return { error: String(error) };
}

async function read<T>(fn: () => Promise<T>): Promise<Observed<T>> {
  try {
    return { status: 'ok', value: await fn() };
  } catch (error) {
    return { status: 'indeterminate', ...describeError(error) };
  }
}

/** Users the manifest references by address: placed users, identity owners and user scopes (lower-cased, sorted). */
export function referencedUsers(manifest: Manifest): string[] {
  const users = new Set<string>();
  for (const user of manifest.users) users.add(normaliseEmail(user.email));
  for (const identity of manifest.sendAs) users.add(normaliseEmail(identity.userEmail));
  for (const scope of manifest.ownership) if (scope.kind === 'user') users.add(normaliseEmail(scope.email));
  return [...users].sort();
}

/**
 * Reads the live tenant in the manifest's scope: the OU list and the gateway policies once each, every
 * referenced user, the members of each exclusive OU scope, and the send-as list of all of those users. Calls
 * run concurrently, never more than `concurrency` at once. A failed read marks its object indeterminate; this
 * function does not throw for read errors.
 */
export async function observe(
  admin: WorkspaceAdmin,
  manifest: Manifest,
  options: ObserveOptions = {},
): Promise<ObservedState> {
  const limit = Math.max(1, Math.floor(options.concurrency ?? 10));
  const calls = new Semaphore(limit);
  const call = <T>(fn: () => Promise<T>): Promise<Observed<T>> => calls.run(() => read(fn));

  const sendAsReads = new Map<string, Promise<Observed<SendAsRecord[]>>>();
  const readSendAs = (userKey: string): Promise<Observed<SendAsRecord[]>> => {
    let pending = sendAsReads.get(userKey);
    if (!pending) {
      pending = call(() => admin.listSendAs(userKey));
      sendAsReads.set(userKey, pending);
    }
    return pending;
  };

  const users = referencedUsers(manifest);
  const scopes = [...new Set(manifest.ownership.flatMap((s) => (s.kind === 'orgUnit' ? [s.orgUnitPath] : [])))].sort();

  let orgUnits: ObservedState['orgUnits'] = { status: 'indeterminate', error: 'not read' };
  let gatewayPolicies: ObservedState['gatewayPolicies'] = { status: 'indeterminate', error: 'not read' };
  const userResults: Record<string, Observed<UserRecord | null>> = {};
  const scopeMembers: Record<string, Observed<UserRecord[]>> = {};

  type Task = () => Promise<void>;
  const tasks: Task[] = [
    async () => {
      orgUnits = await call(() => admin.listOrgUnits());
    },
    async () => {
      gatewayPolicies = await call(() => admin.listGatewayPolicies());
    },
    ...scopes.map((path): Task => async () => {
      const members = await call(() => admin.listUsers(path));
      scopeMembers[scopeMembersKey(path)] = members;
      if (members.status !== 'ok') return;
      const keys = [...new Set(members.value.map((m) => normaliseEmail(m.primaryEmail)))].sort();
      // Each read goes through the shared semaphore; the map only bounds the pending promises.
      await mapLimited(keys, limit, (key) => readSendAs(key));
    }),
    ...users.map((key): Task => async () => {
      const user = await call(async () => (await admin.getUser(key)) ?? null);
      userResults[key] = user;
    }),
    ...users.map((key): Task => async () => {
      await readSendAs(key);
    }),
  ];
  await mapLimited(tasks, limit, (task) => task());

  const sendAs: Record<string, Observed<SendAsRecord[]>> = {};
  for (const key of [...sendAsReads.keys()].sort())
    sendAs[key] = await (sendAsReads.get(key) as Promise<Observed<SendAsRecord[]>>);

  return {
    orgUnits,
    gatewayPolicies,
    users: sortKeys(userResults),
    sendAs,
    scopeMembers: sortKeys(scopeMembers),
    policyWrites: options.policyWrites ?? 'api',
  };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key];
  return out;
}
