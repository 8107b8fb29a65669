import fc from 'fast-check';

import { diff } from '../../lib/engine/diff';
import { driftReport } from '../../lib/engine/drift';
import type { ObservedState } from '../../lib/engine/observed-state';
import { GatewayPictureSchema, type OrgUnitNode } from '../../lib/engine/picture';
import { normaliseEmail } from '../../lib/model/email';
import { emptyManifest, type Manifest } from '../../lib/model/manifest';
import { orgUnitKey, orgUnitSegments } from '../../lib/model/org-unit-path';
import { manifestArb } from './helpers/arbitraries';
import { credentialsFor, observedFrom, ok } from './helpers/converged';
import { emptyTenant, partnerManifest, plan, TARGET } from './helpers/scenario';

/** A tenant with these OUs (and their explicit policies) and users in the given OUs. */
function tenant(ous: Record<string, boolean | undefined>, users: Record<string, string> = {}): ObservedState {
  const paths = ['/', ...Object.keys(ous)];
  const id = (path: string): string => `id-${orgUnitKey(path)}`;
  return {
    orgUnits: ok(
      paths.map((path) => ({ orgUnitId: id(path), orgUnitPath: path, name: orgUnitSegments(path).pop() ?? '' })),
    ),
    gatewayPolicies: ok(
      Object.entries(ous)
        .filter(([, allow]) => allow !== undefined)
        .map(([path, allow]) => ({
          name: `policies/${path}`,
          orgUnitId: id(path),
          allowUsersToUseExternalSmtpServers: allow as boolean,
        })),
    ),
    users: Object.fromEntries(
      Object.entries(users).map(([email, path]) => [email, ok({ primaryEmail: email, orgUnitPath: path })]),
    ),
    sendAs: Object.fromEntries(
      Object.keys(users).map((email) => [email, ok([{ sendAsEmail: email, isPrimary: true }])]),
    ),
    scopeMembers: {},
    policyWrites: 'api',
  };
}

const smtp = {
  host: 'smtp.partner.com',
  port: 465,
  securityMode: 'ssl' as const,
  username: 'u',
  password: { ref: 'env:SMTP_PASSWORD' },
};

function node(nodes: readonly OrgUnitNode[], path: string): OrgUnitNode {
  const found = nodes.find((n) => orgUnitKey(n.path) === orgUnitKey(path));
  if (!found) throw new Error(`no node ${path} in ${nodes.map((n) => n.path).join(', ')}`);
  return found;
}

describe('the gateway picture', () => {
  test('a new OU that allows gateways: new, inheriting Google’s default before, explicit after, with its identity', () => {
    const picture = plan(partnerManifest(), emptyTenant()).picture;
    expect(picture?.orgUnits.map((n) => n.path)).toEqual(['/', '/Partners']);
    expect(node(picture!.orgUnits, '/')).toMatchObject({
      status: 'live',
      before: { allowed: false, source: 'default' },
      changed: false,
    });
    expect(node(picture!.orgUnits, '/Partners')).toEqual({
      path: '/Partners',
      name: 'Partners',
      parentPath: '/',
      status: 'new',
      before: { allowed: false, source: 'default' },
      after: { allowed: true, source: 'explicit' },
      changed: true,
      reasons: ['declared-ou', 'declared-policy', 'policy-change', 'smtp-identities'],
      smtpIdentities: 1,
    });
    expect(picture?.groups).toEqual([]);
  });

  test('inheritance names the OU it comes from; a removed allowance closes the subtree', () => {
    const m: Manifest = {
      ...emptyManifest('s', ['example.com']),
      orgUnits: [{ path: '/Sales/Partners', name: 'Partners', parentPath: '/Sales', managed: false }],
      users: [{ email: 'ann@example.com', orgUnitPath: '/Sales/Partners' }],
      sendAs: [{ userEmail: 'ann@example.com', sendAsEmail: 'ann@partner.com', smtp }],
      // The stack owns the setting: the undeclared allowance on /Sales is deleted.
      ownership: [{ kind: 'gatewayPolicies', orgUnitPath: '/' }],
    };
    const observed = tenant(
      { '/Sales': true, '/Sales/Partners': undefined, '/Eng': true },
      { 'ann@example.com': '/Sales/Partners' },
    );
    const p = plan(m, observed);
    const nodes = p.picture!.orgUnits;
    expect(nodes.map((n) => n.path)).toEqual(['/', '/Eng', '/Sales', '/Sales/Partners']);
    expect(node(nodes, '/Sales/Partners')).toMatchObject({
      before: { allowed: true, source: 'inherited', from: '/Sales' },
      after: { allowed: false, source: 'default' },
      changed: true,
      smtpIdentities: 1,
    });
    expect(node(nodes, '/Sales')).toMatchObject({
      before: { allowed: true, source: 'explicit' },
      after: { allowed: false, source: 'default' },
      reasons: ['live-allowance', 'policy-change'],
    });
    // The same facts as the gateway check: ann's identity is blocked after the plan.
    expect(p.findings.map((f) => f.ruleId)).toContain('MPR-LIVE-GATEWAY-NOT-ALLOWED');
  });

  test('an OU moved in code keeps its identity: status moved, before at its old place, after at its new one', () => {
    const m: Manifest = {
      ...emptyManifest('s', ['example.com']),
      orgUnits: [
        { path: '/New', name: 'New', parentPath: '/', managed: false },
        { path: '/New/Team', name: 'Team', parentPath: '/New', managed: true, movedFrom: '/Old/Team' },
      ],
    };
    const p = plan(m, tenant({ '/Old': undefined, '/Old/Team': undefined, '/New': true }));
    expect(node(p.picture!.orgUnits, '/New/Team')).toMatchObject({
      status: 'moved',
      livePath: '/Old/Team',
      before: { allowed: false, source: 'default' },
      after: { allowed: true, source: 'inherited', from: '/New' },
      changed: true,
    });
    expect(p.picture!.orgUnits.map((n) => n.path)).not.toContain('/Old/Team');
  });

  test('a new OU under an allowing parent inherits from it before and after', () => {
    const m: Manifest = {
      ...emptyManifest('s', ['example.com']),
      orgUnits: [{ path: '/Sales/New', name: 'New', parentPath: '/Sales', managed: true }],
    };
    expect(node(plan(m, tenant({ '/Sales': true })).picture!.orgUnits, '/Sales/New')).toMatchObject({
      status: 'new',
      before: { allowed: true, source: 'inherited', from: '/Sales' },
      after: { allowed: true, source: 'inherited', from: '/Sales' },
      changed: false,
    });
  });

  test('no picture when the OU list or the policies cannot be read, nor in a drift report', () => {
    const unreadable = { ...emptyTenant(), gatewayPolicies: { status: 'indeterminate' as const, error: 'boom' } };
    expect(plan(partnerManifest(), unreadable).picture).toBeUndefined();
    const p = plan(partnerManifest(), emptyTenant());
    expect(p.picture).toBeDefined();
    expect(driftReport(p).picture).toBeUndefined();
  });

  test('for any plan: one tree, parents first, and the same verdict per identity as the gateway check', () => {
    fc.assert(
      fc.property(manifestArb, manifestArb, (manifest, other) => {
        const { observed, state } = observedFrom(other);
        const p = diff({ manifest, observed, state, credentials: credentialsFor(manifest), target: TARGET });
        const picture = p.picture!;
        expect(GatewayPictureSchema.safeParse(picture).success).toBe(true);
        const seen = new Set<string>();
        for (const n of picture.orgUnits) {
          if (n.parentPath === undefined) expect(n.path).toBe('/');
          else expect(seen.has(orgUnitKey(n.parentPath))).toBe(true);
          expect(seen.has(orgUnitKey(n.path))).toBe(false);
          seen.add(orgUnitKey(n.path));
          expect(n.changed).toBe(n.before.allowed !== n.after.allowed);
        }
        for (const spec of manifest.orgUnits) expect(seen.has(orgUnitKey(spec.path))).toBe(true);
        // Every SMTP identity is counted once, on an OU or as unplaced.
        const identities = new Set(
          manifest.sendAs
            .filter((s) => s.smtp)
            .map((s) => `${normaliseEmail(s.userEmail)}/${s.sendAsEmail.toLowerCase()}`),
        );
        const counted = picture.orgUnits.reduce((sum, n) => sum + n.smtpIdentities, 0);
        expect(counted + picture.unplacedSmtpIdentities).toBe(identities.size);
        // Identities on OUs that do not allow gateways after the plan are exactly the blocking gateway findings.
        const blocked = picture.orgUnits.filter((n) => !n.after.allowed).reduce((sum, n) => sum + n.smtpIdentities, 0);
        expect(p.findings.filter((f) => f.ruleId === 'MPR-LIVE-GATEWAY-NOT-ALLOWED')).toHaveLength(blocked);
      }),
      { numRuns: 200 },
    );
  });
});
