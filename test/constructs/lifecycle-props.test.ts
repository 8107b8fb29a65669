import { MailPolicy, OrgUnit, OutboundGatewayPolicy, RemovalPolicy, SendAsIdentity } from '../../lib/constructs';
import { renderMarkdown } from '../../lib/engine/render';
import { emptyTenant, plan } from '../engine/helpers/scenario';
import { runRulePack } from '../../lib/model/rules';

import { TEST_FINGERPRINT_KEY, partnerIdentity, re, scenario, synthError } from './support';

beforeAll(() => {
  process.env.MAILPOLICY_FINGERPRINT_KEY = TEST_FINGERPRINT_KEY;
});

describe('removal policies', () => {
  test('each construct records its removalPolicy in the manifest; left out, the kind default applies later', () => {
    const s = scenario();
    const legacy = new OrgUnit(s.policy, 'Legacy', { name: 'Legacy', removalPolicy: RemovalPolicy.RETAIN });
    new OutboundGatewayPolicy(s.policy, 'LegacyGateway', {
      orgUnit: legacy,
      allowPerUserOutboundGateways: false,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new SendAsIdentity(s.policy, 'Kept', {
      user: s.user,
      sendAsEmail: 'kept@example.com',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const manifest = s.policy.toManifest();
    expect(manifest.orgUnits.find((o) => o.path === '/Legacy')?.removalPolicy).toBe('retain');
    expect(manifest.gatewayPolicies.find((p) => p.orgUnitPath === '/Legacy')?.removalPolicy).toBe('destroy');
    expect(manifest.sendAs.find((i) => i.sendAsEmail === 'kept@example.com')?.removalPolicy).toBe('retain');
    expect(manifest.orgUnits.find((o) => o.path === '/Sales')?.removalPolicy).toBeUndefined();
  });

  test('a value that is not a RemovalPolicy is a validation error naming the construct', () => {
    const s = scenario();
    new OrgUnit(s.policy, 'Odd', { name: 'Odd', removalPolicy: 'snapshot' as RemovalPolicy });
    const message = synthError(s.stack);
    expect(message).toMatch(/\[MP1000\]/);
    expect(message).toMatch(re('mail/MailPolicy/Odd'));
    expect(message).toMatch(/removalPolicy/);
  });
});

describe('authority over the gateway setting', () => {
  test('ownGatewayPolicies and ownGatewayPoliciesUnder declare gatewayPolicies ownership scopes', () => {
    const s = scenario();
    partnerIdentity(s);
    s.policy.ownGatewayPolicies();
    const sales = OrgUnit.fromPath(s.policy, 'SalesRef', '/Sales');
    s.policy.ownGatewayPoliciesUnder(sales);
    expect(s.policy.toManifest().ownership.filter((o) => o.kind === 'gatewayPolicies')).toEqual([
      { kind: 'gatewayPolicies', orgUnitPath: '/', constructPath: 'mail/MailPolicy' },
      { kind: 'gatewayPolicies', orgUnitPath: '/Sales', constructPath: 'mail/MailPolicy/SalesRef' },
    ]);
  });

  test('ownGatewayPoliciesUnder refuses something that is not an OU', () => {
    const s = scenario();
    expect(() => s.policy.ownGatewayPoliciesUnder(s.user as never)).toThrow(/expected an OrgUnit/);
  });
});

describe('acknowledgements with an expiry', () => {
  function rootGateway(policy: MailPolicy): void {
    const root = OrgUnit.fromPath(policy, 'Root', '/');
    new OutboundGatewayPolicy(policy, 'RootGateway', { orgUnit: root, allowPerUserOutboundGateways: true });
  }

  test('an expired acknowledgement fails synth again, naming the date', () => {
    const s = scenario();
    partnerIdentity(s);
    rootGateway(s.policy);
    s.policy.acknowledge('MPR-GATEWAY-AT-ROOT', 'pilot for the partner team', { expires: '2000-01-31' });
    const message = synthError(s.stack);
    expect(message).toMatch(/\[MP1300\]/);
    expect(message).toMatch(/MPR-GATEWAY-AT-ROOT.*the acknowledgement expired on 2000-01-31/);
  });

  test('an acknowledgement holds through its expiry day, and the markdown plan lists it for auditors', () => {
    const s = scenario();
    partnerIdentity(s);
    rootGateway(s.policy);
    s.policy.acknowledge('MPR-GATEWAY-AT-ROOT', 'pilot for the partner team', {
      subject: 'orgUnit:/',
      expires: '2027-03-31',
    });
    const manifest = s.policy.toManifest();
    const onTheDay = runRulePack(manifest, undefined, new Date('2027-03-31T23:59:59Z'));
    expect(onTheDay.find((f) => f.ruleId === 'MPR-GATEWAY-AT-ROOT')).toMatchObject({
      acknowledged: 'pilot for the partner team',
      acknowledgedUntil: '2027-03-31',
    });
    const dayAfter = runRulePack(manifest, undefined, new Date('2027-04-01T00:00:00Z'));
    expect(dayAfter.find((f) => f.ruleId === 'MPR-GATEWAY-AT-ROOT')).toMatchObject({
      acknowledgementExpired: '2027-03-31',
    });
    const markdown = renderMarkdown({ ...plan(manifest, emptyTenant()), findings: onTheDay });
    expect(markdown).toMatch(
      /### Accepted exceptions[\s\S]*MPR-GATEWAY-AT-ROOT.*pilot for the partner team \| 2027-03-31 \|/,
    );
  });

  test('an expiry that is not a date is a validation error', () => {
    const s = scenario();
    s.policy.acknowledge('MPR-GATEWAY-AT-ROOT', 'because', { expires: '31/03/2027' });
    expect(synthError(s.stack)).toMatch(
      /expires: expiry is not a calendar date \(received "31\/03\/2027"; allowed: a date YYYY-MM-DD/,
    );
  });
});
