import { driftReport } from '../../lib/engine/drift';
import { renderMarkdown, renderText } from '../../lib/engine/render';
import type { ObservedState } from '../../lib/engine/observed-state';
import type { Manifest } from '../../lib/model/manifest';
import { ok } from './helpers/converged';
import { emptyTenant, partnerManifest, plan } from './helpers/scenario';

/** The partner tenant converged, plus console-made policies the code does not declare. */
function tenantWithLegacy(): ObservedState {
  return {
    ...emptyTenant(),
    orgUnits: ok([
      { orgUnitId: 'root', orgUnitPath: '/', name: '' },
      { orgUnitId: 'p', orgUnitPath: '/Partners', name: 'Partners', description: 'Partner senders' },
      { orgUnitId: 'l', orgUnitPath: '/Legacy', name: 'Legacy' },
      { orgUnitId: 'o', orgUnitPath: '/Partners/Old', name: 'Old' },
      { orgUnitId: 'x', orgUnitPath: '/Closed', name: 'Closed' },
    ]),
    gatewayPolicies: ok([
      { name: 'policies/p', orgUnitId: 'p', allowUsersToUseExternalSmtpServers: true },
      { name: 'policies/l', orgUnitId: 'l', allowUsersToUseExternalSmtpServers: true },
      { name: 'policies/o', orgUnitId: 'o', allowUsersToUseExternalSmtpServers: true },
      { name: 'policies/x', orgUnitId: 'x', allowUsersToUseExternalSmtpServers: false },
      { name: 'policies/sys', orgUnitId: 'root', allowUsersToUseExternalSmtpServers: false, type: 'SYSTEM' },
    ]),
  };
}

/** The manifest without identities, so only the gateway setting is at stake. */
function gatewayOnly(ownership: Manifest['ownership'] = []): Manifest {
  const m = partnerManifest();
  return {
    ...m,
    orgUnits: [...m.orgUnits, { path: '/Partners/Old', name: 'Old', parentPath: '/Partners', managed: false }],
    users: [],
    sendAs: [],
    ownership,
  };
}

describe('authority over the gateway setting', () => {
  test('every live allowance the stack does not declare is an advisory warning in every plan format', () => {
    const p = plan(gatewayOnly(), tenantWithLegacy());
    const undeclared = p.findings.filter((f) => f.ruleId === 'MPR-LIVE-UNDECLARED-GATEWAY');
    expect(undeclared.map((f) => f.subject)).toEqual(['orgUnit:/Legacy', 'orgUnit:/Partners/Old']);
    expect(undeclared.every((f) => f.level === 'warning' && f.advisory)).toBe(true);
    // Only allowances are reported: /Closed forbids gateways; the SYSTEM default is Google's.
    expect(p.changes).toEqual([]);
    expect(p.summary.blockingFindings).toBe(0);
    expect(renderText(p)).toMatch(
      /MPR-LIVE-UNDECLARED-GATEWAY orgUnit:\/Legacy: The tenant allows per-user outbound gateways on \/Legacy/,
    );
    expect(renderMarkdown(p)).toContain('MPR-LIVE-UNDECLARED-GATEWAY');
  });

  test('ownGatewayPolicies makes the stack authoritative: every undeclared explicit policy is deleted', () => {
    const p = plan(gatewayOnly([{ kind: 'gatewayPolicies', orgUnitPath: '/' }]), tenantWithLegacy());
    expect(p.changes.map((c) => `${c.action} ${c.subject} ${c.cause}`)).toEqual([
      'delete /Closed scope',
      'delete /Legacy scope',
      'delete /Partners/Old scope',
    ]);
    const legacy = p.changes.find((c) => c.subject === '/Legacy');
    expect(legacy).toMatchObject({
      security: ['destructive'],
      target: { orgUnitId: 'l', policyName: 'policies/l' },
      reason: expect.stringMatching(/owns the gateway setting under \//),
    });
    // A console allowance inside an owned scope is drift.
    expect(driftReport(p).changes).toHaveLength(3);
  });

  test('ownGatewayPoliciesUnder limits the authority to a subtree; outside it the warning stays', () => {
    const p = plan(gatewayOnly([{ kind: 'gatewayPolicies', orgUnitPath: '/Partners' }]), tenantWithLegacy());
    expect(p.changes.map((c) => `${c.action} ${c.subject}`)).toEqual(['delete /Partners/Old']);
    expect(p.findings.map((f) => f.subject)).toEqual(['orgUnit:/Legacy', 'orgUnit:/Partners/Old']);
  });

  test('where policy writes are manual, the deletions are console steps to inherit', () => {
    const p = plan(gatewayOnly([{ kind: 'gatewayPolicies', orgUnitPath: '/Partners' }]), {
      ...tenantWithLegacy(),
      policyWrites: 'manual',
    });
    expect(p.changes).toEqual([
      expect.objectContaining({ action: 'manual', subject: '/Partners/Old', write: { allow: 'inherit' } }),
    ]);
    expect(renderText(p)).toMatch(/click "Inherit"/);
  });
});
