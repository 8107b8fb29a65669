import fc from 'fast-check';
import { AdminApiError } from '../../lib/admin/admin-error';
import type { UserRecord, WorkspaceAdmin } from '../../lib/admin/workspace-admin';
import { LIST_USERS_THRESHOLD, observe } from '../../lib/engine/observe';
import { emptyManifest, type Manifest } from '../../lib/model/manifest';
import { TARGET } from './helpers/scenario';

interface FakeTenant {
  readonly users: readonly UserRecord[];
  /** Alias address (lower case) → primary address. */
  readonly aliases?: Readonly<Record<string, string>>;
  readonly failList?: boolean;
}

/** A fake tenant that records which user reads observe makes. */
function fakeAdmin(tenant: FakeTenant): { admin: WorkspaceAdmin; calls: string[] } {
  const calls: string[] = [];
  const byEmail = new Map(tenant.users.map((u) => [u.primaryEmail.toLowerCase(), u]));
  const unused = (): never => {
    throw new Error('not used by observe');
  };
  const admin: WorkspaceAdmin = {
    target: TARGET,
    access: 'read',
    listOrgUnits: async () => [{ orgUnitId: 'r', orgUnitPath: '/', name: '' }],
    listGatewayPolicies: async () => [],
    getUser: async (email) => {
      calls.push(`getUser ${email}`);
      const key = email.toLowerCase();
      return byEmail.get(tenant.aliases?.[key] ?? key);
    },
    listUsers: async (path) => {
      calls.push(`listUsers ${path}`);
      if (tenant.failList)
        throw new AdminApiError('retriesExhausted', 'directory.users.list', 'HTTP 503 until the deadline');
      return [...tenant.users];
    },
    listSendAs: async (email) => [{ sendAsEmail: email, isPrimary: true }],
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
  return { admin, calls };
}

function tenantOf(n: number): UserRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    primaryEmail: `u${i}@example.com`,
    orgUnitPath: i % 3 ? '/Sales' : '/',
  }));
}

function manifestReferencing(emails: readonly string[]): Manifest {
  return { ...emptyManifest('obs', ['example.com']), users: emails.map((email) => ({ email })) };
}

describe('observe reading many users', () => {
  test('lists the customer once instead of one get per user when the manifest references many users', async () => {
    const users = tenantOf(LIST_USERS_THRESHOLD + 200);
    const referenced = users.slice(0, LIST_USERS_THRESHOLD).map((u) => u.primaryEmail.toUpperCase());
    const { admin, calls } = fakeAdmin({ users });

    const observed = await observe(admin, manifestReferencing(referenced), { concurrency: 20 });

    expect(calls).toEqual(['listUsers /']);
    expect(Object.keys(observed.users)).toHaveLength(LIST_USERS_THRESHOLD);
    expect(observed.users['u1@example.com']).toEqual({ status: 'ok', value: users[1] });
    expect(Object.keys(observed.sendAs)).toHaveLength(LIST_USERS_THRESHOLD);
  });

  test('keeps one get per user below the threshold', async () => {
    const users = tenantOf(10);
    const { admin, calls } = fakeAdmin({ users });

    await observe(admin, manifestReferencing(users.slice(0, 3).map((u) => u.primaryEmail)));

    expect(calls.sort()).toEqual(['getUser u0@example.com', 'getUser u1@example.com', 'getUser u2@example.com']);
  });

  test('reads an address the listing does not hold on its own: an alias resolves, an unknown user is missing', async () => {
    const users = tenantOf(5);
    const { admin, calls } = fakeAdmin({ users, aliases: { 'sales@example.com': 'u2@example.com' } });

    const observed = await observe(
      admin,
      manifestReferencing(['u0@example.com', 'sales@example.com', 'nobody@example.com']),
      { userReads: 'list' },
    );

    expect(calls.sort()).toEqual(['getUser nobody@example.com', 'getUser sales@example.com', 'listUsers /']);
    expect(observed.users['sales@example.com']).toEqual({ status: 'ok', value: users[2] });
    expect(observed.users['nobody@example.com']).toEqual({ status: 'ok', value: null });
  });

  test('fails over to one get per user when the listing fails, so no user is marked unknown for it', async () => {
    const users = tenantOf(4);
    const { admin, calls } = fakeAdmin({ users, failList: true });

    const observed = await observe(admin, manifestReferencing(users.map((u) => u.primaryEmail)), {
      userReads: 'list',
    });

    expect(calls.filter((c) => c.startsWith('getUser'))).toHaveLength(4);
    expect(Object.values(observed.users).every((u) => u.status === 'ok')).toBe(true);
  });

  test('observes the same state whether users are listed or read one by one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 30 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 25 }),
        async (size, picks) => {
          const users = tenantOf(size);
          const referenced = picks.map((i) => `U${i}@Example.com`);
          const manifest = manifestReferencing(referenced);
          const listed = await observe(fakeAdmin({ users }).admin, manifest, { userReads: 'list' });
          const got = await observe(fakeAdmin({ users }).admin, manifest, { userReads: 'get' });
          expect(JSON.stringify(listed)).toBe(JSON.stringify(got));
        },
      ),
      { numRuns: 50 },
    );
  });
});
