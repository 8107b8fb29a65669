import { PROJECT_SCOPES, startEmulator, type RunningEmulator, type SeedTenant } from '../../lib/emulator';
import { readTenant } from '../../lib/import';
import { MailPolicyError } from '../../lib/model/errors';
import { emulatorClient, recording } from './helpers/emulator-admin';

/** `readTenant` through the project's client against the emulator: what it reads, and how it fails. */

const SEED: SeedTenant = {
  customerId: 'C0readtnt',
  domains: ['example.com'],
  orgUnits: [
    { path: '/Sales' },
    { path: '/Sales/Partners', description: 'Partner desk' },
    { path: '/Engineering', description: '' },
  ],
  policies: [
    { orgUnitPath: '/Sales/Partners', allowUsersToUseExternalSmtpServers: true },
    { orgUnitPath: '/Engineering', allowUsersToUseExternalSmtpServers: false },
  ],
  users: [
    { primaryEmail: 'zoe@example.com', orgUnitPath: '/Engineering' },
    {
      primaryEmail: 'user@example.com',
      orgUnitPath: '/Sales/Partners',
      aliases: ['Alias@example.com', 'other@example.com'],
    },
    { primaryEmail: 'admin@example.com', isAdmin: true },
  ],
  sendAs: [
    {
      userEmail: 'user@example.com',
      sendAsEmail: 'user.name@partnerdomain.com',
      displayName: 'User Name',
      signature: '',
      isDefault: true,
      treatAsAlias: false,
      smtpMsa: { host: 'smtp.partnerdomain.com', port: 587, securityMode: 'starttls' },
    },
    { userEmail: 'user@example.com', sendAsEmail: 'Alias@example.com', isDefault: false, treatAsAlias: true },
  ],
};

const without = (...names: string[]) =>
  PROJECT_SCOPES.filter((scope) => !names.some((name) => scope.endsWith(`/auth/${name}`)));

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: SEED });
});
afterAll(() => emulator.close());

describe('readTenant', () => {
  test('reads the whole tenant by default: OUs parents first, explicit policies, users sorted', async () => {
    const tenant = await readTenant(emulatorClient(emulator));
    expect(tenant.topOrgUnitPath).toBe('/');
    expect(tenant.orgUnits.map((o) => o.path)).toEqual(['/Engineering', '/Sales', '/Sales/Partners']);
    expect(tenant.orgUnits[0]).not.toHaveProperty('description');
    expect(tenant.orgUnits[2]).toMatchObject({ name: 'Partners', parentPath: '/Sales', description: 'Partner desk' });
    expect(tenant.gatewayPolicies).toEqual([
      { orgUnitPath: '/Engineering', allowPerUserOutboundGateways: false },
      { orgUnitPath: '/Sales/Partners', allowPerUserOutboundGateways: true },
    ]);
    expect(tenant.users.map((u) => u.email)).toEqual(['admin@example.com', 'user@example.com', 'zoe@example.com']);
    expect(tenant.source).toBe(`Workspace emulator at ${emulator.url} (not Google)`);
  });

  test('never returns a primary address as an identity, and keeps only what Gmail set', async () => {
    const tenant = await readTenant(emulatorClient(emulator));
    const user = tenant.users.find((u) => u.email === 'user@example.com');
    expect(user?.sendAs).toEqual([
      { sendAsEmail: 'Alias@example.com', treatAsAlias: true },
      {
        sendAsEmail: 'user.name@partnerdomain.com',
        displayName: 'User Name',
        isDefault: true,
        smtpMsa: { host: 'smtp.partnerdomain.com', port: 587, securityMode: 'starttls' },
      },
    ]);
    expect(tenant.users.find((u) => u.email === 'admin@example.com')?.sendAs).toEqual([]);
  });

  test("reads each user's editable aliases, lower case and sorted", async () => {
    const tenant = await readTenant(emulatorClient(emulator));
    expect(tenant.users.find((u) => u.email === 'user@example.com')?.aliases).toEqual([
      'alias@example.com',
      'other@example.com',
    ]);
    expect(tenant.users.find((u) => u.email === 'zoe@example.com')).not.toHaveProperty('aliases');
  });

  test('--org-unit limits the import to a subtree whose top OU is not managed', async () => {
    const admin = recording(emulatorClient(emulator));
    const tenant = await readTenant(admin, { orgUnit: '/sales' });
    expect(tenant.topOrgUnitPath).toBe('/Sales');
    expect(tenant.orgUnits.map((o) => o.path)).toEqual(['/Sales/Partners']);
    expect(tenant.gatewayPolicies.map((p) => p.orgUnitPath)).toEqual(['/Sales/Partners']);
    expect(tenant.users.map((u) => u.email)).toEqual(['user@example.com']);
    expect(admin.calls).toContain('listUsers:/Sales');
  });

  test('--users limits the users read, in any case', async () => {
    const admin = recording(emulatorClient(emulator));
    const tenant = await readTenant(admin, { users: ['ZOE@example.com'] });
    expect(tenant.users.map((u) => u.email)).toEqual(['zoe@example.com']);
    expect(admin.calls.filter((c) => c.startsWith('listSendAs'))).toEqual(['listSendAs:zoe@example.com']);
  });

  test('reads send-as lists with bounded concurrency and reports progress', async () => {
    const many = await startEmulator({
      latencyMs: 5,
      seed: {
        customerId: 'C0many',
        domains: ['example.com'],
        users: [
          { primaryEmail: 'admin@example.com', isAdmin: true },
          ...Array.from({ length: 39 }, (_, i) => ({ primaryEmail: `u${String(i).padStart(2, '0')}@example.com` })),
        ],
      },
    });
    try {
      const admin = recording(emulatorClient(many));
      const progress: number[] = [];
      const tenant = await readTenant(admin, { concurrency: 4, onProgress: (p) => progress.push(p.done) });
      expect(tenant.users).toHaveLength(40);
      expect(admin.maxInFlight()).toBeLessThanOrEqual(4);
      expect(admin.maxInFlight()).toBeGreaterThan(1);
      expect(progress[progress.length - 1]).toBe(40);
    } finally {
      await many.close();
    }
  });

  test('fails with MP5000 naming the OU when --org-unit does not exist', async () => {
    const error = await readTenant(emulatorClient(emulator), { orgUnit: '/Marketing' }).catch((e: unknown) => e);
    expect(MailPolicyError.isMailPolicyError(error)).toBe(true);
    expect((error as MailPolicyError).code).toBe('MP5000');
    expect((error as Error).message).toMatch(/--org-unit '\/Marketing' does not exist .*such as \/Engineering/);
  });

  test('fails with MP5000 listing users from --users that are not in the subtree', async () => {
    await expect(
      readTenant(emulatorClient(emulator), {
        orgUnit: '/Sales',
        users: ['user@example.com', 'zoe@example.com', 'x@example.com'],
      }),
    ).rejects.toThrow(/2 users from --users not found in \/Sales .*: zoe@example.com, x@example.com/);
  });

  test('fails with MP5000 when a read fails, naming what could not be read', async () => {
    const admin = emulatorClient(emulator, { scopes: without('gmail.settings.basic', 'gmail.settings.sharing') });
    const error = await readTenant(admin, { users: ['zoe@example.com'] }).catch((e: unknown) => e);
    expect((error as MailPolicyError).code).toBe('MP5000');
    expect((error as Error).message).toMatch(
      /could not read the send-as addresses of zoe@example.com from Workspace emulator .*\[MP2001\]/,
    );
    expect((error as Error).message).toContain('Nothing was written');
  });

  test('fails when the policy list cannot be read, rather than importing without policies', async () => {
    const admin = emulatorClient(emulator, {
      scopes: without('cloud-identity.policies', 'cloud-identity.policies.readonly'),
    });
    await expect(readTenant(admin)).rejects.toThrow(/could not read the per-user outbound gateway policies/);
  });
});
