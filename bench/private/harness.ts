/**
 * Shared benchmark plumbing: the emulator in a child process and its control API, an RSS sampler, CPU and wall
 * clocks, call-count arithmetic, tables for stdout and markdown, and the marked sections of docs/benchmarks.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Knobs, SeedTenant, ServiceAccountKey } from '../../lib/emulator';

export const REPO_ROOT = resolve(__dirname, '..', '..');

/** A running emulator child process, driven over its control API (`/emulator/v1/…`). */
export interface EmulatorProcess {
  readonly url: string;
  readonly tokenUrl: string;
  readonly customerId: string;
  readonly pid: number;
  seed(tenant: SeedTenant): Promise<void>;
  setKnobs(knobs: { [K in keyof Knobs]?: Knobs[K] | null }): Promise<void>;
  callCounts(): Promise<Record<string, number>>;
  createServiceAccountKey(): Promise<ServiceAccountKey>;
  /** Peak resident set of the child so far (VmHWM), in MiB, where /proc is available. */
  peakRssMiB(): number | undefined;
  /** CPU time (user + system) the child has used so far, in milliseconds, where /proc is available. */
  cpuMs(): number | undefined;
  close(): Promise<void>;
}

/**
 * Starts `bench/private/emulator-process.ts` under tsx and waits for its address. `BENCH_EMULATOR_ROOT` runs the
 * emulator of another checkout instead (for example an older commit, to compare emulator versions under the
 * same client); it must have the same control API.
 */
export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const root = process.env.BENCH_EMULATOR_ROOT ? resolve(process.env.BENCH_EMULATOR_ROOT) : REPO_ROOT;
  const script = join(root, 'bench', 'private', 'emulator-process.ts');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolveLine, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolveLine(line));
    child.once('exit', (code) => reject(new Error(`emulator process exited with code ${code} before listening`)));
  });
  const info = JSON.parse(first) as { url: string; tokenUrl: string; customerId: string };
  const control = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${info.url}/emulator/v1/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`emulator control ${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  return {
    ...info,
    pid: child.pid ?? -1,
    seed: async (tenant) => void (await control('POST', 'seed', tenant)),
    setKnobs: async (knobs) => void (await control('PATCH', 'knobs', knobs)),
    callCounts: async () => (await control('GET', 'callCounts')) as Record<string, number>,
    createServiceAccountKey: async () => (await control('POST', 'serviceAccountKeys', {})) as ServiceAccountKey,
    peakRssMiB: () => {
      const file = `/proc/${child.pid}/status`;
      if (!existsSync(file)) return undefined;
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(file, 'utf8'));
      return match ? Number(match[1]) / 1024 : undefined;
    },
    cpuMs: () => {
      const file = `/proc/${child.pid}/stat`;
      if (!existsSync(file)) return undefined;
      // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100 per second).
      const fields = readFileSync(file, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    close: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** Samples this process's RSS every `intervalMs` and remembers the largest value. */
export class RssSampler {
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;

  public start(intervalMs = 20): this {
    this.peak = process.memoryUsage.rss();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    return this;
  }

  /** Stops sampling; the peak in MiB. */
  public stop(): number {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    return this.peak / 2 ** 20;
  }

  private sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }
}

/** Wall time and CPU time (user + system) of this process over `fn`, in milliseconds. */
export async function measure<T>(fn: () => Promise<T> | T): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await fn();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { value, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

/** `after − before` per method, zero entries dropped. */
export function countDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [method, count] of Object.entries(after)) {
    const delta = count - (before[method] ?? 0);
    if (delta > 0) out[method] = delta;
  }
  return out;
}

export function sum(counts: Record<string, number>, filter: (method: string) => boolean = () => true): number {
  return Object.entries(counts).reduce((acc, [method, n]) => (filter(method) ? acc + n : acc), 0);
}

/** `method×n, …`, shortest method names (last two segments). */
export function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([method, n]) => `${method.split('.').slice(-2).join('.')} ${n}`)
    .join(', ');
}

export const fmt = {
  s: (ms: number): string => `${(ms / 1000).toFixed(2)} s`,
  ms: (ms: number): string => `${Math.round(ms)} ms`,
  mib: (mib: number | undefined): string => (mib === undefined ? 'n/a' : `${Math.round(mib)} MiB`),
  x: (ratio: number): string => `${ratio.toFixed(2)}×`,
  n: (n: number): string => n.toLocaleString('en-US'),
  rate: (perSecond: number): string => `${perSecond.toFixed(1)}/s`,
};

/** A table for stdout: columns padded to their widest cell. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A GitHub-flavoured markdown table. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export const DOCS_FILE = join(REPO_ROOT, 'docs', 'benchmarks.md');

/**
 * Replaces the text between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` in docs/benchmarks.md, so a
 * rerun replaces the previous figures and leaves the prose alone.
 */
export function writeDocsSection(name: string, body: string): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const text = readFileSync(DOCS_FILE, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${DOCS_FILE} has no ${start} … ${end} markers`);
  writeFileSync(DOCS_FILE, `${text.slice(0, from + start.length)}\n${body.trim()}\n${text.slice(to)}`);
}

/** One line about where the figures come from. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${new Date().toISOString().slice(0, 10)} · Node ${process.version} · ${cpus().length} cores (${cpu.trim()}) · ${Math.round(totalmem() / 2 ** 30)} GiB RAM`;
}

/** The 1, 5 and 15 minute load averages, `5.2 / 4.7 / 3.0`: how busy the shared machine was. */
export function loadLine(): string {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
}
