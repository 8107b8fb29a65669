import { App, Testing, TerraformStack } from 'cdktf';

import {
  MailPolicy,
  OrgUnit,
  OutboundGatewayPolicy,
  Secret,
  SecurityMode,
  SendAsIdentity,
  User,
} from '../../lib/constructs';

import { TEST_FINGERPRINT_KEY, partnerIdentity, re, scenario, smtp, synthError } from './support';

beforeAll(() => {
  process.env.MAILPOLICY_FINGERPRINT_KEY = TEST_FINGERPRINT_KEY;
});

/** Asserts the synth error names the construct path, the field, the value and the rule code. */
function expectProblem(message: string, path: string, field: string, value: unknown, code: string): void {
  expect(message).toMatch(re(`${path}: ${field}: `));
  expect(message).toMatch(re(`(received ${JSON.stringify(value)}; allowed: `));
  expect(message).toMatch(re(`[${code}]`));
  expect(message).toMatch(/\[MP1000\]/);
}

describe('validation at synth', () => {
  test('fails with every problem of every construct listed in one error', () => {
    const s = scenario();
    new SendAsIdentity(s.policy, 'A', {
      user: s.user,
      sendAsEmail: 'not-an-address',
      smtp: smtp({ port: 70000, host: 'https://smtp.partnerdomain.com' }),
    });
    new OrgUnit(s.policy, 'Bad', { name: 'a/b' });
    const message = synthError(s.stack);
    expect(message).toMatch(/has 4 problems/);
    expectProblem(message, 'mail/MailPolicy/A', 'sendAsEmail', 'not-an-address', 'MPV-EMAIL');
    expectProblem(message, 'mail/MailPolicy/A', 'smtp.port', 70000, 'MPV-SMTP-PORT');
    expectProblem(message, 'mail/MailPolicy/A', 'smtp.host', 'https://smtp.partnerdomain.com', 'MPV-SMTP-HOST');
    expectProblem(message, 'mail/MailPolicy/Bad', 'name', 'a/b', 'MPV-OU-NAME');
  });

  test('fails on an invalid user email', () => {
    const s = scenario();
    User.fromEmail(s.policy, 'Broken', 'user@@example.com');
    expectProblem(synthError(s.stack), 'mail/MailPolicy/Broken', 'email', 'user@@example.com', 'MPV-EMAIL');
  });

  test('emails are normalised to lower case, so differently cased duplicates clash', () => {
    const s = scenario();
    partnerIdentity(s);
    new SendAsIdentity(s.policy, 'Again', { user: s.user, sendAsEmail: 'User.Name@PartnerDomain.com', smtp: smtp() });
    expectProblem(
      synthError(s.stack),
      'mail/MailPolicy/Again',
      'sendAsEmail',
      'user.name@partnerdomain.com',
      'MPV-SENDAS-DUPLICATE',
    );
  });

  test('fails on an empty domain list', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'mail');
    new MailPolicy(stack, 'MailPolicy', { domains: [] });
    expect(synthError(stack)).toMatch(re('$.domains: domains: no customer domain given (received []'));
  });

  test('fails on an invalid domain', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'mail');
    new MailPolicy(stack, 'MailPolicy', { domains: ['example.com', 'not a domain'] });
    expect(synthError(stack)).toMatch(re('$.domains[1]: domains[1]: not a valid domain name (received "not a domain"'));
  });

  test('fails on an empty OU name', () => {
    const s = scenario();
    new OrgUnit(s.policy, 'Empty', { name: '' });
    expectProblem(synthError(s.stack), 'mail/MailPolicy/Empty', 'name', '', 'MPV-OU-NAME');
  });

  test('fails on an OU name longer than 60 characters', () => {
    const s = scenario();
    const name = 'x'.repeat(61);
    new OrgUnit(s.policy, 'Long', { name });
    expectProblem(synthError(s.stack), 'mail/MailPolicy/Long', 'name', name, 'MPV-OU-NAME');
  });

  test('fails on sibling OUs whose names differ only in case', () => {
    const s = scenario();
    new OrgUnit(s.policy, 'Twin', { name: 'partners', parent: OrgUnit.fromPath(s.policy, 'Sales2', '/Sales') });
    const message = synthError(s.stack);
    expect(message).toMatch(/MPV-OU-DUPLICATE/);
    expect(message).toMatch(/clashes with "\/Sales\/Partners"/);
  });

  test('fails on an OU nested deeper than 35 levels', () => {
    const s = scenario();
    let parent = new OrgUnit(s.policy, 'L1', { name: 'L1' });
    for (let i = 2; i <= 36; i++) parent = new OrgUnit(s.policy, `L${i}`, { name: `L${i}`, parent });
    const message = synthError(s.stack);
    expect(message).toMatch(re('mail/MailPolicy/L36: path: OU nested 36 levels deep'));
    expect(message).toMatch(/MPV-OU-DEPTH/);
  });

  test('fails when an OU parent is not declared in the stack', () => {
    const app = Testing.app();
    const other = new TerraformStack(app, 'other');
    new MailPolicy(other, 'MailPolicy', { domains: ['example.com'] });
    const elsewhere = OrgUnit.fromPath(other, 'Elsewhere', '/Elsewhere');
    const s = scenario(app);
    new OrgUnit(s.policy, 'Child', { name: 'Child', parent: elsewhere });
    expectProblem(synthError(s.stack), 'mail/MailPolicy/Child', 'parentPath', '/Elsewhere', 'MPV-OU-PARENT');
  });

  test('fails on a malformed movedFrom', () => {
    const s = scenario();
    new OrgUnit(s.policy, 'Moved', { name: 'Moved', movedFrom: 'Old' });
    expectProblem(synthError(s.stack), 'mail/MailPolicy/Moved', 'movedFrom', 'Old', 'MPV-OU-PATH');
  });

  test('fails on a malformed OrgUnit.fromPath path', () => {
    const s = scenario();
    OrgUnit.fromPath(s.policy, 'Odd', 'Sales//X');
    expectProblem(synthError(s.stack), 'mail/MailPolicy/Odd', 'path', 'Sales//X', 'MPV-OU-PATH');
  });

  test('fails on a port outside 1–65535 or not an integer', () => {
    const s = scenario();
    new SendAsIdentity(s.policy, 'P', { user: s.user, sendAsEmail: 'p@partnerdomain.com', smtp: smtp({ port: 0 }) });
    new SendAsIdentity(s.policy, 'Q', { user: s.user, sendAsEmail: 'q@partnerdomain.com', smtp: smtp({ port: 58.5 }) });
    const message = synthError(s.stack);
    expectProblem(message, 'mail/MailPolicy/P', 'smtp.port', 0, 'MPV-SMTP-PORT');
    expectProblem(message, 'mail/MailPolicy/Q', 'smtp.port', 58.5, 'MPV-SMTP-PORT');
  });

  test.each(['smtp.partner.com; rm -rf /', 'smtp partner.com', 'smtp://x.com', 'x.com:587', '$(whoami).com', ''])(
    'fails on the host %j',
    (host) => {
      const s = scenario();
      new SendAsIdentity(s.policy, 'H', { user: s.user, sendAsEmail: 'h@partnerdomain.com', smtp: smtp({ host }) });
      expectProblem(synthError(s.stack), 'mail/MailPolicy/H', 'smtp.host', host, 'MPV-SMTP-HOST');
    },
  );

  test('accepts IP literals as hosts', () => {
    const s = scenario();
    new SendAsIdentity(s.policy, 'V4', {
      user: s.user,
      sendAsEmail: 'a@partnerdomain.com',
      smtp: smtp({ host: '127.0.0.1' }),
    });
    new SendAsIdentity(s.policy, 'V6', {
      user: s.user,
      sendAsEmail: 'b@partnerdomain.com',
      smtp: smtp({ host: '::1' }),
    });
    expect(() => Testing.synth(s.stack, true)).not.toThrow();
  });

  test('fails on securityMode NONE on a port other than 25', () => {
    const s = scenario();
    new SendAsIdentity(s.policy, 'N', {
      user: s.user,
      sendAsEmail: 'n@partnerdomain.com',
      smtp: smtp({ securityMode: SecurityMode.NONE, port: 587 }),
    });
    expectProblem(synthError(s.stack), 'mail/MailPolicy/N', 'smtp.securityMode', 'none', 'MPV-SMTP-NONE-PORT');
  });

  test('fails on two defaults for one user', () => {
    const s = scenario();
    s.policy.acknowledge('MPR-EXTERNAL-WITHOUT-SMTP', 'test');
    new SendAsIdentity(s.policy, 'D1', { user: s.user, sendAsEmail: 'd1@example.com', isDefault: true });
    new SendAsIdentity(s.policy, 'D2', { user: s.user, sendAsEmail: 'd2@example.com', isDefault: true });
    partnerIdentity(s);
    expectProblem(synthError(s.stack), 'mail/MailPolicy/D2', 'isDefault', true, 'MPV-SENDAS-DEFAULT-MULTIPLE');
  });

  test("fails on a signature longer than Gmail's 10,000 characters, and takes one at the limit", () => {
    const s = scenario();
    partnerIdentity(s);
    new SendAsIdentity(s.policy, 'Long', {
      user: s.user,
      sendAsEmail: 'long@example.com',
      signature: `<p>${'x'.repeat(9_993)}</p>`,
    });
    expect(() => Testing.synth(s.stack, true)).not.toThrow();
    new SendAsIdentity(s.policy, 'TooLong', {
      user: s.user,
      sendAsEmail: 'toolong@example.com',
      signature: `<p>${'x'.repeat(9_994)}</p>`,
    });
    const message = synthError(s.stack);
    expect(message).toMatch(re('mail/MailPolicy/TooLong: signature: '));
    expect(message).toMatch(re('(10,001 characters)'));
    expect(message).toMatch(re('allowed: at most 10,000 characters of HTML'));
    expect(message).toMatch(re('[MPV-SIGNATURE-LENGTH]'));
    expect(message).not.toMatch(/MailPolicy\/Long:/);
  });

  test('fails on isDefault: false, which Gmail cannot write', () => {
    const s = scenario();
    partnerIdentity(s);
    new SendAsIdentity(s.policy, 'F', { user: s.user, sendAsEmail: 'f@example.com', isDefault: false });
    const message = synthError(s.stack);
    expectProblem(message, 'mail/MailPolicy/F', 'isDefault', false, 'MPV-SENDAS-DEFAULT-FALSE');
    expect(message).toMatch(/make another identity the default instead/);
  });

  test("fails on an SMTP endpoint for an address inside the customer's domains", () => {
    const s = scenario();
    partnerIdentity(s);
    new SendAsIdentity(s.policy, 'Inside', { user: s.user, sendAsEmail: 'team@example.com', smtp: smtp() });
    expectProblem(
      synthError(s.stack),
      'mail/MailPolicy/Inside',
      'smtp',
      'team@example.com',
      'MPV-SMTP-INTERNAL-ADDRESS',
    );
  });

  test('fails on an SMTP endpoint for a user whose OU does not allow gateways after inheritance', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'mail');
    const policy = new MailPolicy(stack, 'MailPolicy', { domains: ['example.com'] });
    const sales = new OrgUnit(policy, 'Sales', { name: 'Sales' });
    const emea = new OrgUnit(policy, 'Emea', { name: 'Emea', parent: sales });
    new OutboundGatewayPolicy(policy, 'SalesGateway', { orgUnit: sales, allowPerUserOutboundGateways: false });
    const user = User.fromEmail(policy, 'User', 'user@example.com', { orgUnit: emea });
    new SendAsIdentity(policy, 'Partner', { user, sendAsEmail: 'p@partnerdomain.com', smtp: smtp() });
    const message = synthError(stack);
    expectProblem(
      message,
      'mail/MailPolicy/Partner',
      'smtp',
      'user@example.com in /Sales/Emea',
      'MPV-SMTP-GATEWAY-NOT-ALLOWED',
    );
    expect(message).toMatch(/the OutboundGatewayPolicy on \/Sales forbids it/);
  });

  test('fails on an SMTP endpoint for a placed user when no policy allows gateways (Google default)', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'mail');
    const policy = new MailPolicy(stack, 'MailPolicy', { domains: ['example.com'] });
    const user = User.fromEmail(policy, 'User', 'user@example.com', {
      orgUnit: new OrgUnit(policy, 'Ou', { name: 'Ou' }),
    });
    new SendAsIdentity(policy, 'Partner', { user, sendAsEmail: 'p@partnerdomain.com', smtp: smtp() });
    expect(synthError(stack)).toMatch(/Google's default: not allowed/);
  });

  test('fails on a malformed secret reference and never prints a plain password', () => {
    const s = scenario();
    new SendAsIdentity(s.policy, 'S', {
      user: s.user,
      sendAsEmail: 's@partnerdomain.com',
      smtp: smtp({ password: Secret.fromEnv('1-bad name') }),
    });
    new SendAsIdentity(s.policy, 'Plain', {
      user: s.user,
      sendAsEmail: 'plain@partnerdomain.com',
      smtp: smtp({ password: 'hunter2-plain' as unknown as Secret }),
    });
    const message = synthError(s.stack);
    expectProblem(message, 'mail/MailPolicy/S', 'smtp.password', 'env:1-bad name', 'MPV-SECRET-REF');
    expect(message).toMatch(
      re('mail/MailPolicy/Plain: smtp.password: malformed secret reference (received "(not a Secret'),
    );
    expect(message).not.toMatch(/hunter2/);
  });

  test('fails when a gateway policy, a user placement or an ownership scope refers to an undeclared OU', () => {
    const app = Testing.app();
    const other = new TerraformStack(app, 'other');
    new MailPolicy(other, 'MailPolicy', { domains: ['example.com'] });
    const foreign = OrgUnit.fromPath(other, 'Foreign', '/Foreign');
    const s = scenario(app);
    new OutboundGatewayPolicy(s.policy, 'G', { orgUnit: foreign, allowPerUserOutboundGateways: false });
    User.fromEmail(s.policy, 'Placed', 'placed@example.com', { orgUnit: foreign });
    s.policy.ownSendAsOf(foreign);
    const message = synthError(s.stack);
    expectProblem(message, 'mail/MailPolicy/G', 'orgUnitPath', '/Foreign', 'MPV-OU-UNDECLARED');
    expectProblem(message, 'mail/MailPolicy/Placed', 'orgUnitPath', '/Foreign', 'MPV-OU-UNDECLARED');
    expectProblem(message, 'other/Foreign', 'orgUnitPath', '/Foreign', 'MPV-OU-UNDECLARED');
  });

  test('fails on two gateway policies for one OU', () => {
    const s = scenario();
    partnerIdentity(s);
    new OutboundGatewayPolicy(s.policy, 'Again', { orgUnit: s.partners, allowPerUserOutboundGateways: true });
    expectProblem(
      synthError(s.stack),
      'mail/MailPolicy/Again',
      'orgUnitPath',
      '/Sales/Partners',
      'MPV-GATEWAY-DUPLICATE',
    );
  });

  test('fails when one user is placed in two different OUs', () => {
    const s = scenario();
    partnerIdentity(s);
    User.fromEmail(s.policy, 'Again', 'user@example.com', { orgUnit: OrgUnit.fromPath(s.policy, 'Sales2', '/Sales') });
    expectProblem(synthError(s.stack), 'mail/MailPolicy/Again', 'email', 'user@example.com', 'MPV-USER-DUPLICATE');
  });

  test('referencing one user twice without conflicting placements is fine', () => {
    const s = scenario();
    partnerIdentity(s);
    User.fromEmail(s.policy, 'Again', 'user@example.com');
    expect(() => Testing.synth(s.stack, true)).not.toThrow();
    expect(s.policy.toManifest().users).toHaveLength(1);
  });

  test('fails on an acknowledgement without a reason or with a bad rule id', () => {
    const s = scenario();
    partnerIdentity(s);
    s.policy.acknowledge('gateway-at-root', ' ');
    const message = synthError(s.stack);
    expect(message).toMatch(re('$.acknowledgements[0].ruleId: ruleId: not a rule id (received "gateway-at-root"'));
    expect(message).toMatch(re('$.acknowledgements[0].reason: reason: acknowledgement without a reason'));
  });

  test('fails when two stacks of one app declare the same objects', () => {
    const app = new App({ outdir: '/tmp/unused-cdktf-out' });
    const a = scenario(app, 'a');
    partnerIdentity(a);
    const b = scenario(app, 'b');
    partnerIdentity(b);
    const message = synthError(b.stack);
    expect(message).toMatch(/\[MP1200\] stack 'b' declares 4 objects that another stack also declares/);
    expect(message).toMatch(
      re(
        `b/MailPolicy/Partners: path: the OU "/Sales/Partners" is also declared by stack 'a' at a/MailPolicy/Partners`,
      ),
    );
    expect(message).toMatch(
      re('b/MailPolicy/Gateway: orgUnitPath: the gateway policy of "/Sales/Partners" is also declared by stack \'a\''),
    );
    expect(message).toMatch(re('b/MailPolicy/User: orgUnitPath: the OU placement of "user@example.com"'));
    expect(message).toMatch(
      re('b/MailPolicy/Partner: sendAsEmail: the send-as identity of user@example.com: "user.name@partnerdomain.com"'),
    );
  });

  test('fails with structural errors naming path and field when plain JavaScript passes wrong types', () => {
    const s = scenario();
    new SendAsIdentity(s.policy, 'Typed', {
      user: s.user,
      sendAsEmail: 'typed@partnerdomain.com',
      smtp: smtp({ port: '587' as unknown as number, securityMode: 'tls' as SecurityMode }),
    });
    const message = synthError(s.stack);
    expect(message).toMatch(re('mail/MailPolicy/Typed: smtp.port: '));
    expect(message).toMatch(re('received "587"; allowed: a value of type number'));
    expect(message).toMatch(re('mail/MailPolicy/Typed: smtp.securityMode: '));
    expect(message).toMatch(re('received "tls"'));
  });
});
