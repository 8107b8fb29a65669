import { AdminApiError } from '../../lib/admin/admin-error';
import type { SendAsRecord, UserRecord, WorkspaceAdmin } from '../../lib/admin/workspace-admin';
import { diff } from '../../lib/engine/diff';
import { observe } from '../../lib/engine/observe';
import { emptyManifest, type Manifest } from '../../lib/model/manifest';
import { noState, TARGET } from './helpers/scenario';

/** An in-memory fake that counts calls in flight; only for observe's own behaviour. */
function fakeAdmin(options: { failSendAs?: Set<string>; forbidPolicies?: boolean; users: number }) {
  let inFlight = 0;
  let peak = 0;
  const calls: string[] = [];
  const users: UserRecord[] = Array.from({ length: options.users }, (_, i) => ({
    primaryEmail: `u${i}@example.com`,
    orgUnitPath: i % 2 ? '/Sales' : '/',
  }));
  const track = async <T>(name: string, value: () => T): Promise<T> => {
    calls.push(name);
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, 1));
    inFlight--;
    return value();
  };
  const unused = (): never => {
    throw new Error('not used by observe');
  };
  const admin: WorkspaceAdmin = {
    target: TARGET,
    access: 'read',
    listOrgUnits: () =>
      track('listOrgUnits', () => [
        { orgUnitId: 'r', orgUnitPath: '/', name: '' },
        { orgUnitId: 's', orgUnitPath: '/Sales', name: 'Sales' },
      ]),
    listGatewayPolicies: () =>
      track('listGatewayPolicies', () => {
        if (options.forbidPolicies)
          throw new AdminApiError(
            'permission',
            'cloudidentity.policies.list',
            'missing scope cloud-identity.policies.readonly',
            { status: 403 },
          );
        return [];
      }),
    getUser: (email) => track('getUser', () => users.find((u) => u.primaryEmail === email)),
    listUsers: (path) => track('listUsers', () => users.filter((u) => u.orgUnitPath.startsWith(path))),
    listSendAs: (email) =>
      track('listSendAs', (): SendAsRecord[] => {
        if (options.failSendAs?.has(email))
          throw new AdminApiError(
            'retriesExhausted',
            'gmail.users.settings.sendAs.list',
            'HTTP 503 until the deadline',
          );
        return [{ sendAsEmail: email, isPrimary: true }];
      }),
    listGroupGatewayPolicies: async () => [],
    getGroup: unused,
    listGroupMembers: unused,
    addUserAlias: unused,
    deleteUserAlias: unused,
    verifySendAs: unused,
    createOrgUnit: unused,
    updateOrgUnit: unused,
    deleteOrgUnit: unused,
    setGatewayPolicy: unused,
    deleteGatewayPolicy: unused,
    moveUser: unused,
    getSendAs: unused,
    createSendAs: unused,
    patchSendAs: unused,
    deleteSendAs: unused,
    stats: () => ({ calls: {}, retries: {} }),
  };
  return { admin, calls, peak: () => peak };
}

function manifestFor(n: number): Manifest {
  return {
    ...emptyManifest('obs', ['example.com']),
    users: Array.from({ length: n }, (_, i) => ({ email: `U${i}@example.com` })),
    ownership: [{ kind: 'orgUnit', orgUnitPath: '/Sales' }],
  };
}

describe('observe', () => {
  test('reads exactly the manifest scope, each call once, never more than the concurrency limit at a time', async () => {
    const fake = fakeAdmin({ users: 40 });
    const observed = await observe(fake.admin, manifestFor(30), { concurrency: 4 });
    expect(fake.peak()).toBeLessThanOrEqual(4);
    expect(fake.peak()).toBeGreaterThan(1);
    const count = (name: string) => fake.calls.filter((c) => c === name).length;
    expect(count('listOrgUnits')).toBe(1);
    expect(count('listGatewayPolicies')).toBe(1);
    expect(count('getUser')).toBe(30);
    expect(count('listUsers')).toBe(1);
    // 30 referenced users plus the 5 scope members (u31, u33, …, u39) not referenced: each read once.
    expect(count('listSendAs')).toBe(35);
    expect(Object.keys(observed.sendAs)).toHaveLength(35);
    expect(observed.users['u3@example.com']).toEqual({
      status: 'ok',
      value: { primaryEmail: 'u3@example.com', orgUnitPath: '/Sales' },
    });
  });

  test('a failing read is indeterminate, a permission error is flagged, and observe does not throw', async () => {
    const fake = fakeAdmin({ users: 4, failSendAs: new Set(['u1@example.com']), forbidPolicies: true });
    const observed = await observe(fake.admin, manifestFor(4), { concurrency: 2, policyWrites: 'manual' });
    expect(observed.sendAs['u1@example.com']).toMatchObject({
      status: 'indeterminate',
      error: expect.stringMatching(/MP2005.*503/),
    });
    expect(observed.gatewayPolicies).toMatchObject({
      status: 'indeterminate',
      permission: true,
      error: expect.stringMatching(/^permission denied: .*cloud-identity.policies.readonly/),
    });
    expect(observed.policyWrites).toBe('manual');
    const plan = diff({
      manifest: manifestFor(4),
      observed,
      state: noState(),
      credentials: {},
      target: TARGET,
    });
    expect(plan.changes).toEqual([]);
    expect(plan.findings.map((f) => f.ruleId)).toEqual(['MPR-LIVE-PERMISSION-DENIED']);
    expect(plan.indeterminate).toContainEqual({
      kind: 'sendAs',
      subject: 'u1@example.com',
      error: expect.stringMatching(/503/),
    });
  });
});
