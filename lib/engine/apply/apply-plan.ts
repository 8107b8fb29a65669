import { ErrorCodes, MailPolicyError } from '../../model/errors';
import { unreachable, type Change } from '../change';
import type { ApplyEvent, ApplyOptions, ApplyResult, AwaitingVerification } from './apply-options';
import { ApplyAbortedError, createSlot, guardAdmin, type ChangeOutcome, type RunContext } from './private/context';
import { executeAlias } from './private/execute-alias';
import { executeGatewayPolicy, executeGroupPolicy, gatewayPolicyInEffect } from './private/execute-gateway-policy';
import { executeOrgUnit } from './private/execute-org-unit';
import { executeSendAs } from './private/execute-send-as';
import { executeUserPlacement } from './private/execute-user-placement';
import { KeyedLock } from './private/keyed-lock';
import { recordOutcome } from './private/record-outcome';
import { checkRunInputs } from './private/preflight';

const DEFAULT_CONCURRENCY = 50;
const DEFAULT_PROPAGATION_TIMEOUT_MS = 15 * 60_000;
const DEFAULT_POLL_INTERVAL_MS = 15_000;
const DEFAULT_PROPAGATION_RETRY_MS = 5_000;

type Settled =
  | { readonly status: 'done'; readonly note?: string; readonly awaitingVerification?: AwaitingVerification }
  | { readonly status: 'failed'; readonly error: Error }
  | { readonly status: 'pending'; readonly reason: string }
  | { readonly status: 'skipped'; readonly reason: string }
  | { readonly status: 'manual' };

/**
 * Executes a reviewed plan: changes run in dependency order (`dependsOn`), independent ones concurrently with at
 * most `concurrency` API calls in flight, one user's send-as changes one at a time. A change that fails, stays
 * pending or waits on a manual step skips the changes depending on it; everything else still runs.
 *
 * Every step is idempotent: a create answered "already exists" converges the existing object, a delete answered
 * "not found" is done, so an interrupted run is finished by planning and applying again.
 *
 * Each finished change is recorded in the stack's state at once (the object put in place with the ids and
 * credential fingerprints learnt, or forgotten once taken away), so a killed run loses at most what was in
 * flight. A client without write access is refused (MP2001) before any change, and so is a run missing an SMTP
 * credential one of its writes needs (MP1100, listing every missing one). Use {@link applyExitCode} for the exit code.
 */
export async function applyPlan(
  plan: { readonly changes: readonly Change[] },
  options: ApplyOptions,
): Promise<ApplyResult> {
  if (options.admin.access !== 'write') {
    throw new MailPolicyError(
      ErrorCodes.PERMISSION_DENIED,
      `apply needs a client with write access, got '${options.admin.access}' access to ${options.admin.target.description}; ` +
        'create the client with access "write" (scopes admin.directory.orgunit, admin.directory.user, ' +
        'cloud-identity.policies, gmail.settings.sharing)',
    );
  }
  checkRunInputs(plan.changes, options.env ?? process.env, options.cwd ?? process.cwd());

  const callsBefore = { ...options.admin.stats().calls };
  const emit = (event: ApplyEvent): void => options.onEvent?.(event);
  const ctx: RunContext = {
    admin: guardAdmin(options.admin, options.signal),
    state: options.state,
    fingerprintKey: options.fingerprintKey,
    env: options.env ?? process.env,
    cwd: options.cwd ?? process.cwd(),
    propagationTimeoutMs: options.propagationTimeoutMs ?? DEFAULT_PROPAGATION_TIMEOUT_MS,
    propagationRetryMs: options.propagationRetryMs ?? DEFAULT_PROPAGATION_RETRY_MS,
    waitForManualMs: options.waitForManualMs ?? 0,
    pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    now: options.now ?? Date.now,
    emit,
    slot: createSlot(options.concurrency ?? DEFAULT_CONCURRENCY),
    orgUnits: new Map(),
  };

  const changes = plan.changes;
  const ids = new Set(changes.map((c) => c.id));
  const dependants = new Map<string, Change[]>();
  const waitingOn = new Map<string, number>();
  for (const change of changes) {
    const deps = [...new Set(change.dependsOn)].filter((d) => ids.has(d) && d !== change.id);
    waitingOn.set(change.id, deps.length);
    for (const dep of deps) dependants.set(dep, [...(dependants.get(dep) ?? []), change]);
  }

  const settled = new Map<string, Settled>();
  const userLocks = new KeyedLock();
  let finish: () => void = () => undefined;
  const allSettled = new Promise<void>((resolve) => (finish = resolve));

  const settle = (change: Change, outcome: Settled): void => {
    if (settled.has(change.id)) return;
    settled.set(change.id, outcome);
    emit(eventOf(change, outcome));
    if (outcome.status === 'done') {
      for (const next of dependants.get(change.id) ?? []) {
        const left = (waitingOn.get(next.id) ?? 1) - 1;
        waitingOn.set(next.id, left);
        if (left === 0) start(next);
      }
    } else {
      const reason = `depends on ${change.id}, which ${describe(outcome)}`;
      for (const next of dependants.get(change.id) ?? []) settle(next, { status: 'skipped', reason });
    }
    if (settled.size === changes.length) finish();
  };

  const start = (change: Change): void => {
    if (settled.has(change.id)) return;
    if (options.signal?.aborted) {
      settle(change, { status: 'skipped', reason: 'apply was aborted before it started' });
      return;
    }
    void run(ctx, change, userLocks).then((outcome) => settle(change, outcome));
  };

  emit({ type: 'started', total: changes.length });
  if (changes.length === 0) finish();
  // Changes whose dependencies form a cycle would never become ready: report them instead of hanging.
  const cyclic = blockedByCycles(changes, waitingOn, dependants);
  for (const change of cyclic) settled.set(change.id, { status: 'skipped', reason: 'its dependencies form a cycle' });
  for (const change of cyclic) emit(eventOf(change, settled.get(change.id) as Settled));
  if (cyclic.length > 0 && settled.size === changes.length) finish();
  for (const change of changes) if (waitingOn.get(change.id) === 0) start(change);
  await allSettled;

  const result = collect(changes, settled, callsBefore, options.admin.stats().calls, options.signal?.aborted ?? false);
  emit({ type: 'finished', result });
  return result;
}

async function run(ctx: RunContext, change: Change, userLocks: KeyedLock): Promise<Settled> {
  const userKey = userOf(change);
  const body = async (): Promise<Settled> => {
    ctx.emit({ type: 'change-started', change });
    try {
      const outcome = await execute(ctx, change);
      if (outcome.status === 'pending') return outcome;
      if (outcome.status === 'done') {
        await recorded(change, () => recordOutcome(ctx, change, outcome.learnt));
        return { status: 'done', note: outcome.note, awaitingVerification: outcome.awaitingVerification };
      }
      ctx.emit({ type: 'manual-step', change, steps: outcome.steps });
      const waited = await waitForManual(ctx, change);
      if (waited.status === 'done') await recorded(change, () => recordOutcome(ctx, change));
      return waited;
    } catch (error) {
      if (ApplyAbortedError.isApplyAborted(error)) return { status: 'skipped', reason: 'apply was aborted during it' };
      return { status: 'failed', error: error instanceof Error ? error : new Error(String(error)) };
    }
  };
  return userKey ? userLocks.run(userKey, body) : body();
}

function execute(ctx: RunContext, change: Change): Promise<ChangeOutcome> {
  switch (change.kind) {
    case 'orgUnit':
      return executeOrgUnit(ctx, change);
    case 'gatewayPolicy':
      return executeGatewayPolicy(ctx, change);
    case 'groupPolicy':
      return executeGroupPolicy(ctx, change);
    case 'userPlacement':
      return executeUserPlacement(ctx, change);
    case 'alias':
      return executeAlias(ctx, change);
    case 'sendAs':
      return executeSendAs(ctx, change);
    default:
      return unreachable(change, 'change kind');
  }
}

/** Runs a state update of a change that is done in the tenant; a failed update fails the change, saying so. */
async function recorded(change: Change, update: () => Promise<void>): Promise<void> {
  try {
    await update();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${change.subject}: done in the tenant, but the stack's state could not record it (${why}); the next plan checks it again`,
    );
  }
}

async function waitForManual(ctx: RunContext, change: Change): Promise<Settled> {
  if (ctx.waitForManualMs <= 0 || change.kind !== 'gatewayPolicy' || change.action !== 'manual')
    return { status: 'manual' };
  const start = ctx.now();
  for (;;) {
    if (await gatewayPolicyInEffect(ctx, change)) return { status: 'done', note: 'manual step confirmed' };
    const elapsed = ctx.now() - start;
    if (elapsed + ctx.pollIntervalMs > ctx.waitForManualMs) return { status: 'manual' };
    ctx.emit({ type: 'waiting', change, reason: 'manual step not done yet', elapsedMs: elapsed });
    await ctx.sleep(ctx.pollIntervalMs);
  }
}

/** The user whose changes must not overlap (Gmail serialises one mailbox's settings). */
function userOf(change: Change): string | undefined {
  if (change.kind === 'sendAs') return change.target.userEmail.toLowerCase();
  if (change.kind === 'userPlacement') return change.target.email.toLowerCase();
  return undefined;
}

function describe(outcome: Exclude<Settled, { status: 'done' }>): string {
  switch (outcome.status) {
    case 'failed':
      return 'failed';
    case 'pending':
      return 'is pending propagation';
    case 'manual':
      return 'is a manual step not confirmed yet';
    case 'skipped':
      return 'was skipped';
  }
}

function eventOf(change: Change, outcome: Settled): ApplyEvent {
  switch (outcome.status) {
    case 'done':
      return { type: 'change-done', change, note: outcome.note };
    case 'failed':
      return { type: 'change-failed', change, error: outcome.error };
    case 'pending':
      return { type: 'change-pending', change, reason: outcome.reason };
    case 'skipped':
      return { type: 'change-skipped', change, reason: outcome.reason };
    case 'manual':
      return { type: 'change-pending', change, reason: 'manual step not confirmed; do it, then apply again' };
  }
}

/** Changes that can never run because they sit on (or behind) a dependency cycle (Kahn's algorithm). */
function blockedByCycles(
  changes: readonly Change[],
  waitingOn: ReadonlyMap<string, number>,
  dependants: ReadonlyMap<string, Change[]>,
): Change[] {
  const left = new Map(waitingOn);
  const queue = changes.filter((c) => left.get(c.id) === 0);
  const reached = new Set(queue.map((c) => c.id));
  while (queue.length > 0) {
    const change = queue.pop() as Change;
    for (const next of dependants.get(change.id) ?? []) {
      const count = (left.get(next.id) ?? 1) - 1;
      left.set(next.id, count);
      if (count === 0 && !reached.has(next.id)) {
        reached.add(next.id);
        queue.push(next);
      }
    }
  }
  return changes.filter((c) => !reached.has(c.id));
}

function collect(
  changes: readonly Change[],
  settled: Map<string, Settled>,
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
  aborted: boolean,
): ApplyResult {
  const result: ApplyResult = {
    done: [],
    failed: [],
    pending: [],
    skipped: [],
    manual: [],
    awaitingVerification: [],
    calls: {},
    aborted,
  };
  for (const change of changes) {
    const outcome = settled.get(change.id);
    if (!outcome) continue;
    if (outcome.status === 'done') {
      result.done.push(change);
      if (outcome.awaitingVerification) result.awaitingVerification.push(outcome.awaitingVerification);
    } else if (outcome.status === 'failed') result.failed.push({ change, error: outcome.error });
    else if (outcome.status === 'pending') result.pending.push(change);
    else if (outcome.status === 'skipped') result.skipped.push({ change, reason: outcome.reason });
    else result.manual.push(change);
  }
  const calls: Record<string, number> = {};
  for (const [method, count] of Object.entries(after)) {
    const delta = count - (before[method] ?? 0);
    if (delta > 0) calls[method] = delta;
  }
  return { ...result, calls };
}
