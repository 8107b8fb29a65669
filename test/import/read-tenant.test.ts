import { readTenant } from '../../lib/import';
import { MailPolicyError } from '../../lib/model/errors';
import { fakeAdmin, type FakeTenant } from './helpers/fake-admin';

const TENANT: FakeTenant = {
  orgUnits: [
    { path: '/Sales' },
    { path: '/Sales/Partners', description: 'Partner desk' },
    { path: '/Engineering', description: '' },
  ],
  policies: [
    { path: '/Sales/Partners', allow: true },
    { path: '/Engineering', allow: false },
  ],
  users: [
    { email: 'zoe@example.com', orgUnitPath: '/Engineering' },
    { email: 'user@example.com', orgUnitPath: '/Sales/Partners' },
    { email: 'admin@example.com' },
  ],
  sendAs: {
    'user@example.com': [
      {
        sendAsEmail: 'user.name@partnerdomain.com',
        displayName: 'User Name',
        signature: '',
        isDefault: true,
        treatAsAlias: false,
        smtpMsa: { host: 'smtp.partnerdomain.com', port: 587, securityMode: 'starttls' },
      },
      { sendAsEmail: 'Alias@example.com', isDefault: false },
    ],
  },
};

describe('readTenant', () => {
  test('reads the whole tenant by default: OUs parents first, explicit policies, users sorted', async () => {
    const tenant = await readTenant(fakeAdmin(TENANT));
    expect(tenant.topOrgUnitPath).toBe('/');
    expect(tenant.orgUnits.map((o) => o.path)).toEqual(['/Engineering', '/Sales', '/Sales/Partners']);
    expect(tenant.orgUnits[0]).not.toHaveProperty('description');
    expect(tenant.orgUnits[2]).toMatchObject({ name: 'Partners', parentPath: '/Sales', description: 'Partner desk' });
    expect(tenant.gatewayPolicies).toEqual([
      { orgUnitPath: '/Engineering', allowPerUserOutboundGateways: false },
      { orgUnitPath: '/Sales/Partners', allowPerUserOutboundGateways: true },
    ]);
    expect(tenant.users.map((u) => u.email)).toEqual(['admin@example.com', 'user@example.com', 'zoe@example.com']);
  });

  test('never returns a primary address as an identity, and keeps only what Gmail set', async () => {
    const tenant = await readTenant(fakeAdmin(TENANT));
    const user = tenant.users.find((u) => u.email === 'user@example.com');
    expect(user?.sendAs).toEqual([
      { sendAsEmail: 'Alias@example.com' },
      {
        sendAsEmail: 'user.name@partnerdomain.com',
        displayName: 'User Name',
        treatAsAlias: false,
        isDefault: true,
        smtpMsa: { host: 'smtp.partnerdomain.com', port: 587, securityMode: 'starttls' },
      },
    ]);
    expect(tenant.users.find((u) => u.email === 'admin@example.com')?.sendAs).toEqual([]);
  });

  test('--org-unit limits the import to a subtree whose top OU is not managed', async () => {
    const admin = fakeAdmin(TENANT);
    const tenant = await readTenant(admin, { orgUnit: '/sales' });
    expect(tenant.topOrgUnitPath).toBe('/Sales');
    expect(tenant.orgUnits.map((o) => o.path)).toEqual(['/Sales/Partners']);
    expect(tenant.gatewayPolicies.map((p) => p.orgUnitPath)).toEqual(['/Sales/Partners']);
    expect(tenant.users.map((u) => u.email)).toEqual(['user@example.com']);
    expect(admin.calls).toContain('listUsers:/Sales');
  });

  test('--users limits the users read, in any case', async () => {
    const admin = fakeAdmin(TENANT);
    const tenant = await readTenant(admin, { users: ['ZOE@example.com'] });
    expect(tenant.users.map((u) => u.email)).toEqual(['zoe@example.com']);
    expect(admin.calls.filter((c) => c.startsWith('listSendAs'))).toEqual(['listSendAs:zoe@example.com']);
  });

  test('reads send-as lists with bounded concurrency and reports progress', async () => {
    const users = Array.from({ length: 40 }, (_, i) => ({ email: `u${String(i).padStart(2, '0')}@example.com` }));
    const admin = fakeAdmin({ users });
    const progress: number[] = [];
    const tenant = await readTenant(admin, { concurrency: 4, onProgress: (p) => progress.push(p.done) });
    expect(tenant.users).toHaveLength(40);
    expect(admin.maxInFlight()).toBeLessThanOrEqual(4);
    expect(admin.maxInFlight()).toBeGreaterThan(1);
    expect(progress[progress.length - 1]).toBe(40);
  });

  test('fails with MP5000 naming the OU when --org-unit does not exist', async () => {
    const error = await readTenant(fakeAdmin(TENANT), { orgUnit: '/Marketing' }).catch((e: unknown) => e);
    expect(MailPolicyError.isMailPolicyError(error)).toBe(true);
    expect((error as MailPolicyError).code).toBe('MP5000');
    expect((error as Error).message).toMatch(/--org-unit '\/Marketing' does not exist .*such as \/Engineering/);
  });

  test('fails with MP5000 listing users from --users that are not in the subtree', async () => {
    await expect(
      readTenant(fakeAdmin(TENANT), {
        orgUnit: '/Sales',
        users: ['user@example.com', 'zoe@example.com', 'x@example.com'],
      }),
    ).rejects.toThrow(/2 users from --users not found in \/Sales .*: zoe@example.com, x@example.com/);
  });

  test('fails with MP5000 when a read fails, naming what could not be read', async () => {
    const error = await readTenant(fakeAdmin({ ...TENANT, failing: ['listSendAs:zoe@example.com'] })).catch(
      (e: unknown) => e,
    );
    expect((error as MailPolicyError).code).toBe('MP5000');
    expect((error as Error).message).toMatch(
      /could not read the send-as addresses of zoe@example.com from fake tenant .*\[MP2001\].*insufficient authentication scopes/,
    );
  });

  test('fails when the policy list cannot be read, rather than importing without policies', async () => {
    await expect(readTenant(fakeAdmin({ ...TENANT, failing: ['listGatewayPolicies'] }))).rejects.toThrow(
      /\[?could not read the per-user outbound gateway policies/,
    );
  });
});
