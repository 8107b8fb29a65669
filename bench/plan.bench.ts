/**
 * `npm run bench:plan` (issue 4): plan wall time, API calls, peak memory and CPU of diff + render on tenants of
 * 1,000 and 10,000 users with 2 send-as identities each, 50 ms per call, against a Terraform-provider-like
 * baseline measured in the same run. Not a test: nothing is asserted; figures go to stdout and docs/benchmarks.md.
 *
 * Environment: BENCH_PLAN_SIZES=1000,10000 (user counts), BENCH_LATENCY_MS=50, BENCH_NO_DOCS=1 (stdout only).
 */
import { createWorkspaceAdmin, type RateLimitOptions, type WorkspaceAdmin } from '../lib/admin';
import type { ServiceAccountKey } from '../lib/emulator';
import { diff } from '../lib/engine/diff';
import { fingerprintCredentials } from '../lib/engine/credentials';
import { emptyStackState } from '../lib/state/stack-state';
import { observe } from '../lib/engine/observe';
import { renderJson, renderMarkdown, renderText } from '../lib/engine/render';
import { runRulePack } from '../lib/model/rules';
import { fingerprintKeyFrom } from '../lib/model/secret-ref';
import { mapLimited } from '../lib/util/concurrency';
import {
  countDelta,
  describeCounts,
  fmt,
  loadLine,
  machineLine,
  markdownTable,
  measure,
  RssSampler,
  startEmulatorProcess,
  sum,
  textTable,
  writeDocsSection,
  type EmulatorProcess,
} from './private/harness';
import { ADMIN, aliasEmail, benchManifest, benchTenant, userEmail } from './private/tenant';

const SIZES = (process.env.BENCH_PLAN_SIZES ?? '1000,10000').split(',').map(Number);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const IDENTITIES = 2;
/** Our plan: calls in flight (observe and client alike). */
const CONCURRENCY = 50;
/** The baseline: resources refreshed at once, as `terraform plan -parallelism=10`. */
const BASELINE_PARALLELISM = 10;
/**
 * Most users the baseline reads; above it, it reads the first users only and its time is scaled up linearly
 * (its calls are independent, 10 at a time: time grows linearly with resources). Keeps the run near 5 minutes.
 */
const BASELINE_MAX_USERS = Number(process.env.BENCH_BASELINE_USERS ?? 2_000);
/** No client-side throttling: the emulator enforces no quota here, so latency alone sets the pace. */
const NO_RATE_LIMIT: RateLimitOptions = {
  gmailUnitsPerMinute: Infinity,
  gmailUserUnitsPerMinute: Infinity,
  directoryQueriesPerMinute: Infinity,
  policyQueriesPerMinute: Infinity,
};

interface PlanRun {
  users: number;
  identities: number;
  changes: number;
  wallMs: number;
  cpuMs: number;
  /** The emulator child's CPU over our plan, when /proc tells. */
  emulatorCpuMs: number | undefined;
  observeMs: number;
  diffRenderCpuMs: number;
  diffCpuMs: number;
  renderCpuMs: number;
  apiCalls: number;
  tokenCalls: number;
  clientCalls: number;
  callDetail: string;
  peakRssMiB: number;
  floorMs: number;
  floorWithTokensMs: number;
  baselineWallMs: number;
  /** Users the baseline actually read (its wall time is scaled by users ÷ this). */
  baselineUsers: number;
  baselineCalls: number;
  baselineTokenCalls: number;
  baselinePeakRssMiB: number;
}

function client(emulator: EmulatorProcess, key: ServiceAccountKey, concurrency: number): WorkspaceAdmin {
  return createWorkspaceAdmin({
    credentials: key,
    adminEmail: ADMIN,
    access: 'read',
    endpoint: { rootUrl: `${emulator.url}/`, tokenUrl: emulator.tokenUrl },
    concurrency,
    rateLimit: NO_RATE_LIMIT,
  });
}

async function runSize(emulator: EmulatorProcess, key: ServiceAccountKey, users: number): Promise<PlanRun> {
  await emulator.setKnobs({ latencyMs: 0 });
  await emulator.seed(benchTenant(users, IDENTITIES));
  await emulator.setKnobs({
    latencyMs: LATENCY_MS,
    jitterMs: 0,
    quotaProjectPerMinute: null,
    quotaUserPerMinute: null,
  });
  // One identity in ten gets a new display name: the plan carries real updates to compute and render.
  const manifest = benchManifest(users, IDENTITIES, 10);
  const fingerprintKey = fingerprintKeyFrom('bench-fingerprint-key');

  // --- ours: observe + diff + render, a fresh client (tokens fetched as a CLI run would) ---
  const before = await emulator.callCounts();
  const emulatorCpuBefore = emulator.cpuMs();
  const sampler = new RssSampler().start();
  let observeMs = 0;
  let diffCpuMs = 0;
  let renderCpuMs = 0;
  let changes = 0;
  let admin: WorkspaceAdmin | undefined;
  const total = await measure(async () => {
    admin = client(emulator, key, CONCURRENCY);
    const a = admin;
    const observed = await measure(() => observe(a, manifest, { concurrency: CONCURRENCY }));
    observeMs = observed.wallMs;
    const planned = await measure(() => {
      const credentials = fingerprintCredentials(manifest, fingerprintKey, {}, process.cwd());
      const findings = runRulePack(manifest);
      return diff({
        manifest,
        observed: observed.value,
        state: emptyStackState('bench'),
        credentials,
        target: a.target,
        findings,
      });
    });
    diffCpuMs = planned.cpuMs;
    changes = planned.value.changes.length;
    const rendered = await measure(() => [
      renderText(planned.value),
      renderMarkdown(planned.value),
      renderJson(planned.value),
    ]);
    renderCpuMs = rendered.cpuMs;
    if (planned.value.summary.indeterminate > 0) throw new Error('plan has indeterminate objects: the run is invalid');
  });
  const peakRssMiB = sampler.stop();
  const emulatorCpuAfter = emulator.cpuMs();
  const counts = countDelta(before, await emulator.callCounts());
  const apiCalls = sum(counts, (m) => m !== 'oauth2.token');
  const tokenCalls = counts['oauth2.token'] ?? 0;
  const clientCalls = sum(admin!.stats().calls);

  // --- baseline: one read per resource (users.get per user, sendAs.get per identity), 10 resources at a time ---
  const baseBefore = await emulator.callCounts();
  const baseSampler = new RssSampler().start();
  const resources: Array<() => Promise<unknown>> = [];
  const base = client(emulator, key, BASELINE_PARALLELISM);
  const baselineUsers = Math.min(users, BASELINE_MAX_USERS);
  for (let i = 0; i < baselineUsers; i++) {
    resources.push(() => base.getUser(userEmail(i)));
    for (let j = 0; j < IDENTITIES; j++) resources.push(() => base.getSendAs(userEmail(i), aliasEmail(i, j)));
  }
  const baseline = await measure(() => mapLimited(resources, BASELINE_PARALLELISM, (read) => read()));
  const baselinePeakRssMiB = baseSampler.stop();
  const baseCounts = countDelta(baseBefore, await emulator.callCounts());

  return {
    users,
    identities: users * IDENTITIES,
    changes,
    wallMs: total.wallMs,
    cpuMs: total.cpuMs,
    emulatorCpuMs:
      emulatorCpuBefore !== undefined && emulatorCpuAfter !== undefined
        ? emulatorCpuAfter - emulatorCpuBefore
        : undefined,
    observeMs,
    diffRenderCpuMs: diffCpuMs + renderCpuMs,
    diffCpuMs,
    renderCpuMs,
    apiCalls,
    tokenCalls,
    clientCalls,
    callDetail: describeCounts(counts),
    peakRssMiB,
    floorMs: (apiCalls * LATENCY_MS) / CONCURRENCY,
    floorWithTokensMs: ((apiCalls + tokenCalls) * LATENCY_MS) / CONCURRENCY,
    baselineWallMs: (baseline.wallMs * users) / baselineUsers,
    baselineUsers,
    baselineCalls: (sum(baseCounts, (m) => m !== 'oauth2.token') * users) / baselineUsers,
    baselineTokenCalls: ((baseCounts['oauth2.token'] ?? 0) * users) / baselineUsers,
    baselinePeakRssMiB,
  };
}

function tables(runs: readonly PlanRun[]): { header: string[]; rows: string[][] }[] {
  return [
    {
      header: [
        'users',
        'identities',
        'changes',
        'plan wall',
        'plan CPU (client)',
        'emulator CPU',
        'observe',
        'diff+render CPU',
        'API calls',
        'token calls',
        'peak RSS',
      ],
      rows: runs.map((r) => [
        fmt.n(r.users),
        fmt.n(r.identities),
        fmt.n(r.changes),
        fmt.s(r.wallMs),
        fmt.s(r.cpuMs),
        r.emulatorCpuMs === undefined ? 'n/a' : fmt.s(r.emulatorCpuMs),
        fmt.s(r.observeMs),
        `${fmt.ms(r.diffRenderCpuMs)} (${fmt.ms(r.diffCpuMs)} + ${fmt.ms(r.renderCpuMs)})`,
        fmt.n(r.apiCalls),
        fmt.n(r.tokenCalls),
        fmt.mib(r.peakRssMiB),
      ]),
    },
    {
      header: [
        'users',
        'floor (API calls)',
        'wall ÷ floor',
        'floor (API + token)',
        'wall ÷ floor',
        'baseline wall',
        'baseline calls',
        'baseline ÷ ours',
      ],
      rows: runs.map((r) => [
        fmt.n(r.users),
        fmt.s(r.floorMs),
        fmt.x(r.wallMs / r.floorMs),
        fmt.s(r.floorWithTokensMs),
        fmt.x(r.wallMs / r.floorWithTokensMs),
        r.baselineUsers < r.users
          ? `${fmt.s(r.baselineWallMs)} (${fmt.n(r.baselineUsers)} users measured, × ${(r.users / r.baselineUsers).toFixed(0)})`
          : fmt.s(r.baselineWallMs),
        `${fmt.n(Math.round(r.baselineCalls))} + ${fmt.n(Math.round(r.baselineTokenCalls))} token`,
        fmt.x(r.baselineWallMs / r.wallMs),
      ]),
    },
    {
      header: ['users', 'calls by method (emulator count)', 'client-counted calls'],
      rows: runs.map((r) => [fmt.n(r.users), r.callDetail, fmt.n(r.clientCalls)]),
    },
  ];
}

async function main(): Promise<void> {
  const loadBefore = loadLine();
  const started = performance.now();
  const emulator = await startEmulatorProcess();
  const runs: PlanRun[] = [];
  try {
    await emulator.seed(benchTenant(0, 0));
    const key = await emulator.createServiceAccountKey();
    for (const users of SIZES) {
      process.stdout.write(
        `plan benchmark: ${fmt.n(users)} users × ${IDENTITIES} identities, ${LATENCY_MS} ms per call…\n`,
      );
      runs.push(await runSize(emulator, key, users));
    }
  } finally {
    await emulator.close();
  }
  const out = tables(runs);
  process.stdout.write(`\n${out.map((t) => textTable(t.header, t.rows)).join('\n\n')}\n`);
  process.stdout.write(`\ntotal benchmark time ${fmt.s(performance.now() - started)}\n`);
  if (process.env.BENCH_NO_DOCS === '1') return;
  writeDocsSection(
    'plan',
    [
      `_Measured ${machineLine()}; load average (1/5/15 min) ${loadBefore} before, ${loadLine()} after; emulator in a child process, ${LATENCY_MS} ms per call, no quota; ours: concurrency ${CONCURRENCY}, client rate limits off; baseline: parallelism ${BASELINE_PARALLELISM}._`,
      ...out.map((t) => markdownTable(t.header, t.rows)),
    ].join('\n\n'),
  );
  process.stdout.write(`figures written to docs/benchmarks.md\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
