/**
 * One package, two frameworks: the example app synthesises the same mail-policy.json and the same built-in
 * `terraform_data` apply resource under cdktf 0.21 and under CDK Terrain (cdktn 0.24). The framework is the
 * one of the stack, found at run time; a construct in no stack of an installed framework, or an install with
 * neither framework, gets MP1400 saying what to do.
 *
 * The apps run as users run them: a child process (tsx for the TypeScript example) with the built package
 * (`dist/`) and the framework linked into the app's node_modules.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as cdktfModule from 'cdktf';
import { App, TerraformStack, Testing } from 'cdktf';
import * as cdktnModule from 'cdktn';
import { Construct } from 'constructs';

import { MailPolicy, OrgUnit } from '../../lib/constructs';
import type { FrameworkModule } from '../../lib/constructs/private/framework';
import { ErrorCodes, MailPolicyError } from '../../lib/model';

import { applyResourceOf, TEST_FINGERPRINT_KEY } from './support';

const REPO_ROOT = join(__dirname, '..', '..');
const TSX_CLI = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const CANARY = 'canary-frameworks-S3cr3t-9f1e';
const dirs: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function run(args: readonly string[], cwd: string): { code: number | null; output: string } {
  const result = spawnSync(process.execPath, args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      NO_COLOR: '1',
      MAILPOLICY_FINGERPRINT_KEY: TEST_FINGERPRINT_KEY,
      PARTNER_SMTP_PASSWORD: CANARY,
    },
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

/**
 * examples/partner-gateway/main.ts in a fresh app folder, its framework import pointed at `framework` (as a
 * cdktn user writes it), with the package and only that framework in node_modules; synthesised with tsx.
 */
function synthExample(framework: 'cdktf' | 'cdktn'): { manifest: string; tf: string } {
  const dir = tempDir(`mailpolicy-${framework}-app-`);
  const source = readFileSync(join(REPO_ROOT, 'examples', 'partner-gateway', 'main.ts'), 'utf8');
  expect(source).toContain("from 'cdktf';");
  writeFileSync(join(dir, 'main.ts'), source.replace("from 'cdktf';", `from '${framework}';`));
  mkdirSync(join(dir, 'node_modules'));
  for (const name of ['workspace-mail-policy', framework, 'constructs']) {
    const target = name === 'workspace-mail-policy' ? REPO_ROOT : join(REPO_ROOT, 'node_modules', name);
    symlinkSync(target, join(dir, 'node_modules', name), 'dir');
  }
  const result = run([TSX_CLI, 'main.ts'], dir);
  expect(`exit ${result.code}\n${result.output}`).toMatch(/^exit 0/);
  const stackDir = join(dir, 'cdktf.out', 'stacks', 'partner-gateway');
  return {
    manifest: readFileSync(join(stackDir, 'mail-policy.json'), 'utf8'),
    tf: readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'),
  };
}

describe('the example app under cdktf and under CDK Terrain (cdktn)', () => {
  test('both framework modules provide what the adapter uses (checked by the compiler), terraform_data included', () => {
    const modules: Record<string, FrameworkModule> = { cdktf: cdktfModule, cdktn: cdktnModule };
    expect(Object.values(modules).map((m) => (m.DataResource as { tfResourceType?: string }).tfResourceType)).toEqual([
      'terraform_data',
      'terraform_data',
    ]);
  });

  test('both synthesise the same manifest and the same terraform_data running mailpolicy apply', () => {
    const cdktf = synthExample('cdktf');
    const cdktn = synthExample('cdktn');

    expect(cdktn.manifest).toBe(cdktf.manifest);
    expect(JSON.parse(cdktn.manifest)).toMatchObject({ stack: 'partner-gateway', domains: ['example.com'] });

    for (const [name, tf] of [
      ['cdktf', cdktf.tf],
      ['cdktn', cdktn.tf],
    ] as const) {
      const json = JSON.parse(tf) as { '//': { metadata: { version: string } }; provider?: unknown };
      expect(json['//'].metadata.version).toMatch(name === 'cdktf' ? /^0\.21\./ : /^0\.24\./);
      expect(json.provider).toBeUndefined(); // nothing for `terraform init` to download
      const resource = applyResourceOf(tf);
      expect(resource.provisioner).toEqual([
        {
          'local-exec': {
            command: 'npx --no-install mailpolicy apply --manifest "$MAILPOLICY_MANIFEST" --auto-approve',
            environment: { MAILPOLICY_MANIFEST: 'mail-policy.json', MAILPOLICY_STACK: 'partner-gateway' },
            working_dir: '${path.module}',
          },
        },
      ]);
      expect(tf).not.toContain(CANARY);
    }
    expect(applyResourceOf(cdktn.tf)).toEqual(applyResourceOf(cdktf.tf));
    expect(applyResourceOf(cdktn.tf).triggers_replace.manifest_sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

/** The error `fn` throws, or fails the test when it throws none. */
function thrown(fn: () => unknown): MailPolicyError {
  try {
    fn();
  } catch (error) {
    expect(MailPolicyError.isMailPolicyError(error)).toBe(true);
    return error as MailPolicyError;
  }
  throw new Error('expected an error');
}

describe('a construct outside a stack of an installed framework', () => {
  beforeAll(() => {
    process.env.MAILPOLICY_FINGERPRINT_KEY = TEST_FINGERPRINT_KEY;
  });

  test('directly under the App: MP1400 names its path and says to create it in a TerraformStack', () => {
    const app = Testing.app();
    const error = thrown(() => new MailPolicy(app, 'MailPolicy', { domains: ['example.com'] }));
    expect(error.code).toBe(ErrorCodes.FRAMEWORK_UNAVAILABLE);
    expect(error.message).toContain("construct 'MailPolicy' is not inside a TerraformStack");
    expect(error.message).toContain("new TerraformStack(app, 'id') of cdktf or cdktn");
  });

  test('in a stack of another copy of the framework: MP1400 says the app and the library must share one', () => {
    // What a nested second copy's stack looks like to us: branded as a stack, an instance of neither class.
    const root = new Construct(undefined as unknown as Construct, '');
    const foreign = new Construct(root, 'foreign-stack');
    Object.defineProperty(foreign, Symbol.for('cdktf/TerraformStack'), { value: true });
    const error = thrown(() => new OrgUnit(foreign, 'Sales', { name: 'Sales' }));
    expect(error.code).toBe(ErrorCodes.FRAMEWORK_UNAVAILABLE);
    expect(error.message).toContain("its stack 'foreign-stack' comes from a copy of cdktf or cdktn other than the one");
    expect(error.message).toContain('npm ls cdktf cdktn constructs');
  });

  test('a stack of the framework is found from any depth, and the stack is the nearest one', () => {
    const app = new App({ outdir: tempDir('mailpolicy-frameworks-nested-') });
    const stack = new TerraformStack(app, 'mail');
    const deep = new Construct(new Construct(stack, 'A'), 'B');
    const policy = new MailPolicy(deep, 'MailPolicy', { domains: ['example.com'] });
    expect(policy.toManifest().stack).toBe('mail');
  });
});

/**
 * The built package copied into a folder whose node_modules holds every dependency of this repository but the
 * frameworks (plus `extra`), so `require('cdktf')` from the package finds nothing, as in a user's repo.
 */
function packageWithout(extra: readonly string[]): string {
  const dir = tempDir('mailpolicy-frameworks-pkg-');
  cpSync(join(REPO_ROOT, 'dist'), join(dir, 'dist'), { recursive: true, filter: (f) => !/\.(map|d\.ts)$/.test(f) });
  writeFileSync(join(dir, 'package.json'), readFileSync(join(REPO_ROOT, 'package.json')));
  mkdirSync(join(dir, 'node_modules'));
  const skipped = new Set(['.bin', 'cdktf', 'cdktn', '@cdktf', '@cdktn']);
  for (const name of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (!skipped.has(name)) symlinkSync(join(REPO_ROOT, 'node_modules', name), join(dir, 'node_modules', name));
  }
  for (const name of extra) symlinkSync(join(REPO_ROOT, 'node_modules', name), join(dir, 'node_modules', name));
  return dir;
}

describe('installs with one framework or none', () => {
  test('with only cdktn installed (no cdktf anywhere), a cdktn app synthesises', () => {
    const dir = packageWithout(['cdktn']);
    const main = [
      "const { App, TerraformStack } = require('cdktn');",
      "const { MailPolicy, OrgUnit } = require('./dist');",
      "const app = new App({ outdir: 'out' });",
      "const stack = new TerraformStack(app, 'mail');",
      "const policy = new MailPolicy(stack, 'MailPolicy', { domains: ['example.com'] });",
      "new OrgUnit(policy, 'Sales', { name: 'Sales' });",
      'app.synth();',
      "try { require.resolve('cdktf'); console.log('cdktf resolvable'); } catch { console.log('no cdktf'); }",
    ].join('\n');
    writeFileSync(join(dir, 'main.js'), main);
    const result = run(['main.js'], dir);
    expect(`exit ${result.code}\n${result.output}`).toMatch(/^exit 0\nno cdktf/);
    const tf = readFileSync(join(dir, 'out', 'stacks', 'mail', 'cdk.tf.json'), 'utf8');
    expect(applyResourceOf(tf).provisioner[0]['local-exec'].command).toContain('mailpolicy apply');
    expect(JSON.parse(readFileSync(join(dir, 'out', 'stacks', 'mail', 'mail-policy.json'), 'utf8'))).toMatchObject({
      orgUnits: [expect.objectContaining({ path: '/Sales' })],
    });
  });

  test('with neither framework installed, MP1400 says which to install', () => {
    const dir = packageWithout([]);
    const main = [
      "const { Construct } = require('constructs');",
      "const { MailPolicy } = require('./dist');",
      "const scope = new Construct(undefined, '');",
      "try { new MailPolicy(scope, 'MailPolicy', { domains: ['example.com'] }); } catch (e) { console.log(e.format()); process.exit(1); }",
    ].join('\n');
    writeFileSync(join(dir, 'main.js'), main);
    const result = run(['main.js'], dir);
    expect(result.code).toBe(1);
    expect(result.output).toContain('[MP1400]');
    expect(result.output).toContain('found neither cdktf nor cdktn (CDK Terrain) installed');
    expect(result.output).toContain('npm install cdktf@0.21 constructs@10.7 (or cdktn@0.24 constructs@10.7)');
  });
});
