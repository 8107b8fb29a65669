/**
 * `npm run bench:apply` (issue 5): 2,000 send-as creates (10,000 with BENCH_LARGE=1) against the emulator with
 * 50 ms per call and Google's quota units enforced by the emulator (sendAs.create = 100 units), in three
 * scenarios measured in one run:
 *   (a) quota-bound: a project quota low enough that it, not latency, limits us → throughput ÷ quota ceiling;
 *   (b) Google's published quotas (1,200,000 units/min per project, 6,000 per user) → ours ÷ baseline;
 *   (c) no quota at all → the latency-bound ratio ours ÷ baseline.
 * The baseline behaves like the archived Terraform provider: per resource a create then a read-back get, 10
 * resources at a time, no client-side rate limiting. Not a test: nothing is asserted; figures go to stdout and
 * docs/benchmarks.md.
 *
 * Environment: BENCH_LARGE=1 (10,000 creates), BENCH_LATENCY_MS=50, BENCH_SCENARIOS=a,b,c, BENCH_NO_DOCS=1,
 * BENCH_APPLY_BASELINE=0 (skip the baselines).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createWorkspaceAdmin, DEFAULT_RATE_LIMITS, type RateLimitOptions, type WorkspaceAdmin } from '../lib/admin';
import type { ServiceAccountKey } from '../lib/emulator';
import { applyPlan } from '../lib/engine/apply';
import { diff } from '../lib/engine/diff';
import { fingerprintCredentials } from '../lib/engine/credentials';
import { FileStateBackend } from '../lib/state/file-state-backend';
import { emptyStackState } from '../lib/state/stack-state';
import { StateStore } from '../lib/state/state-store';
import { observe } from '../lib/engine/observe';
import type { Plan } from '../lib/engine/plan';
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
import { ADMIN, benchManifest, benchTenant } from './private/tenant';

const LARGE = process.env.BENCH_LARGE === '1';
const CREATES = LARGE ? 10_000 : 2_000;
const IDENTITIES = 2;
const USERS = CREATES / IDENTITIES;
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? 'a,b,c').split(',');
/** `BENCH_APPLY_BASELINE=0` skips the baselines (a quicker run while working on the client). */
const BASELINES = process.env.BENCH_APPLY_BASELINE !== '0';
/** Changes in flight in applyPlan, and calls in flight in the client. */
const CONCURRENCY = 50;
const BASELINE_PARALLELISM = 10;
const CREATE_UNITS = 100;
const UNLIMITED: RateLimitOptions = {
  gmailUnitsPerMinute: Infinity,
  gmailUserUnitsPerMinute: Infinity,
  directoryQueriesPerMinute: Infinity,
  policyQueriesPerMinute: Infinity,
};

interface Scenario {
  readonly id: string;
  readonly title: string;
  /** Emulator quota, units per minute (undefined = none). */
  readonly projectQuota?: number;
  readonly userQuota?: number;
  /** Our client's rate limits. */
  readonly rateLimit: RateLimitOptions;
  readonly baseline: boolean;
}

const SCENARIO_TABLE: readonly Scenario[] = [
  {
    id: 'a',
    title: 'quota-bound',
    // 40 creates/s (100 creates/s with BENCH_LARGE): well under what 50 calls in flight at 50 ms could do.
    projectQuota: LARGE ? 600_000 : 240_000,
    userQuota: 6_000,
    rateLimit: {
      ...UNLIMITED,
      gmailUnitsPerMinute: LARGE ? 600_000 : 240_000,
      gmailUserUnitsPerMinute: 6_000,
    },
    baseline: false,
  },
  {
    id: 'b',
    title: 'Google quotas',
    projectQuota: 1_200_000,
    userQuota: 6_000,
    rateLimit: { ...DEFAULT_RATE_LIMITS },
    baseline: true,
  },
  { id: 'c', title: 'no quota', rateLimit: UNLIMITED, baseline: true },
];

interface ApplyRun {
  scenario: Scenario;
  planWallMs: number;
  creates: number;
  failed: number;
  wallMs: number;
  cpuMs: number;
  apiCalls: number;
  tokenCalls: number;
  retries: number;
  callDetail: string;
  peakRssMiB: number;
  ceilingPerSecond?: number;
  baseline?: { wallMs: number; creates: number; apiCalls: number; retries: number; peakRssMiB: number };
}

/** A fresh stack state on disk, as `mailpolicy apply` records into: every finished create is written to it. */
async function freshState(): Promise<StateStore> {
  const folder = mkdtempSync(join(tmpdir(), 'bench-state-'));
  return StateStore.load(new FileStateBackend({ folder }), 'bench');
}

function client(
  emulator: EmulatorProcess,
  key: ServiceAccountKey,
  access: 'read' | 'write',
  concurrency: number,
  rateLimit: RateLimitOptions,
): WorkspaceAdmin {
  return createWorkspaceAdmin({
    credentials: key,
    adminEmail: ADMIN,
    access,
    endpoint: { rootUrl: `${emulator.url}/`, tokenUrl: emulator.tokenUrl },
    concurrency,
    rateLimit,
  });
}

async function reset(emulator: EmulatorProcess, scenario: Scenario | undefined): Promise<void> {
  await emulator.setKnobs({ latencyMs: 0, quotaProjectPerMinute: null, quotaUserPerMinute: null });
  await emulator.seed(benchTenant(USERS, 0, IDENTITIES));
  await emulator.setKnobs({
    latencyMs: LATENCY_MS,
    jitterMs: 0,
    quotaProjectPerMinute: scenario?.projectQuota ?? null,
    quotaUserPerMinute: scenario?.userQuota ?? null,
  });
}

async function planCreates(emulator: EmulatorProcess, key: ServiceAccountKey): Promise<{ plan: Plan; wallMs: number }> {
  const manifest = benchManifest(USERS, IDENTITIES);
  const { value, wallMs } = await measure(async () => {
    const reader = client(emulator, key, 'read', CONCURRENCY, UNLIMITED);
    const observed = await observe(reader, manifest, { concurrency: CONCURRENCY });
    const credentials = fingerprintCredentials(manifest, fingerprintKeyFrom('bench'), {}, process.cwd());
    return diff({ manifest, observed, state: emptyStackState('bench'), credentials, target: reader.target });
  });
  const creates = value.changes.filter((c) => c.kind === 'sendAs' && c.action === 'create').length;
  if (creates !== CREATES || value.changes.length !== CREATES) {
    throw new Error(`expected a plan of ${CREATES} creates, got ${value.changes.length} changes (${creates} creates)`);
  }
  return { plan: value, wallMs };
}

async function runScenario(emulator: EmulatorProcess, key: ServiceAccountKey, scenario: Scenario): Promise<ApplyRun> {
  // Plan without quota (reads are not what this benchmark measures), then arm the scenario's quotas.
  await reset(emulator, undefined);
  const { plan, wallMs: planWallMs } = await planCreates(emulator, key);
  await emulator.setKnobs({
    quotaProjectPerMinute: scenario.projectQuota ?? null,
    quotaUserPerMinute: scenario.userQuota ?? null,
  });

  const before = await emulator.callCounts();
  const admin = client(emulator, key, 'write', CONCURRENCY, scenario.rateLimit);
  const sampler = new RssSampler().start();
  const state = await freshState();
  const run = await measure(() =>
    applyPlan(plan, {
      admin,
      state,
      fingerprintKey: fingerprintKeyFrom('bench'),
      concurrency: CONCURRENCY,
    }),
  );
  const peakRssMiB = sampler.stop();
  const counts = countDelta(before, await emulator.callCounts());
  const result: ApplyRun = {
    scenario,
    planWallMs,
    creates: run.value.done.length,
    failed: run.value.failed.length + run.value.pending.length + run.value.skipped.length,
    wallMs: run.wallMs,
    cpuMs: run.cpuMs,
    apiCalls: sum(counts, (m) => m !== 'oauth2.token'),
    tokenCalls: counts['oauth2.token'] ?? 0,
    retries: sum(admin.stats().retries),
    callDetail: describeCounts(counts),
    peakRssMiB,
    ceilingPerSecond: scenario.projectQuota ? scenario.projectQuota / CREATE_UNITS / 60 : undefined,
  };
  if (result.failed > 0) {
    const first = run.value.failed[0]?.error.message ?? run.value.pending[0]?.id ?? '';
    process.stdout.write(`  warning: ${result.failed} changes not done (${first})\n`);
  }
  if (!scenario.baseline || !BASELINES) return result;

  // Baseline: the same creates as independent resources, each a create then a read-back get, 10 at a time.
  await reset(emulator, scenario);
  const baseAdmin = client(emulator, key, 'write', BASELINE_PARALLELISM, UNLIMITED);
  const baseBefore = await emulator.callCounts();
  const baseSampler = new RssSampler().start();
  const identities = plan.changes.flatMap((c) => (c.kind === 'sendAs' && c.action === 'create' ? [c.desired] : []));
  let created = 0;
  const base = await measure(() =>
    mapLimited(identities, BASELINE_PARALLELISM, async (spec) => {
      await baseAdmin.createSendAs(spec.userEmail, {
        sendAsEmail: spec.sendAsEmail,
        displayName: spec.displayName,
        treatAsAlias: spec.treatAsAlias,
      });
      await baseAdmin.getSendAs(spec.userEmail, spec.sendAsEmail);
      created++;
    }),
  );
  const basePeak = baseSampler.stop();
  const baseCounts = countDelta(baseBefore, await emulator.callCounts());
  result.baseline = {
    wallMs: base.wallMs,
    creates: created,
    apiCalls: sum(baseCounts, (m) => m !== 'oauth2.token'),
    retries: sum(baseAdmin.stats().retries),
    peakRssMiB: basePeak,
  };
  return result;
}

function quotaText(s: Scenario): string {
  if (!s.projectQuota) return 'none';
  return `${fmt.n(s.projectQuota)} / ${fmt.n(s.userQuota ?? 0)}`;
}

function limitText(r: RateLimitOptions): string {
  const g = r.gmailUnitsPerMinute ?? DEFAULT_RATE_LIMITS.gmailUnitsPerMinute;
  const u = r.gmailUserUnitsPerMinute ?? DEFAULT_RATE_LIMITS.gmailUserUnitsPerMinute;
  return g === Infinity ? 'off' : `${fmt.n(g)} / ${fmt.n(u)}`;
}

function tables(runs: readonly ApplyRun[]): { header: string[]; rows: string[][] }[] {
  return [
    {
      header: [
        'scenario',
        'emulator quota (units/min project / user)',
        'client rate limit',
        'creates',
        'apply wall',
        'throughput',
        'ceiling',
        'throughput ÷ ceiling',
        'API calls',
        'token calls',
        'retries',
        'client CPU',
        'peak RSS',
      ],
      rows: runs.map((r) => [
        `(${r.scenario.id}) ${r.scenario.title}`,
        quotaText(r.scenario),
        limitText(r.scenario.rateLimit),
        `${fmt.n(r.creates)}${r.failed ? ` (+${r.failed} not done)` : ''}`,
        fmt.s(r.wallMs),
        fmt.rate((r.creates / r.wallMs) * 1000),
        r.ceilingPerSecond ? fmt.rate(r.ceilingPerSecond) : '–',
        r.ceilingPerSecond ? fmt.x(((r.creates / r.wallMs) * 1000) / r.ceilingPerSecond) : '–',
        fmt.n(r.apiCalls),
        fmt.n(r.tokenCalls),
        fmt.n(r.retries),
        fmt.s(r.cpuMs),
        fmt.mib(r.peakRssMiB),
      ]),
    },
    {
      header: [
        'scenario',
        'baseline wall',
        'baseline throughput',
        'baseline API calls',
        'baseline retries',
        'baseline peak RSS',
        'ours ÷ baseline',
      ],
      rows: runs
        .filter((r) => r.baseline)
        .map((r) => {
          const b = r.baseline!;
          return [
            `(${r.scenario.id}) ${r.scenario.title}`,
            fmt.s(b.wallMs),
            fmt.rate((b.creates / b.wallMs) * 1000),
            fmt.n(b.apiCalls),
            fmt.n(b.retries),
            fmt.mib(b.peakRssMiB),
            fmt.x(((r.creates / r.wallMs) * 1000) / ((b.creates / b.wallMs) * 1000)),
          ];
        }),
    },
    {
      header: ['scenario', 'plan before apply (observe + diff)', 'calls by method during apply (emulator count)'],
      rows: runs.map((r) => [`(${r.scenario.id}) ${r.scenario.title}`, fmt.s(r.planWallMs), r.callDetail]),
    },
  ];
}

async function main(): Promise<void> {
  const loadBefore = loadLine();
  const started = performance.now();
  const emulator = await startEmulatorProcess();
  const runs: ApplyRun[] = [];
  try {
    await emulator.seed(benchTenant(0, 0));
    const key = await emulator.createServiceAccountKey();
    for (const scenario of SCENARIO_TABLE.filter((s) => SCENARIOS.includes(s.id))) {
      process.stdout.write(
        `apply benchmark (${scenario.id}) ${scenario.title}: ${fmt.n(CREATES)} creates over ${fmt.n(USERS)} users, ${LATENCY_MS} ms per call…\n`,
      );
      runs.push(await runScenario(emulator, key, scenario));
    }
  } finally {
    await emulator.close();
  }
  const out = tables(runs);
  process.stdout.write(`\n${out.map((t) => textTable(t.header, t.rows)).join('\n\n')}\n`);
  process.stdout.write(`\ntotal benchmark time ${fmt.s(performance.now() - started)}\n`);
  if (process.env.BENCH_NO_DOCS === '1') return;
  writeDocsSection(
    LARGE ? 'apply-large' : 'apply',
    [
      `_Measured ${machineLine()}; load average (1/5/15 min) ${loadBefore} before, ${loadLine()} after; emulator in a child process, ${LATENCY_MS} ms per call; ${fmt.n(CREATES)} in-domain send-as creates over ${fmt.n(USERS)} users (${IDENTITIES} each); ours: applyPlan and client concurrency ${CONCURRENCY}; baseline: parallelism ${BASELINE_PARALLELISM}, no client-side rate limit._`,
      ...out.map((t) => markdownTable(t.header, t.rows)),
    ].join('\n\n'),
  );
  process.stdout.write(`figures written to docs/benchmarks.md\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
