import { Testing, TerraformStack } from 'cdktf';

import { MailPolicy, OrgUnit, OutboundGatewayPolicy, SecurityMode, SendAsIdentity, User } from '../../lib/constructs';

import { TEST_FINGERPRINT_KEY, partnerIdentity, re, scenario, smtp, synthError } from './support';

beforeAll(() => {
  process.env.MAILPOLICY_FINGERPRINT_KEY = TEST_FINGERPRINT_KEY;
});

describe('rule pack at synth', () => {
  test('fails when gateways are allowed at the root OU, citing SCuBA and suggesting the smallest OU', () => {
    const s = scenario();
    partnerIdentity(s);
    const root = OrgUnit.fromPath(s.policy, 'Root', '/');
    new OutboundGatewayPolicy(s.policy, 'RootGateway', { orgUnit: root, allowPerUserOutboundGateways: true });
    const message = synthError(s.stack);
    expect(message).toMatch(/\[MP1300\]/);
    expect(message).toMatch(re('WARNING MPR-GATEWAY-AT-ROOT mail/MailPolicy/RootGateway:'));
    expect(message).toMatch(/CISA SCuBA GWS\.GMAIL\.12\.1/);
    expect(message).toMatch(/allow it only on the smallest OU such as \/Sales\/Partners/);
    expect(message).toMatch(re("policy.acknowledge('MPR-GATEWAY-AT-ROOT', '<reason>', 'orgUnit:/')"));
  });

  test('fails on SMTP without TLS', () => {
    const s = scenario();
    new SendAsIdentity(s.policy, 'Clear', {
      user: s.user,
      sendAsEmail: 'clear@partnerdomain.com',
      smtp: smtp({ port: 25, securityMode: SecurityMode.NONE }),
    });
    const message = synthError(s.stack);
    expect(message).toMatch(
      re(
        'WARNING MPR-SMTP-NO-TLS mail/MailPolicy/Clear: clear@partnerdomain.com sends through smtp.partnerdomain.com:25 without TLS',
      ),
    );
    expect(message).toMatch(/Fix: use securityMode SecurityMode\.STARTTLS/);
  });

  test.each([
    [465, SecurityMode.STARTTLS, 'SecurityMode.SSL'],
    [587, SecurityMode.SSL, 'SecurityMode.STARTTLS'],
  ])('fails on the unusual pair port %d with %s', (port, securityMode, usual) => {
    const s = scenario();
    new SendAsIdentity(s.policy, 'Odd', {
      user: s.user,
      sendAsEmail: 'odd@partnerdomain.com',
      smtp: smtp({ port, securityMode }),
    });
    const message = synthError(s.stack);
    expect(message).toMatch(
      re(
        `WARNING MPR-SMTP-PORT-MODE mail/MailPolicy/Odd: odd@partnerdomain.com uses port ${port} with ${securityMode}`,
      ),
    );
    expect(message).toMatch(re(`Fix: use ${usual} on port ${port}`));
  });

  test('fails on an external address without an SMTP endpoint', () => {
    const s = scenario();
    partnerIdentity(s);
    new SendAsIdentity(s.policy, 'Bare', { user: s.user, sendAsEmail: 'bare@elsewhere.org' });
    const message = synthError(s.stack);
    expect(message).toMatch(
      re('WARNING MPR-EXTERNAL-WITHOUT-SMTP mail/MailPolicy/Bare: bare@elsewhere.org is outside example.com'),
    );
    expect(message).toMatch(/Custom from requires smtpMsa configuration/);
    expect(message).toMatch(/"bare@elsewhere\.org on behalf of user@example\.com"/);
  });

  test('fails on an OU that allows gateways when no identity under it needs one', () => {
    const s = scenario();
    const message = synthError(s.stack);
    expect(message).toMatch(
      re('WARNING MPR-GATEWAY-UNUSED mail/MailPolicy/Gateway: /Sales/Partners allows per-user outbound gateways'),
    );
  });

  test('an acknowledged warning no longer fails synth, and stays visible as acknowledged', () => {
    const s = scenario();
    s.policy.acknowledge('MPR-GATEWAY-UNUSED', 'identities live in the partner stack');
    expect(() => Testing.synth(s.stack, true)).not.toThrow();
  });

  test('an acknowledgement limited to another subject does not apply', () => {
    const s = scenario();
    s.policy.acknowledge('MPR-GATEWAY-UNUSED', 'only for /Other', 'orgUnit:/Other');
    expect(synthError(s.stack)).toMatch(/MPR-GATEWAY-UNUSED/);
  });

  test('a user without placement does not count as a gateway user', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'mail');
    const policy = new MailPolicy(stack, 'MailPolicy', { domains: ['example.com'] });
    new OutboundGatewayPolicy(policy, 'Gw', {
      orgUnit: new OrgUnit(policy, 'Ou', { name: 'Ou' }),
      allowPerUserOutboundGateways: true,
    });
    const user = User.fromEmail(policy, 'User', 'user@example.com');
    new SendAsIdentity(policy, 'Partner', { user, sendAsEmail: 'p@partnerdomain.com', smtp: smtp() });
    expect(synthError(stack)).toMatch(/MPR-GATEWAY-UNUSED/);
  });
});
