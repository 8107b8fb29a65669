import { identityKey } from '../../lib/engine/credentials';
import type { SendAsObject } from '../../lib/state/stack-state';
import type { ObservedState } from '../../lib/engine/observed-state';
import { manualStepsOf, type Change } from '../../lib/engine/change';
import type { Plan } from '../../lib/engine/plan';
import { emptyManifest, type Manifest } from '../../lib/model/manifest';
import { credentialsFor, observedFrom, ok } from './helpers/converged';
import { emptyTenant, partnerManifest, plan } from './helpers/scenario';

const byId = (p: Plan, id: string): Change | undefined => p.changes.find((c) => c.id === id);
const ids = (p: Plan): string[] => p.changes.map((c) => c.id);

describe('diff rules', () => {
  test('the partner-gateway example on an empty tenant creates the OU, the policy, the placement and the identity, in order', () => {
    const p = plan(partnerManifest(), emptyTenant());
    expect(ids(p)).toEqual([
      'orgUnit:/partners',
      'gatewayPolicy:/partners',
      'userPlacement:alice@example.com',
      'sendAs:alice@example.com/alice@partner.com',
    ]);
    expect(byId(p, 'gatewayPolicy:/partners')).toMatchObject({
      action: 'create',
      security: ['allows-gateway'],
      dependsOn: ['orgUnit:/partners'],
    });
    expect(byId(p, 'sendAs:alice@example.com/alice@partner.com')?.dependsOn).toEqual([
      'gatewayPolicy:/partners',
      'orgUnit:/partners',
      'userPlacement:alice@example.com',
    ]);
    expect(byId(p, 'sendAs:alice@example.com/alice@partner.com')?.attributes).toContainEqual({
      name: 'smtp.password',
      sensitive: true,
    });
    expect(p.summary).toMatchObject({ create: 3, update: 1, delete: 0, manual: 0 });
    expect(p.findings).toEqual([]);
  });

  test('a child OU created under a created parent depends on the parent; OUs compare case-insensitively', () => {
    const m: Manifest = {
      ...emptyManifest('s', ['example.com']),
      orgUnits: [
        { path: '/Sales/EU', name: 'EU', parentPath: '/Sales', managed: true },
        { path: '/Sales', name: 'Sales', parentPath: '/', managed: true },
        { path: '/ops', name: 'ops', parentPath: '/', managed: true },
      ],
    };
    const t = emptyTenant();
    const observed: ObservedState = {
      ...t,
      orgUnits: ok([
        { orgUnitId: 'r', orgUnitPath: '/', name: '' },
        { orgUnitId: 'o', orgUnitPath: '/Ops', name: 'Ops' },
      ]),
    };
    const p = plan(m, observed);
    expect(ids(p)).toEqual(['orgUnit:/sales', 'orgUnit:/sales/eu']);
    expect(byId(p, 'orgUnit:/sales/eu')?.dependsOn).toEqual(['orgUnit:/sales']);
  });

  test('a declared description that differs is updated; an OU with movedFrom is renamed and moved, not created', () => {
    const m: Manifest = {
      ...emptyManifest('s', ['example.com']),
      orgUnits: [
        { path: '/Eng', name: 'Eng', parentPath: '/', managed: true, description: 'Engineers' },
        { path: '/Eng/Partner Desk', name: 'Partner Desk', parentPath: '/Eng', managed: true, movedFrom: '/Partners' },
      ],
    };
    const observed: ObservedState = {
      ...emptyTenant(),
      orgUnits: ok([
        { orgUnitId: 'r', orgUnitPath: '/', name: '' },
        { orgUnitId: 'e', orgUnitPath: '/Eng', name: 'Eng', parentOrgUnitPath: '/', description: 'old' },
        { orgUnitId: 'p', orgUnitPath: '/Partners', name: 'Partners', parentOrgUnitPath: '/' },
      ]),
    };
    const p = plan(m, observed);
    expect(byId(p, 'orgUnit:/eng')).toMatchObject({
      action: 'update',
      attributes: [{ name: 'description', before: 'old', after: 'Engineers' }],
    });
    expect(byId(p, 'orgUnit:/eng/partner desk')).toMatchObject({
      action: 'update',
      attributes: [
        { name: 'name', before: 'Partners', after: 'Partner Desk' },
        { name: 'parentOrgUnitPath', before: '/', after: '/Eng' },
      ],
      cause: 'move',
      target: { orgUnitId: 'p', livePath: '/Partners' },
    });
  });

  test('fails the plan with a blocking finding when a referenced OU or user does not exist', () => {
    const m: Manifest = {
      ...emptyManifest('s', ['example.com']),
      orgUnits: [{ path: '/Legacy', name: 'Legacy', parentPath: '/', managed: false }],
      users: [{ email: 'ghost@example.com', orgUnitPath: '/Legacy' }],
    };
    const observed: ObservedState = { ...emptyTenant(), users: { 'ghost@example.com': ok(null) } };
    const p = plan(m, observed);
    expect(p.changes).toEqual([]);
    expect(p.findings.map((f) => f.ruleId)).toEqual(['MPR-LIVE-OU-MISSING', 'MPR-LIVE-USER-MISSING']);
    expect(p.summary.blockingFindings).toBe(2);
  });

  test('gateway policies: inherit deletes an explicit policy; manual targets get console steps', () => {
    const m: Manifest = {
      ...emptyManifest('s', ['example.com']),
      gatewayPolicies: [
        { orgUnitPath: '/A', allowPerUserOutboundGateways: 'inherit' },
        { orgUnitPath: '/B', allowPerUserOutboundGateways: true },
      ],
    };
    const base: ObservedState = {
      ...emptyTenant(),
      orgUnits: ok([
        { orgUnitId: 'r', orgUnitPath: '/', name: '' },
        { orgUnitId: 'a', orgUnitPath: '/A', name: 'A' },
        { orgUnitId: 'b', orgUnitPath: '/B', name: 'B' },
      ]),
      gatewayPolicies: ok([
        { name: 'policies/1', orgUnitId: 'a', allowUsersToUseExternalSmtpServers: false },
        { name: 'policies/2', orgUnitId: 'b', allowUsersToUseExternalSmtpServers: false },
      ]),
    };
    const api = plan(m, base);
    expect(byId(api, 'gatewayPolicy:/a')).toMatchObject({ action: 'delete', target: { policyName: 'policies/1' } });
    expect(byId(api, 'gatewayPolicy:/b')).toMatchObject({ action: 'update', security: ['allows-gateway'] });
    const manual = plan(m, { ...base, policyWrites: 'manual' });
    expect(manual.changes.map((c) => c.action)).toEqual(['manual', 'manual']);
    const steps = byId(manual, 'gatewayPolicy:/b');
    expect(steps && manualStepsOf(steps).join('\n')).toMatch(
      /Admin console › Apps › Google Workspace › Gmail › End User Access[\s\S]*select \/B[\s\S]*tick "Allow users to send mail through an external SMTP server[\s\S]*24 hours/,
    );
    expect(manual.summary.manual).toBe(2);
  });

  test('an identity whose user may not use gateways is a blocking finding, unless this plan allows it (manual steps too)', () => {
    const m = partnerManifest();
    const noPolicy: Manifest = { ...m, gatewayPolicies: [] };
    const blocked = plan(noPolicy, emptyTenant());
    expect(blocked.findings.map((f) => f.ruleId)).toEqual(['MPR-LIVE-GATEWAY-NOT-ALLOWED']);
    expect(blocked.findings[0].message).toMatch(/not allowed for \/Partners/);
    expect(plan(m, { ...emptyTenant(), policyWrites: 'manual' }).findings).toEqual([]);
  });

  test('send-as: only declared fields compare; emails case-insensitively; signatures after sanitisation', () => {
    const m: Manifest = {
      ...emptyManifest('s', ['example.com']),
      sendAs: [
        {
          userEmail: 'Alice@Example.com',
          sendAsEmail: 'News@Example.com',
          displayName: 'News',
          signature: '<p onclick="x()">Hi</p><script>a()</script>',
          isDefault: true,
        },
      ],
    };
    const observed: ObservedState = {
      ...emptyTenant(),
      sendAs: {
        'alice@example.com': ok([
          { sendAsEmail: 'alice@example.com', isPrimary: true, isDefault: true },
          {
            sendAsEmail: 'news@example.com',
            displayName: 'Old',
            signature: '<p>Hi</p>',
            replyToAddress: 'x@y.com',
            treatAsAlias: true,
          },
        ]),
      },
    };
    const p = plan(m, observed);
    expect(p.changes).toHaveLength(1);
    expect(p.changes[0]).toMatchObject({
      id: 'sendAs:alice@example.com/news@example.com',
      action: 'update',
      attributes: [
        { name: 'displayName', before: 'Old', after: 'News' },
        { name: 'isDefault', before: false, after: true },
      ],
    });
  });

  test('a created identity that should be the default gets a default switch after its create', () => {
    const m = partnerManifest();
    m.sendAs[0] = { ...m.sendAs[0], isDefault: true };
    const p = plan(m, emptyTenant());
    const sw = byId(p, 'sendAs:alice@example.com/alice@partner.com#isDefault');
    expect(sw).toMatchObject({ action: 'update', dependsOn: ['sendAs:alice@example.com/alice@partner.com'] });
    expect(ids(p).indexOf(sw!.id)).toBeGreaterThan(ids(p).indexOf('sendAs:alice@example.com/alice@partner.com'));
  });

  test('SMTP: endpoint changes re-send credentials, removal replaces, no TLS is flagged', () => {
    const m = partnerManifest();
    const { observed, state } = observedFrom(m);
    const moved: Manifest = {
      ...m,
      sendAs: [
        { ...m.sendAs[0], smtp: { ...m.sendAs[0].smtp!, host: 'smtp2.partner.com', securityMode: 'none', port: 25 } },
      ],
    };
    const up = plan(moved, observed, state);
    expect(up.changes[0].attributes.map((a) => a.name)).toEqual([
      'smtp.host',
      'smtp.port',
      'smtp.securityMode',
      'smtp.username',
      'smtp.password',
      'smtp.password.source',
    ]);
    expect(up.changes[0].security).toEqual(['smtp-without-tls']);
    const removed: Manifest = { ...m, sendAs: [{ ...m.sendAs[0], smtp: undefined }] };
    const rep = plan(removed, observed, state);
    expect(rep.changes[0]).toMatchObject({ action: 'replace', security: ['destructive'] });
    expect(rep.summary.replace).toBe(1);
  });

  test('SMTP credentials: nothing recorded sends them; a rotated secret is a sensitive update; an unresolvable secret is a note', () => {
    const m = partnerManifest();
    const { observed, state } = observedFrom(m);
    const key = identityKey('alice@example.com', 'alice@partner.com');
    const id = 'sendAs:alice@example.com/alice@partner.com';
    const recorded = state.objects[id] as SendAsObject;
    const { [id]: _identity, ...others } = state.objects;
    const fresh = plan(m, observed, { ...state, objects: others });
    expect(fresh.changes).toEqual([
      expect.objectContaining({
        action: 'update',
        cause: 'rotation',
        reason: 'SMTP credentials will be sent: no fingerprint recorded',
        attributes: [
          { name: 'smtp.username', sensitive: true },
          { name: 'smtp.password', sensitive: true },
        ],
        write: { fields: ['smtpMsa'] },
      }),
    ]);

    const credentials = recorded.credentials!;
    const rotated = {
      ...state,
      objects: {
        ...state.objects,
        [id]: {
          ...recorded,
          credentials: {
            ...credentials,
            passwordFingerprint: 'hmac-sha256:' + credentials.passwordFingerprint.split(':')[1] + ':' + '0'.repeat(64),
          },
        },
      },
    };
    const r = plan(m, observed, rotated);
    expect(r.changes[0]).toMatchObject({ action: 'update', attributes: [{ name: 'smtp.password', sensitive: true }] });

    const { diff } = jest.requireActual('../../lib/engine/diff') as typeof import('../../lib/engine/diff');
    const unresolved = diff({
      manifest: m,
      observed,
      state,
      credentials: {
        [key]: {
          usernameFingerprint: credentialsFor(m)[key].usernameFingerprint,
          unresolved: ['environment variable SMTP_PASSWORD is not set'],
        },
      },
      target: { kind: 'emulator', description: 'x' },
    });
    expect(unresolved.changes).toEqual([]);
    expect(unresolved.notes[0].message).toMatch(
      /smtp.password cannot be checked here \(environment variable SMTP_PASSWORD is not set\)/,
    );
  });

  test('undeclared identities are deleted inside an exclusive scope (never the primary) and unmanaged outside', () => {
    const m: Manifest = {
      ...emptyManifest('s', ['example.com']),
      users: [{ email: 'bob@example.com' }],
      ownership: [{ kind: 'orgUnit', orgUnitPath: '/Sales' }],
    };
    const observed: ObservedState = {
      ...emptyTenant(),
      users: { 'bob@example.com': ok({ primaryEmail: 'bob@example.com', orgUnitPath: '/' }) },
      sendAs: {
        'bob@example.com': ok([{ sendAsEmail: 'bob@example.com', isPrimary: true }, { sendAsEmail: 'bob@other.org' }]),
        'carol@example.com': ok([
          { sendAsEmail: 'carol@example.com', isPrimary: true },
          { sendAsEmail: 'Old@Partner.com' },
        ]),
      },
      scopeMembers: { 'orgUnit:/sales': ok([{ primaryEmail: 'carol@example.com', orgUnitPath: '/Sales/EU' }]) },
    };
    const p = plan(m, observed);
    expect(p.changes).toEqual([
      expect.objectContaining({
        id: 'sendAs:carol@example.com/old@partner.com',
        action: 'delete',
        security: ['destructive'],
        reason: 'not declared, inside exclusive scope OU /Sales',
      }),
    ]);
    expect(p.unmanaged).toEqual([{ kind: 'sendAs', subject: 'bob@example.com → bob@other.org' }]);
  });

  test('unreadable objects are indeterminate rows and nothing is planned from them', () => {
    const m = partnerManifest();
    m.ownership.push({ kind: 'user', email: 'alice@example.com' });
    const observed: ObservedState = {
      ...emptyTenant(),
      orgUnits: { status: 'indeterminate', error: 'retries exhausted' },
      sendAs: {
        'alice@example.com': { status: 'indeterminate', error: 'permission denied: no scope', permission: true },
      },
    };
    const p = plan(m, observed);
    expect(p.changes).toEqual([]);
    expect(p.indeterminate.map((r) => `${r.kind} ${r.subject}`)).toEqual([
      'gatewayPolicy /Partners',
      'orgUnit /Partners',
      'sendAs alice@example.com → alice@partner.com',
      'userPlacement alice@example.com',
    ]);
    expect(p.findings.map((f) => f.ruleId)).toEqual(['MPR-LIVE-PERMISSION-DENIED']);
    expect(p.summary.indeterminate).toBe(4);
  });

  test('unchanged counts declared objects with nothing to do', () => {
    const m = partnerManifest();
    const { observed, state } = observedFrom(m);
    expect(plan(m, observed, state).summary).toMatchObject({ unchanged: 4, create: 0, update: 0 });
  });
});
