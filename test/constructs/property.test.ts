import { Testing, TerraformStack } from 'cdktf';
import fc from 'fast-check';

import {
  MailPolicy,
  OrgUnit,
  OutboundGatewayPolicy,
  Secret,
  SecurityMode,
  SendAsIdentity,
  User,
  type IOrgUnit,
} from '../../lib/constructs';
import { parseManifest } from '../../lib/model';

import { TEST_FINGERPRINT_KEY } from './support';

beforeAll(() => {
  process.env.MAILPOLICY_FINGERPRINT_KEY = TEST_FINGERPRINT_KEY;
});

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const email = fc.oneof(
  fc.tuple(label, fc.constantFrom('example.com', 'partnerdomain.com', 'EXAMPLE.com')).map(([l, d]) => `${l}@${d}`),
  fc.string(),
);
const ouName = fc.oneof(label, fc.string({ maxLength: 70 }), fc.constant('a/b'));
const props = fc.record({
  domains: fc.oneof(
    fc.constant<string[]>(['example.com']),
    fc.array(
      fc.oneof(
        label.map((l) => `${l}.com`),
        fc.string(),
      ),
      { maxLength: 3 },
    ),
  ),
  ous: fc.array(fc.record({ name: ouName, parentIndex: fc.nat(5), allow: fc.option(fc.boolean()) }), { maxLength: 5 }),
  users: fc.array(fc.record({ email, ouIndex: fc.option(fc.nat(5)) }), { minLength: 1, maxLength: 3 }),
  identities: fc.array(
    fc.record({
      userIndex: fc.nat(3),
      sendAsEmail: email,
      isDefault: fc.option(fc.boolean(), { nil: undefined }),
      smtp: fc.option(
        fc.record({
          host: fc.oneof(fc.constant('smtp.partnerdomain.com'), fc.constant('127.0.0.1'), fc.string()),
          port: fc.oneof(fc.constantFrom(25, 465, 587), fc.integer(), fc.double()),
          securityMode: fc.constantFrom(
            SecurityMode.SSL,
            SecurityMode.STARTTLS,
            SecurityMode.NONE,
            'bogus' as SecurityMode,
          ),
          username: fc.oneof(fc.string(), fc.constant(Secret.fromEnv('SMTP_USER'))),
          envName: fc.oneof(fc.constant('PARTNER_SMTP_PASSWORD'), fc.string()),
        }),
        { nil: undefined },
      ),
    }),
    { maxLength: 4 },
  ),
  acks: fc.array(
    fc.record({ ruleId: fc.constantFrom('MPR-GATEWAY-UNUSED', 'MPR-EXTERNAL-WITHOUT-SMTP', 'x'), reason: fc.string() }),
    {
      maxLength: 2,
    },
  ),
});

describe('arbitrary construct props', () => {
  test('never crash: synth yields a valid manifest or a validation error listing the problems', () => {
    fc.assert(
      fc.property(props, (p) => {
        const stack = new TerraformStack(Testing.app(), 'mail');
        const policy = new MailPolicy(stack, 'MailPolicy', { domains: p.domains });
        const ous: IOrgUnit[] = [];
        p.ous.forEach((o, i) => {
          const parent = ous.length > 0 ? ous[o.parentIndex % ous.length] : undefined;
          const ou = new OrgUnit(policy, `Ou${i}`, { name: o.name, parent });
          ous.push(ou);
          if (o.allow !== null)
            new OutboundGatewayPolicy(policy, `Gw${i}`, { orgUnit: ou, allowPerUserOutboundGateways: o.allow });
        });
        const users = p.users.map((u, i) =>
          User.fromEmail(policy, `User${i}`, u.email, {
            orgUnit: u.ouIndex !== null && ous.length > 0 ? ous[u.ouIndex % ous.length] : undefined,
          }),
        );
        p.identities.forEach((id, i) => {
          new SendAsIdentity(policy, `SendAs${i}`, {
            user: users[id.userIndex % users.length],
            sendAsEmail: id.sendAsEmail,
            isDefault: id.isDefault,
            smtp: id.smtp && { ...id.smtp, password: Secret.fromEnv(id.smtp.envName) },
          });
        });
        p.acks.forEach((a) => policy.acknowledge(a.ruleId, a.reason));

        let message: string | undefined;
        try {
          Testing.synth(stack, true);
        } catch (e) {
          message = (e as Error).message;
        }
        if (message === undefined) {
          expect(() => parseManifest(JSON.parse(policy.synthesize().json))).not.toThrow();
        } else {
          expect(message).toMatch(/\[MP1[023]00\] .*(problem|finding|declares)/);
          expect(message).toMatch(/^ {2}- /m);
        }
      }),
      { numRuns: 150 },
    );
  });
});
