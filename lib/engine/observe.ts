import { AdminApiError } from '../admin/admin-error';
import type { SendAsRecord, UserRecord, WorkspaceAdmin } from '../admin/workspace-admin';
import type { Manifest } from '../model/manifest';
import { normaliseEmail } from '../model/email';
import { MailPolicyError } from '../model/errors';
import { orgUnitKey } from '../model/org-unit-path';
import { mapLimited, Semaphore } from '../util/concurrency';
import type { ManagedObject, StackState } from '../state/stack-state';
import { declaredObjects } from './managed-objects';
import type { Observed, ObservedGroup, ObservedState } from './observed-state';

/** Options of `observe`. */
export interface ObserveOptions {
  /**
   * Most reads in flight at once. The client underneath applies its own concurrency bound and rate limits
   * (Google's quotas), so this only needs to be high enough to keep the client busy.
   * @default 50 (the client's default concurrency)
   */
  readonly concurrency?: number;
  /**
   * Whether the target accepts gateway-policy writes through the API, or a person must make them in the console.
   * @default 'api'
   */
  readonly policyWrites?: 'api' | 'manual';
  /**
   * How referenced users are read: `get` = one `users.get` each; `list` = one paged `users.list` of the whole
   * customer (500 users a page), then a `users.get` only for referenced addresses the listing does not hold
   * (aliases, users created meanwhile). `auto` lists when the manifest references at least
   * `LIST_USERS_THRESHOLD` users: far fewer calls (10,000 users: 20 pages instead of 10,000 gets) and far less of
   * the Directory quota (2,400 queries per minute).
   * @default 'auto'
   */
  readonly userReads?: 'auto' | 'get' | 'list';
  /**
   * How send-as lists are read: `single` = one `sendAs.list` request per user; `batch` = through the client's
   * `listSendAsMany` (Gmail's batch endpoint: up to 50 users' calls in one HTTP request, each still a token
   * exchange and a quota charge), when the client has it. `auto` batches from `BATCH_SEND_AS_THRESHOLD` users on.
   * Batched reads are bounded by the client's concurrency, not by `concurrency`.
   * @default 'auto'
   */
  readonly sendAsReads?: 'auto' | 'single' | 'batch';
  /**
   * The stack's state: what it manages that the code no longer declares is read too (the send-as lists of the
   * users owning removed identities, the members of removed OUs), so the plan can remove it safely.
   * @default - no state: nothing beyond the manifest is read
   */
  readonly state?: StackState;
}

/** From this many referenced users on, `observe` lists the customer's users instead of getting each one. */
export const LIST_USERS_THRESHOLD = 1_000;

/** From this many users read at once, `observe` reads their send-as lists in Gmail batches. */
export const BATCH_SEND_AS_THRESHOLD = 10;

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

/**
 * Users the manifest references by address: placed users, identity owners and user scopes, plus the owners of
 * identities the state holds but the code no longer declares (lower-cased, sorted).
 */
export function referencedUsers(manifest: Manifest, state?: StackState): string[] {
  const users = new Set<string>();
  for (const user of manifest.users) users.add(normaliseEmail(user.email));
  for (const identity of manifest.sendAs) users.add(normaliseEmail(identity.userEmail));
  for (const scope of manifest.ownership) if (scope.kind === 'user') users.add(normaliseEmail(scope.email));
  for (const object of removedObjects(manifest, state))
    if (object.kind === 'sendAs' || object.kind === 'alias') users.add(normaliseEmail(object.userEmail));
  return [...users].sort();
}

/** The state's objects the code no longer declares. */
function removedObjects(manifest: Manifest, state: StackState | undefined): ManagedObject[] {
  if (!state) return [];
  const declared = declaredObjects(manifest);
  return Object.entries(state.objects)
    .filter(([id]) => !declared.has(id))
    .map(([, object]) => object);
}

/**
 * Reads the live tenant in the manifest's scope: the OU list and the gateway policies once each, every
 * referenced user (one get each, or one paged list of the customer for large manifests: `userReads`), the members of each exclusive OU scope, and the send-as list of all of those users. Calls
 * run concurrently, never more than `concurrency` at once. A failed read marks its object indeterminate; this
 * function does not throw for read errors.
 */
export async function observe(
  admin: WorkspaceAdmin,
  manifest: Manifest,
  options: ObserveOptions = {},
): Promise<ObservedState> {
  const limit = Math.max(1, Math.floor(options.concurrency ?? 50));
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
  const sendAsMode = options.sendAsReads ?? 'auto';
  const listMany = sendAsMode === 'single' ? undefined : admin.listSendAsMany?.bind(admin);
  /** The send-as lists of `keys`, batched when there are enough of them (each key read once). */
  const readSendAsMany = async (keys: readonly string[]): Promise<void> => {
    const fresh = [...new Set(keys)].filter((key) => !sendAsReads.has(key));
    const threshold = sendAsMode === 'batch' ? 1 : BATCH_SEND_AS_THRESHOLD;
    if (!listMany || fresh.length < threshold) {
      await mapLimited(keys, limit, (key) => readSendAs(key));
      return;
    }
    const settle = new Map<string, (result: Observed<SendAsRecord[]>) => void>();
    for (const key of fresh) sendAsReads.set(key, new Promise((resolve) => settle.set(key, resolve)));
    let results: PromiseSettledResult<SendAsRecord[]>[];
    try {
      results = await listMany(fresh);
    } catch (error) {
      results = fresh.map(() => ({ status: 'rejected', reason: error }));
    }
    fresh.forEach((key, i) => {
      const result = results[i];
      settle.get(key)!(
        result?.status === 'fulfilled'
          ? { status: 'ok', value: result.value }
          : { status: 'indeterminate', ...describeError(result ? result.reason : 'not read') },
      );
    });
    await Promise.all(keys.map((key) => sendAsReads.get(key)));
  };

  const users = referencedUsers(manifest, options.state);
  const scopes = [...new Set(manifest.ownership.flatMap((s) => (s.kind === 'orgUnit' ? [s.orgUnitPath] : [])))].sort();
  // Removed OUs the stack would delete: their users decide whether Google accepts the delete.
  const removedOrgUnits = [
    ...new Set(
      removedObjects(manifest, options.state).flatMap((o) =>
        o.kind === 'orgUnit' && o.removalPolicy === 'destroy' ? [o.path] : [],
      ),
    ),
  ]
    .filter((path) => !scopes.some((s) => orgUnitKey(s) === orgUnitKey(path)))
    .sort();

  let orgUnits: ObservedState['orgUnits'] = { status: 'indeterminate', error: 'not read' };
  let gatewayPolicies: ObservedState['gatewayPolicies'] = { status: 'indeterminate', error: 'not read' };
  let groupPolicies: NonNullable<ObservedState['groupPolicies']> = { status: 'indeterminate', error: 'not read' };
  const groups: Record<string, Observed<ObservedGroup>> = {};
  const userResults: Record<string, Observed<UserRecord | null>> = {};
  const scopeMembers: Record<string, Observed<UserRecord[]>> = {};

  type Task = () => Promise<void>;
  const getUser = async (key: string): Promise<void> => {
    userResults[key] = await call(async () => (await admin.getUser(key)) ?? null);
  };
  const mode = options.userReads ?? 'auto';
  const listAll = mode === 'list' || (mode === 'auto' && users.length >= LIST_USERS_THRESHOLD);
  function userTasks(): Task[] {
    if (!listAll || users.length === 0)
      return users.map(
        (key): Task =>
          () =>
            getUser(key),
      );
    return [
      async () => {
        const listed = await call(() => admin.listUsers('/'));
        const byEmail = new Map<string, UserRecord>();
        if (listed.status === 'ok') for (const u of listed.value) byEmail.set(normaliseEmail(u.primaryEmail), u);
        // Not in the listing (an alias, a user created meanwhile, or the listing failed): read it on its own.
        const missing: string[] = [];
        for (const key of users) {
          const found = byEmail.get(key);
          if (found) userResults[key] = { status: 'ok', value: found };
          else missing.push(key);
        }
        await mapLimited(missing, limit, getUser);
      },
    ];
  }
  const tasks: Task[] = [
    async () => {
      orgUnits = await call(() => admin.listOrgUnits());
    },
    async () => {
      gatewayPolicies = await call(() => admin.listGatewayPolicies());
    },
    async () => {
      // Group-scoped policies outrank OU policies; the groups they name are read only when there are any.
      groupPolicies = await call(() => admin.listGroupGatewayPolicies());
      if (groupPolicies.status !== 'ok') return;
      const ids = [...new Set(groupPolicies.value.map((p) => p.groupId))].sort();
      await mapLimited(ids, limit, async (id) => {
        groups[id] = await call(async () => {
          const group = await admin.getGroup(id);
          if (!group) return { email: `groups/${id}`, members: [] };
          return { email: group.email, members: await admin.listGroupMembers(id) };
        });
      });
    },
    ...scopes.map((path): Task => async () => {
      const members = await call(() => admin.listUsers(path));
      scopeMembers[scopeMembersKey(path)] = members;
      if (members.status !== 'ok') return;
      const keys = [...new Set(members.value.map((m) => normaliseEmail(m.primaryEmail)))].sort();
      // Each read goes through the shared semaphore (or the client's batches); the map only bounds the promises.
      await readSendAsMany(keys);
    }),
    ...removedOrgUnits.map((path): Task => async () => {
      scopeMembers[scopeMembersKey(path)] = await call(() => admin.listUsers(path));
    }),
    ...userTasks(),
    async () => {
      await readSendAsMany(users);
    },
  ];
  await mapLimited(tasks, limit, (task) => task());

  const sendAs: Record<string, Observed<SendAsRecord[]>> = {};
  for (const key of [...sendAsReads.keys()].sort())
    sendAs[key] = await (sendAsReads.get(key) as Promise<Observed<SendAsRecord[]>>);

  return {
    orgUnits,
    gatewayPolicies,
    groupPolicies,
    groups: sortKeys(groups),
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
