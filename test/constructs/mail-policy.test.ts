import { Testing, TerraformStack } from 'cdktf';

import { MailPolicy, OrgUnit, OutboundGatewayPolicy, SendAsIdentity, User } from '../../lib/constructs';

import { TEST_FINGERPRINT_KEY, applyResourceOf, partnerIdentity, scenario, smtp, synthError } from './support';

beforeAll(() => {
  process.env.MAILPOLICY_FINGERPRINT_KEY = TEST_FINGERPRINT_KEY;
});

describe('MailPolicy', () => {
  test('a valid policy synthesises a terraform_data that runs mailpolicy apply with the manifest path in its environment, and no provider', () => {
    const s = scenario();
    partnerIdentity(s);
    const synthesized = Testing.synth(s.stack, true);
    const resource = applyResourceOf(synthesized);
    const exec = resource.provisioner[0]['local-exec'];
    expect(exec.command).toBe('npx --no-install mailpolicy apply --manifest "$MAILPOLICY_MANIFEST" --auto-approve');
    expect(exec.environment).toEqual({ MAILPOLICY_MANIFEST: 'mail-policy.json', MAILPOLICY_STACK: 'mail' });
    expect(exec.working_dir).toBe('${path.module}');
    expect(resource.triggers_replace.manifest_sha256).toMatch(/^[0-9a-f]{64}$/);
    // terraform_data is built into Terraform: no provider block, nothing for `terraform init` to download.
    expect(JSON.parse(synthesized).provider).toBeUndefined();
    expect(JSON.parse(synthesized).terraform?.required_providers).toBeUndefined();
  });

  test('constructs may live anywhere in the stack, not only under the MailPolicy', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'mail');
    const policy = new MailPolicy(stack, 'MailPolicy', { domains: ['example.com'] });
    const ou = new OrgUnit(stack, 'Partners', { name: 'Partners' });
    new OutboundGatewayPolicy(stack, 'Gateway', { orgUnit: ou, allowPerUserOutboundGateways: true });
    const user = User.fromEmail(stack, 'User', 'USER@Example.com', { orgUnit: ou });
    new SendAsIdentity(stack, 'Partner', { user, sendAsEmail: 'Partner@PartnerDomain.com', smtp: smtp() });
    expect(() => Testing.synth(stack, true)).not.toThrow();
    const manifest = policy.toManifest();
    expect(manifest.orgUnits.map((o) => o.path)).toEqual(['/Partners']);
    expect(manifest.sendAs[0]).toMatchObject({
      userEmail: 'user@example.com',
      sendAsEmail: 'partner@partnerdomain.com',
      constructPath: 'mail/Partner',
    });
  });

  test('customerId defaults to my_customer and ownSendAsOf/acknowledge land in the manifest', () => {
    const s = scenario();
    partnerIdentity(s);
    s.policy.ownSendAsOf(s.partners);
    s.policy.ownSendAsOf(s.user);
    s.policy.acknowledge('MPR-SMTP-PORT-MODE', 'the partner server is odd', 'sendAs:a@b.com/c@d.com');
    const m = s.policy.toManifest();
    expect(m.customerId).toBe('my_customer');
    expect(m.ownership).toEqual([
      { kind: 'orgUnit', orgUnitPath: '/Sales/Partners', constructPath: 'mail/MailPolicy/Partners' },
      { kind: 'user', email: 'user@example.com', constructPath: 'mail/MailPolicy/User' },
    ]);
    expect(m.acknowledgements).toEqual([
      { ruleId: 'MPR-SMTP-PORT-MODE', reason: 'the partner server is odd', subject: 'sendAs:a@b.com/c@d.com' },
    ]);
  });

  test('fails when a stack with mail constructs has no MailPolicy', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'lonely');
    new OrgUnit(stack, 'Partners', { name: 'Partners' });
    expect(synthError(stack)).toMatch(
      /OrgUnit lonely\/Partners needs exactly one MailPolicy in its stack 'lonely' \(found none\)/,
    );
  });

  test('fails when a stack has two MailPolicy constructs', () => {
    const s = scenario();
    new MailPolicy(s.stack, 'Second', { domains: ['example.com'] });
    expect(synthError(s.stack)).toMatch(/stack 'mail' has 2 MailPolicy constructs \(mail\/MailPolicy, mail\/Second\)/);
    expect(() => MailPolicy.of(s.stack)).toThrow(/exactly one is allowed/);
  });

  test('MailPolicy.of finds the single policy of the stack', () => {
    const s = scenario();
    expect(MailPolicy.of(s.partners)).toBe(s.policy);
    expect(MailPolicy.isMailPolicy(s.policy)).toBe(true);
    expect(MailPolicy.isMailPolicy(s.partners)).toBe(false);
  });

  test('fails when ownSendAsOf receives something that is neither an OU nor a user', () => {
    const s = scenario();
    expect(() => s.policy.ownSendAsOf(s.stack as never)).toThrow(/ownSendAsOf: expected an OrgUnit .* or a User/);
  });

  test('OrgUnit.fromPath("/") refers to the root without declaring it', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'mail');
    const policy = new MailPolicy(stack, 'MailPolicy', { domains: ['example.com'] });
    const root = OrgUnit.fromPath(policy, 'Root', '/');
    new OutboundGatewayPolicy(policy, 'Gateway', { orgUnit: root, allowPerUserOutboundGateways: false });
    expect(() => Testing.synth(stack, true)).not.toThrow();
    expect(policy.toManifest().orgUnits).toEqual([]);
  });
});
