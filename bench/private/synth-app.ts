/**
 * One synth of the synth benchmark, run in a fresh child process by `bench/synth.bench.ts`:
 *
 *   node --import tsx bench/private/synth-app.ts <ours|bare> <N> <outdir>
 *
 * - `ours`: one stack with a MailPolicy, N users placed in OUs of 100 users (under /Bench, which allows
 *   per-user outbound gateways) and N send-as identities at a partner domain, each with an SMTP endpoint whose
 *   password is a `Secret.fromEnv` (resolved and fingerprinted at synth).
 * - `bare`: one stack with the null provider and 2N `null_resource`s (`@cdktf/provider-null`), each with one
 *   trigger, and nothing else.
 *
 * Prints one JSON line: module load, construction and `app.synth()` wall times, CPU and peak RSS of the process.
 */
import { readFileSync } from 'node:fs';

const USERS_PER_OU = 100;
const DOMAIN = 'bench.example';

function pad(i: number): string {
  return String(i).padStart(6, '0');
}

function peakRssMiB(): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function buildOurs(n: number, outdir: string): Promise<() => void> {
  const { App, TerraformStack } = await import('cdktf');
  const lib = await import('../../lib/constructs');
  return () => {
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'bench');
    const policy = new lib.MailPolicy(stack, 'MailPolicy', { domains: [DOMAIN] });
    const root = new lib.OrgUnit(policy, 'Bench', { name: 'Bench' });
    new lib.OutboundGatewayPolicy(policy, 'BenchGateway', { orgUnit: root, allowPerUserOutboundGateways: true });
    const password = lib.Secret.fromEnv('BENCH_SMTP_PASSWORD');
    let ou = root;
    for (let i = 0; i < n; i++) {
      if (i % USERS_PER_OU === 0) {
        const name = `Team${pad(i / USERS_PER_OU)}`;
        ou = new lib.OrgUnit(policy, name, { name, parent: root });
      }
      const user = lib.User.fromEmail(policy, `User${pad(i)}`, `user${pad(i)}@${DOMAIN}`, { orgUnit: ou });
      new lib.SendAsIdentity(policy, `SendAs${pad(i)}`, {
        user,
        sendAsEmail: `user${pad(i)}@partner.example`,
        displayName: `User ${i} (Partner)`,
        smtp: {
          host: 'smtp.partner.example',
          port: 587,
          securityMode: lib.SecurityMode.STARTTLS,
          username: `user${pad(i)}@partner.example`,
          password,
        },
      });
    }
    return app;
  };
}

async function buildBare(n: number, outdir: string): Promise<() => unknown> {
  const { App, TerraformStack } = await import('cdktf');
  const { NullProvider } = await import('@cdktf/provider-null/lib/provider');
  const { Resource } = await import('@cdktf/provider-null/lib/resource');
  return () => {
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'bench');
    new NullProvider(stack, 'null');
    for (let i = 0; i < 2 * n; i++) new Resource(stack, `R${pad(i)}`, { triggers: { key: `value${pad(i)}` } });
    return app;
  };
}

async function main(): Promise<void> {
  const [mode, nText, outdir] = process.argv.slice(2);
  const n = Number(nText);
  if ((mode !== 'ours' && mode !== 'bare') || !Number.isInteger(n) || n <= 0 || !outdir) {
    throw new Error('usage: synth-app.ts <ours|bare> <N> <outdir>');
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const build = (mode === 'ours' ? await buildOurs(n, outdir) : await buildBare(n, outdir)) as () => {
    synth(): void;
  };
  const t1 = performance.now();
  const app = build();
  const t2 = performance.now();
  app.synth();
  const t3 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    `${JSON.stringify({
      loadMs: t1 - t0,
      constructMs: t2 - t1,
      synthMs: t3 - t2,
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakRssMiB: peakRssMiB(),
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
