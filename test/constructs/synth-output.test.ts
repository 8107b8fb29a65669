import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { App } from 'cdktf';

import { parseManifest } from '../../lib/model';

import { TEST_FINGERPRINT_KEY, applyResourceOf, partnerIdentity, scenario } from './support';

const CANARY = 'canary-S3cr3t-value-9f8e7d';
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailpolicy-synth-'));
  dirs.push(dir);
  return dir;
}

function synthScenario(outdir: string): void {
  const s = scenario(new App({ outdir }));
  partnerIdentity(s);
  s.app.synth();
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

beforeEach(() => {
  process.env.MAILPOLICY_FINGERPRINT_KEY = TEST_FINGERPRINT_KEY;
  process.env.PARTNER_SMTP_PASSWORD = CANARY;
});

afterAll(() => {
  delete process.env.PARTNER_SMTP_PASSWORD;
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('synth output', () => {
  test('writes mail-policy.json beside cdk.tf.json, and the terraform_data is replaced on its sha256', () => {
    const outdir = tempDir();
    synthScenario(outdir);
    const stackDir = join(outdir, 'stacks', 'mail');
    const json = readFileSync(join(stackDir, 'mail-policy.json'), 'utf8');
    expect(json.endsWith('}\n')).toBe(true);
    const manifest = parseManifest(JSON.parse(json));
    expect(manifest.sendAs[0].smtp?.password).toEqual({
      ref: 'env:PARTNER_SMTP_PASSWORD',
      fingerprint: expect.stringMatching(/^hmac-sha256:[0-9a-f]{8}:[0-9a-f]{64}$/),
    });
    const resource = applyResourceOf(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'));
    expect(resource.triggers_replace.manifest_sha256).toBe(createHash('sha256').update(json).digest('hex'));
    expect(resource.triggers_replace['secret user@example.com/user.name@partnerdomain.com password']).toBe(
      manifest.sendAs[0].smtp?.password.fingerprint,
    );
    expect(resource.provisioner[0]['local-exec'].environment.MAILPOLICY_MANIFEST).toBe('mail-policy.json');
  });

  test('keys are sorted and the output is byte-identical across runs', () => {
    const a = tempDir();
    const b = tempDir();
    synthScenario(a);
    synthScenario(b);
    for (const file of ['mail-policy.json', 'cdk.tf.json']) {
      expect(readFileSync(join(a, 'stacks', 'mail', file))).toEqual(readFileSync(join(b, 'stacks', 'mail', file)));
    }
    const manifest = JSON.parse(readFileSync(join(a, 'stacks', 'mail', 'mail-policy.json'), 'utf8'));
    expect(Object.keys(manifest)).toEqual([...Object.keys(manifest)].sort());
  });

  test('a secret in the environment never appears in any file under the output folder', () => {
    const outdir = tempDir();
    synthScenario(outdir);
    const files = filesUnder(outdir);
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) expect(readFileSync(file, 'utf8')).not.toContain(CANARY);
  });

  test('a secret that does not resolve at synth is fine: no fingerprint, no trigger', () => {
    delete process.env.PARTNER_SMTP_PASSWORD;
    const outdir = tempDir();
    synthScenario(outdir);
    const manifest = JSON.parse(readFileSync(join(outdir, 'stacks', 'mail', 'mail-policy.json'), 'utf8'));
    expect(manifest.sendAs[0].smtp.password).toEqual({ ref: 'env:PARTNER_SMTP_PASSWORD' });
    const resource = applyResourceOf(readFileSync(join(outdir, 'stacks', 'mail', 'cdk.tf.json'), 'utf8'));
    expect(Object.keys(resource.triggers_replace)).toEqual(['manifest_sha256']);
  });

  test('a changed secret changes the manifest sha256 (apply re-runs)', () => {
    const a = tempDir();
    synthScenario(a);
    process.env.PARTNER_SMTP_PASSWORD = `${CANARY}-rotated`;
    const b = tempDir();
    synthScenario(b);
    const sha = (dir: string) =>
      applyResourceOf(readFileSync(join(dir, 'stacks', 'mail', 'cdk.tf.json'), 'utf8')).triggers_replace
        .manifest_sha256;
    expect(sha(a)).not.toBe(sha(b));
  });
});
