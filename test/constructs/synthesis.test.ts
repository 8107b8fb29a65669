/**
 * One synth builds each stack's manifest once (validation, the terraform_data's triggers and mail-policy.json
 * share it), finds objects declared by two stacks across the whole app, notices a tree changed by an aspect,
 * and caches nothing beyond the synth. A failed `app.synth()` raises one MailPolicyError listing every problem.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { App, Aspects, TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';

import { MailPolicy, OrgUnit, Secret, SendAsIdentity, User, type SmtpEndpointProps } from '../../lib/constructs';
import { MailPolicyError, parseManifest, type Manifest } from '../../lib/model';

import { TEST_FINGERPRINT_KEY, applyResourceOf, partnerIdentity, scenario, smtp } from './support';

const dirs: string[] = [];

function outdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailpolicy-synthesis-'));
  dirs.push(dir);
  return dir;
}

function written(dir: string, stack: string): Manifest {
  return parseManifest(JSON.parse(readFileSync(join(dir, 'stacks', stack, 'mail-policy.json'), 'utf8')));
}

/** An SMTP endpoint that counts how often its host is read: once per manifest built. */
function countingSmtp(counter: { reads: number }): SmtpEndpointProps {
  const base = smtp();
  return {
    ...base,
    get host() {
      counter.reads++;
      return base.host;
    },
  };
}

beforeEach(() => {
  process.env.MAILPOLICY_FINGERPRINT_KEY = TEST_FINGERPRINT_KEY;
  process.env.PARTNER_SMTP_PASSWORD = 'synthesis-test-password';
});

afterAll(() => {
  delete process.env.PARTNER_SMTP_PASSWORD;
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('one synth', () => {
  test("builds the stack's manifest once for validation, triggers and mail-policy.json", () => {
    const dir = outdir();
    const s = scenario(new App({ outdir: dir }));
    const counter = { reads: 0 };
    new SendAsIdentity(s.policy, 'Partner', {
      user: s.user,
      sendAsEmail: 'user.name@partnerdomain.com',
      smtp: countingSmtp(counter),
    });
    s.app.synth();
    expect(counter.reads).toBe(1);
    const manifest = written(dir, 'mail');
    expect(manifest.sendAs[0].smtp?.password.fingerprint).toMatch(/^hmac-sha256:/);
    const tf = applyResourceOf(readFileSync(join(dir, 'stacks', 'mail', 'cdk.tf.json'), 'utf8'));
    expect(tf.triggers_replace['secret user@example.com/user.name@partnerdomain.com password']).toBe(
      manifest.sendAs[0].smtp?.password.fingerprint,
    );
  });

  test('builds every stack once although each is checked against all the others', () => {
    const app = new App({ outdir: outdir() });
    const counters = [0, 1, 2].map((i) => {
      const s = scenario(app, `team${i}`);
      const counter = { reads: 0 };
      // Different OUs and users per stack, so that nothing is declared twice.
      const ou = new OrgUnit(s.policy, 'Own', { name: `Own${i}`, parent: s.partners });
      const user = User.fromEmail(s.policy, 'Member', `member${i}@example.com`, { orgUnit: ou });
      new SendAsIdentity(s.policy, 'Partner', {
        user,
        sendAsEmail: `p${i}@partnerdomain.com`,
        smtp: countingSmtp(counter),
      });
      return counter;
    });
    // The scenario's shared /Sales/Partners and user@example.com are declared by all three stacks.
    expect(() => app.synth()).toThrow(/\[MP1200\] stack 'team0' declares 3 objects that another stack also declares/);
    expect(counters.map((c) => c.reads)).toEqual([1, 1, 1]);
  });

  test('rebuilds a manifest read early for another stack when an aspect changed that stack', () => {
    const dir = outdir();
    const app = new App({ outdir: dir });
    const a = scenario(app, 'a');
    partnerIdentity(a);
    const b = new TerraformStack(app, 'b');
    const policy = new MailPolicy(b, 'MailPolicy', { domains: ['example.com'] });
    policy.acknowledge('MPR-EXTERNAL-WITHOUT-SMTP', 'test');
    const user = User.fromEmail(policy, 'Other', 'other@example.com');
    let added = false;
    Aspects.of(b).add({
      visit(node: IConstruct) {
        if (node !== b || added) return;
        added = true;
        new SendAsIdentity(policy, 'FromAspect', { user, sendAsEmail: 'aspect@partnerdomain.com' });
      },
    });
    app.synth();
    expect(written(dir, 'b').sendAs.map((s) => s.sendAsEmail)).toEqual(['aspect@partnerdomain.com']);
  });

  test('caches nothing beyond the synth: a second synth sees a rotated secret, toManifest sees new constructs', () => {
    const dir = outdir();
    const s = scenario(new App({ outdir: dir }));
    partnerIdentity(s);
    s.app.synth();
    const first = written(dir, 'mail').sendAs[0].smtp?.password.fingerprint;
    process.env.PARTNER_SMTP_PASSWORD = 'rotated';
    s.app.synth();
    expect(written(dir, 'mail').sendAs[0].smtp?.password.fingerprint).not.toBe(first);

    new SendAsIdentity(s.policy, 'Later', {
      user: s.user,
      sendAsEmail: 'later@partnerdomain.com',
      smtp: smtp({ password: Secret.fromEnv('PARTNER_SMTP_PASSWORD') }),
    });
    expect(s.policy.toManifest().sendAs.map((x) => x.sendAsEmail)).toContain('later@partnerdomain.com');
  });
});

describe('a failed app.synth()', () => {
  test('raises one MailPolicyError (MP1000) listing every problem under its construct', () => {
    const s = scenario(new App({ outdir: outdir() }));
    partnerIdentity(s);
    User.fromEmail(s.policy, 'Broken', 'user@@example.com');
    const lonely = new TerraformStack(s.app, 'lonely');
    new OrgUnit(lonely, 'Orphan', { name: 'Orphan' });
    let caught: unknown;
    try {
      s.app.synth();
    } catch (error) {
      caught = error;
    }
    expect(MailPolicyError.isMailPolicyError(caught)).toBe(true);
    const error = caught as MailPolicyError;
    expect(error.code).toBe('MP1000');
    expect(error.message).toMatch(/^synth of stacks 'mail', 'lonely' failed validation \(2 errors\):\n/);
    expect(error.message).toContain('- mail/MailPolicy: [MP1000] the mail policy of stack');
    expect(error.message).toContain('mail/MailPolicy/Broken: email: not a valid email address');
    expect(error.message).toContain('- lonely: [MP1000] OrgUnit lonely/Orphan needs exactly one MailPolicy');
    expect(error.details.problems).toEqual([
      expect.objectContaining({ stack: 'mail', constructPath: 'mail/MailPolicy' }),
      expect.objectContaining({ stack: 'lonely', constructPath: 'lonely' }),
    ]);
  });

  test('with several MailPolicy constructs in a stack, says so once', () => {
    const s = scenario(new App({ outdir: outdir() }));
    new MailPolicy(s.stack, 'Second', { domains: ['example.com'] });
    expect(() => s.app.synth()).toThrow(
      /\(1 error\):\n- mail: \[MP1000\] stack 'mail' has 2 MailPolicy constructs \(mail\/MailPolicy, mail\/Second\)/,
    );
  });
});
