/**
 * `npm run bench:synth`: `app.synth()` of one stack with N users (each placed in an OU) and N send-as identities,
 * against a bare cdktf synth of 2N `null_resource`s measured in the same run. Every synth runs in a fresh child
 * process (`bench/private/synth-app.ts`); ours and bare alternate, so both see the same machine load. Not a
 * test: nothing is asserted; figures go to stdout and docs/benchmarks.md.
 *
 * Environment: BENCH_SYNTH_SIZES=500,1000,2000,4000,10000 (N), BENCH_SYNTH_RUNS=3 (repetitions, medians
 * reported), BENCH_NO_DOCS=1 (stdout only).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { fmt, machineLine, markdownTable, REPO_ROOT, textTable, writeDocsSection } from './private/harness';

const SIZES = (process.env.BENCH_SYNTH_SIZES ?? '500,1000,2000,4000,10000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_SYNTH_RUNS ?? 3);
const APP = join(__dirname, 'private', 'synth-app.ts');

type Mode = 'ours' | 'bare';

interface Sample {
  readonly loadMs: number;
  readonly constructMs: number;
  readonly synthMs: number;
  readonly cpuMs: number;
  readonly peakRssMiB?: number;
}

interface Row {
  readonly n: number;
  readonly ours: Sample;
  readonly bare: Sample;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function medianSample(samples: readonly Sample[]): Sample {
  const of = (pick: (s: Sample) => number | undefined): number => median(samples.map((s) => pick(s) ?? 0));
  return {
    loadMs: of((s) => s.loadMs),
    constructMs: of((s) => s.constructMs),
    synthMs: of((s) => s.synthMs),
    cpuMs: of((s) => s.cpuMs),
    peakRssMiB: of((s) => s.peakRssMiB),
  };
}

const total = (s: Sample): number => s.constructMs + s.synthMs;

/** What the synth wrote, as a check that both sides did the work they claim. */
function checkOutput(mode: Mode, n: number, outdir: string): void {
  const stackDir = join(outdir, 'stacks', 'bench');
  const tf = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as {
    resource?: { null_resource?: Record<string, unknown>; terraform_data?: Record<string, unknown> };
  };
  // The bare baseline is 2N null_resources; ours is one terraform_data (the apply resource).
  const resources = Object.keys(
    (mode === 'bare' ? tf.resource?.null_resource : tf.resource?.terraform_data) ?? {},
  ).length;
  if (mode === 'bare') {
    if (resources !== 2 * n) throw new Error(`bare synth wrote ${resources} null_resources, expected ${2 * n}`);
    return;
  }
  const manifest = JSON.parse(readFileSync(join(stackDir, 'mail-policy.json'), 'utf8')) as {
    users: unknown[];
    sendAs: Array<{ smtp?: { password?: { fingerprint?: string } } }>;
  };
  if (manifest.users.length !== n || manifest.sendAs.length !== n || resources !== 1) {
    throw new Error(`our synth wrote ${manifest.users.length} users, ${manifest.sendAs.length} identities`);
  }
  if (!manifest.sendAs.every((s) => s.smtp?.password?.fingerprint)) throw new Error('a secret was not fingerprinted');
}

function runOnce(mode: Mode, n: number): Promise<Sample> {
  const outdir = mkdtempSync(join(tmpdir(), `mailpolicy-bench-synth-${mode}-`));
  const child = spawn(process.execPath, ['--import', 'tsx', APP, mode, String(n), outdir], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      MAILPOLICY_FINGERPRINT_KEY: 'bench-fingerprint-key-0123456789',
      BENCH_SMTP_PASSWORD: 'bench-password',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise<Sample>((resolveSample, reject) => {
    let sample: Sample | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      sample = JSON.parse(line) as Sample;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      try {
        if (code !== 0 || !sample) throw new Error(`${mode} synth of N=${n} exited with ${code}`);
        checkOutput(mode, n, outdir);
        resolveSample(sample);
      } catch (error) {
        reject(error as Error);
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    });
  });
}

async function runSize(n: number): Promise<Row> {
  const samples: Record<Mode, Sample[]> = { ours: [], bare: [] };
  for (let run = 0; run < RUNS; run++) {
    // Alternate which side goes first, so a load spike does not always hit the same one.
    const order: Mode[] = run % 2 === 0 ? ['bare', 'ours'] : ['ours', 'bare'];
    for (const mode of order) {
      const sample = await runOnce(mode, n);
      samples[mode].push(sample);
      process.stdout.write(
        `  N=${fmt.n(n)} run ${run + 1}/${RUNS} ${mode}: construct ${fmt.ms(sample.constructMs)}, synth ${fmt.ms(sample.synthMs)}\n`,
      );
    }
  }
  return { n, ours: medianSample(samples.ours), bare: medianSample(samples.bare) };
}

function tables(rows: readonly Row[]): Array<{ header: string[]; rows: string[][] }> {
  return [
    {
      header: ['N', 'ours: construct + synth', 'bare (2N null_resource)', 'ratio', 'synth only: ours', 'bare', 'ratio'],
      rows: rows.map((r) => [
        fmt.n(r.n),
        fmt.s(total(r.ours)),
        fmt.s(total(r.bare)),
        fmt.x(total(r.ours) / total(r.bare)),
        fmt.s(r.ours.synthMs),
        fmt.s(r.bare.synthMs),
        fmt.x(r.ours.synthMs / r.bare.synthMs),
      ]),
    },
    {
      header: ['N', 'ours: construct', 'synth', 'CPU', 'peak RSS', 'bare: construct', 'synth', 'CPU', 'peak RSS'],
      rows: rows.map((r) => [
        fmt.n(r.n),
        fmt.ms(r.ours.constructMs),
        fmt.ms(r.ours.synthMs),
        fmt.ms(r.ours.cpuMs),
        fmt.mib(r.ours.peakRssMiB),
        fmt.ms(r.bare.constructMs),
        fmt.ms(r.bare.synthMs),
        fmt.ms(r.bare.cpuMs),
        fmt.mib(r.bare.peakRssMiB),
      ]),
    },
  ];
}

const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');

async function main(): Promise<void> {
  const started = performance.now();
  const loadBefore = load();
  const rows: Row[] = [];
  for (const n of SIZES) {
    process.stdout.write(
      `synth benchmark: ${fmt.n(n)} users + ${fmt.n(n)} identities vs ${fmt.n(2 * n)} null_resources…\n`,
    );
    rows.push(await runSize(n));
  }
  const loadAfter = load();
  const out = tables(rows);
  process.stdout.write(`\n${out.map((t) => textTable(t.header, t.rows)).join('\n\n')}\n`);
  process.stdout.write(`\nload average (1/5/15 min) before ${loadBefore}, after ${loadAfter}\n`);
  process.stdout.write(`total benchmark time ${fmt.s(performance.now() - started)}\n`);
  if (process.env.BENCH_NO_DOCS === '1') return;
  writeDocsSection(
    'synth',
    [
      `_Measured ${machineLine()}; load average (1/5/15 min) ${loadBefore} before, ${loadAfter} after; each synth in a fresh child process, median of ${RUNS} runs._`,
      ...out.map((t) => markdownTable(t.header, t.rows)),
    ].join('\n\n'),
  );
  process.stdout.write(`figures written to docs/benchmarks.md\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
