import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The example imports the package by name ('workspace-mail-policy' → lib/index.ts, mapped in jest.config.js).
import { partnerGatewayApp } from '../../examples/partner-gateway/main';
import { parseManifest } from '../../lib/model';

import { TEST_FINGERPRINT_KEY } from './support';

const CANARY = 'canary-example-S3cr3t-4c3b2a';
let outdir: string;

beforeAll(() => {
  process.env.MAILPOLICY_FINGERPRINT_KEY = TEST_FINGERPRINT_KEY;
  process.env.PARTNER_SMTP_PASSWORD = CANARY;
  outdir = mkdtempSync(join(tmpdir(), 'mailpolicy-example-'));
});

afterAll(() => {
  delete process.env.PARTNER_SMTP_PASSWORD;
  rmSync(outdir, { recursive: true, force: true });
});

describe('examples/partner-gateway', () => {
  test('synthesising examples/partner-gateway writes both files', () => {
    partnerGatewayApp(outdir, { PARTNER_SMTP_HOST: '127.0.0.1', PARTNER_SMTP_PORT: '2587' }).synth();
    const stackDir = join(outdir, 'stacks', 'partner-gateway');
    const manifest = parseManifest(JSON.parse(readFileSync(join(stackDir, 'mail-policy.json'), 'utf8')));
    expect(manifest.domains).toEqual(['example.com']);
    expect(manifest.gatewayPolicies).toEqual([
      expect.objectContaining({ orgUnitPath: '/Sales/Partners', allowPerUserOutboundGateways: true }),
    ]);
    expect(manifest.users).toEqual([
      expect.objectContaining({ email: 'user@example.com', orgUnitPath: '/Sales/Partners' }),
    ]);
    expect(manifest.sendAs[0]).toMatchObject({
      sendAsEmail: 'user.name@partnerdomain.com',
      smtp: { host: '127.0.0.1', port: 2587, securityMode: 'starttls', username: 'user.name@partnerdomain.com' },
    });
    const tf = readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8');
    expect(tf).toContain('mailpolicy apply --manifest \\"$MAILPOLICY_MANIFEST\\" --auto-approve');
    expect(tf).not.toContain(CANARY);
  });
});
