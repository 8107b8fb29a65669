/**
 * GoogleWorkspaceAdmin against the emulator, through the official clients (no mocked client): every method,
 * retries of injected faults, permission errors, least privilege and exhausted retries. Time is virtual:
 * backoff and rate-limit waits advance a fake clock, so nothing really waits.
 */
import { startEmulator, startSmtpStandIn } from '../../lib/emulator';
import type { RunningEmulator } from '../../lib/emulator/emulator-types';
import { AdminApiError } from '../../lib/admin/admin-error';
import { createWorkspaceAdmin } from '../../lib/admin/google-workspace-admin';
import { scopesForAccess } from '../../lib/admin/scopes';
import type { AccessLevel, WorkspaceAdmin } from '../../lib/admin/workspace-admin';
import type { WorkspaceAdminOptions } from '../../lib/admin/workspace-admin-options';

let emulator: RunningEmulator;

beforeAll(async () => {
  // The SMTP stand-in listens on a free port; Google allows securityMode none on port 25 only.
  emulator = await startEmulator({ seed: 'demo', randomSeed: 7, allowInsecureSmtpAnyPort: true });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  emulator.control.seed(DEMO);
  emulator.control.setKnobs({ faults: {}, policyWrites: 'accepted', latencyMs: 0, jitterMs: 0 });
});

const DEMO = {
  customerId: 'C01demo00',
  domains: ['example.com'],
  orgUnits: [{ path: '/Sales' }],
  users: [
    { primaryEmail: 'admin@example.com', orgUnitPath: '/', isAdmin: true },
    // Gmail accepts an in-domain send-as only when it is a Directory alias of the user (GAM #681).
    {
      primaryEmail: 'user@example.com',
      orgUnitPath: '/',
      aliases: ['sales@example.com', ...[0, 1, 2, 3].map((i) => `alias${i}@example.com`)],
    },
  ],
};

interface Harness {
  readonly admin: WorkspaceAdmin;
  readonly sleeps: number[];
}

function client(
  access: AccessLevel,
  overrides: Partial<WorkspaceAdminOptions> & { scopes?: readonly string[] } = {},
): Harness {
  let t = 0;
  const sleeps: number[] = [];
  const { scopes, ...rest } = overrides;
  const admin = createWorkspaceAdmin({
    credentials: emulator.createServiceAccountKey(scopes ? { scopes } : {}),
    adminEmail: 'admin@example.com',
    customerId: emulator.customerId,
    access,
    endpoint: { rootUrl: emulator.url, tokenUrl: emulator.tokenUrl },
    retry: { deadlineMs: 60_000 },
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    random: () => 0.5,
    ...rest,
  });
  return { admin, sleeps };
}

async function failure(promise: Promise<unknown>): Promise<AdminApiError> {
  try {
    await promise;
  } catch (error) {
    if (AdminApiError.isAdminApiError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const sum = (counts: Readonly<Record<string, number>>): number => Object.values(counts).reduce((a, b) => a + b, 0);

describe('GoogleWorkspaceAdmin against the emulator', () => {
  test('says it talks to the emulator', () => {
    const { admin } = client('read');
    expect(admin.target.kind).toBe('emulator');
    expect(admin.target.description).toContain(emulator.url);
  });

  test('org units: list with the root, create, rename and move, delete', async () => {
    const { admin } = client('write');
    const before = await admin.listOrgUnits();
    expect(before.map((ou) => ou.orgUnitPath).sort()).toEqual(['/', '/Sales']);
    const created = await admin.createOrgUnit({
      name: 'Partners',
      parentOrgUnitPath: '/Sales',
      description: 'partner desks',
    });
    expect(created).toMatchObject({ orgUnitPath: '/Sales/Partners', name: 'Partners', parentOrgUnitPath: '/Sales' });
    expect(created.orgUnitId).not.toMatch(/^id:/);
    const renamed = await admin.updateOrgUnit('/Sales/Partners', { name: 'R+D 100%', description: 'odd characters' });
    expect(renamed.orgUnitPath).toBe('/Sales/R+D 100%');
    const moved = await admin.updateOrgUnit('/Sales/R+D 100%', { parentOrgUnitPath: '/' });
    expect(moved.orgUnitPath).toBe('/R+D 100%');
    await admin.deleteOrgUnit('/R+D 100%');
    expect((await admin.listOrgUnits()).map((ou) => ou.orgUnitPath).sort()).toEqual(['/', '/Sales']);
  });

  test('org units: a duplicate is alreadyExists, a missing one notFound, a non-empty one failedPrecondition', async () => {
    const { admin } = client('write');
    expect((await failure(admin.createOrgUnit({ name: 'sales', parentOrgUnitPath: '/' }))).kind).toBe('alreadyExists');
    expect((await failure(admin.deleteOrgUnit('/Nowhere'))).kind).toBe('notFound');
    await admin.moveUser('user@example.com', '/Sales');
    expect((await failure(admin.deleteOrgUnit('/Sales'))).kind).toBe('failedPrecondition');
  });

  test('users: get, list a subtree, move', async () => {
    const { admin } = client('write');
    expect(await admin.getUser('user@example.com')).toMatchObject({
      primaryEmail: 'user@example.com',
      orgUnitPath: '/',
    });
    expect(await admin.getUser('nobody@example.com')).toBeUndefined();
    expect((await admin.listUsers('/')).map((u) => u.primaryEmail).sort()).toEqual([
      'admin@example.com',
      'user@example.com',
    ]);
    expect(await admin.listUsers('/Sales')).toEqual([]);
    await admin.createOrgUnit({ name: 'Partners', parentOrgUnitPath: '/Sales' });
    expect(await admin.moveUser('user@example.com', '/Sales/Partners')).toMatchObject({
      orgUnitPath: '/Sales/Partners',
    });
    expect((await admin.listUsers('/Sales')).map((u) => u.primaryEmail)).toEqual(['user@example.com']);
  });

  test('users: every page of a large OU is read', async () => {
    const users = Array.from({ length: 1203 }, (_, i) => ({
      primaryEmail: `u${i}@example.com`,
      orgUnitPath: '/Sales',
    }));
    emulator.control.seed({ ...DEMO, users: [...DEMO.users, ...users] });
    const { admin } = client('read');
    expect(await admin.listUsers('/Sales')).toHaveLength(1203);
    expect(admin.stats().calls['directory.users.list']).toBe(3);
  });

  test('gateway policies: create, list, patch, delete', async () => {
    const { admin } = client('write');
    const sales = (await admin.listOrgUnits()).find((ou) => ou.orgUnitPath === '/Sales')!;
    expect(await admin.listGatewayPolicies()).toEqual([]);
    const created = await admin.setGatewayPolicy(sales.orgUnitId, true);
    expect(created).toMatchObject({ orgUnitId: sales.orgUnitId, allowUsersToUseExternalSmtpServers: true });
    expect(created.name).toMatch(/^policies\//);
    const listed = await admin.listGatewayPolicies();
    expect(listed).toEqual([
      expect.objectContaining({
        name: created.name,
        orgUnitId: sales.orgUnitId,
        allowUsersToUseExternalSmtpServers: true,
      }),
    ]);
    const patched = await admin.setGatewayPolicy(sales.orgUnitId, false, created.name);
    expect(patched).toMatchObject({ name: created.name, allowUsersToUseExternalSmtpServers: false });
    await admin.deleteGatewayPolicy(created.name);
    expect(await admin.listGatewayPolicies()).toEqual([]);
  });

  test('gateway policies: every page is read', async () => {
    const orgUnits = Array.from({ length: 120 }, (_, i) => ({ path: `/Team${i}` }));
    const policies = orgUnits.map((ou, i) => ({
      orgUnitPath: ou.path,
      allowUsersToUseExternalSmtpServers: i % 2 === 0,
    }));
    emulator.control.seed({ ...DEMO, orgUnits, policies });
    const { admin } = client('read');
    expect(await admin.listGatewayPolicies()).toHaveLength(120);
  });

  test('fails with policyWriteRefused when the target refuses writes to the gateway setting', async () => {
    emulator.control.setKnobs({ policyWrites: 'refused' });
    const { admin } = client('write');
    const sales = (await admin.listOrgUnits()).find((ou) => ou.orgUnitPath === '/Sales')!;
    const error = await failure(admin.setGatewayPolicy(sales.orgUnitId, true));
    expect(error.kind).toBe('policyWriteRefused');
    expect(error.code).toBe('MP2006');
  });

  test('send-as: list with the primary, create, get, patch, delete', async () => {
    const { admin } = client('write');
    expect(await admin.listSendAs('user@example.com')).toEqual([
      expect.objectContaining({ sendAsEmail: 'user@example.com', isPrimary: true }),
    ]);
    const created = await admin.createSendAs('user@example.com', {
      sendAsEmail: 'sales@example.com',
      displayName: 'Sales',
    });
    expect(created).toMatchObject({
      sendAsEmail: 'sales@example.com',
      displayName: 'Sales',
      verificationStatus: 'accepted',
    });
    expect(await admin.getSendAs('user@example.com', 'sales@example.com')).toMatchObject({ displayName: 'Sales' });
    const patched = await admin.patchSendAs('user@example.com', 'sales@example.com', {
      displayName: 'Sales desk',
      signature: 'Hi',
    });
    expect(patched).toMatchObject({ displayName: 'Sales desk', signature: 'Hi' });
    expect((await admin.listSendAs('user@example.com')).map((s) => s.sendAsEmail).sort()).toEqual([
      'sales@example.com',
      'user@example.com',
    ]);
    await admin.deleteSendAs('user@example.com', 'sales@example.com');
    expect(await admin.getSendAs('user@example.com', 'sales@example.com')).toBeUndefined();
  });

  test('send-as: an SMTP identity the gateway setting does not allow fails, and the password never shows', async () => {
    const { admin } = client('write');
    const error = await failure(
      admin.createSendAs('user@example.com', {
        sendAsEmail: 'user.name@partner.example.net',
        smtpMsa: { host: '127.0.0.1', port: 1, securityMode: 'none', username: 'u', password: 'CANARY-PASSWORD-42' },
      }),
    );
    expect(error.kind).toBe('failedPrecondition');
    expect(JSON.stringify({ message: error.message, details: error.details, stack: error.stack })).not.toContain(
      'CANARY-PASSWORD-42',
    );
  });
  test('send-as: an SMTP identity is created once the gateway is allowed; the password is never returned', async () => {
    const smtp = await startSmtpStandIn({ mode: 'none', accounts: { relay: 'CANARY-PASSWORD-43' } });
    try {
      const { admin } = client('write');
      const root = (await admin.listOrgUnits()).find((ou) => ou.orgUnitPath === '/')!;
      await admin.setGatewayPolicy(root.orgUnitId, true);
      const created = await admin.createSendAs('user@example.com', {
        sendAsEmail: 'user.name@partner.example.net',
        displayName: 'Partner desk',
        smtpMsa: {
          host: smtp.host,
          port: smtp.port,
          securityMode: 'none',
          username: 'relay',
          password: 'CANARY-PASSWORD-43',
        },
      });
      expect(created).toMatchObject({
        sendAsEmail: 'user.name@partner.example.net',
        smtpMsa: { host: smtp.host, port: smtp.port, securityMode: 'none' },
        verificationStatus: 'pending',
      });
      expect(JSON.stringify(await admin.listSendAs('user@example.com'))).not.toContain('CANARY-PASSWORD-43');
    } finally {
      await smtp.close();
    }
  });
});

describe('retries against injected faults', () => {
  test('429 with Retry-After, 503 and connection resets are retried until the calls succeed', async () => {
    emulator.control.setKnobs({ randomSeed: 11, faults: { '429': 0.1, '503': 0.1, reset: 0.1 } });
    const { admin, sleeps } = client('read');
    const before = emulator.control.callCounts();
    for (let i = 0; i < 15; i++) {
      expect((await admin.listOrgUnits()).length).toBe(2);
      expect(await admin.getUser('user@example.com')).toBeDefined();
    }
    const stats = admin.stats();
    expect(stats.calls['directory.orgunits.list']).toBe(15 + (stats.retries['directory.orgunits.list'] ?? 0));
    expect(sum(stats.retries)).toBeGreaterThan(0);
    // Every attempt reached the emulator once: nothing was retried twice underneath us.
    const after = emulator.control.callCounts();
    for (const method of ['directory.orgunits.list', 'directory.users.get']) {
      expect((after[method] ?? 0) - (before[method] ?? 0)).toBe(stats.calls[method]);
    }
    // A 429 says Retry-After: 1, honoured as a floor under the backoff.
    expect(sleeps.some((ms) => ms >= 1000)).toBe(true);
  });

  test('retries POSTs too: sendAs.create succeeds through 503s', async () => {
    emulator.control.setKnobs({
      randomSeed: 3,
      faults: { methods: { 'gmail.users.settings.sendAs.create': { '503': 0.5 } } },
    });
    const { admin } = client('write');
    for (let i = 0; i < 4; i++) {
      await admin.createSendAs('user@example.com', { sendAsEmail: `alias${i}@example.com` });
    }
    expect(admin.stats().calls['gmail.users.settings.sendAs.create']).toBe(
      4 + (admin.stats().retries['gmail.users.settings.sendAs.create'] ?? 0),
    );
  });

  test('fails with retriesExhausted when a call keeps failing until the deadline', async () => {
    emulator.control.setKnobs({ faults: { methods: { 'directory.orgunits.list': { '503': 1 } } } });
    const { admin } = client('read', { retry: { deadlineMs: 20_000, baseDelayMs: 1000, maxDelayMs: 8000 } });
    const before = emulator.control.callCounts()['directory.orgunits.list'] ?? 0;
    const error = await failure(admin.listOrgUnits());
    expect(error.kind).toBe('retriesExhausted');
    expect(error.code).toBe('MP2005');
    expect(error.message).toMatch(/gave up after \d+ attempts .* last failure 503/);
    const attempts = admin.stats().calls['directory.orgunits.list'];
    expect(attempts).toBeGreaterThan(2);
    expect((emulator.control.callCounts()['directory.orgunits.list'] ?? 0) - before).toBe(attempts);
  });
});

describe('permissions and least privilege', () => {
  const readOnly = scopesForAccess('read');

  test('a read-only delegation grant serves every read', async () => {
    const { admin } = client('read', { scopes: readOnly });
    expect(await admin.listOrgUnits()).toHaveLength(2);
    expect(await admin.listUsers('/')).toHaveLength(2);
    expect(await admin.getUser('user@example.com')).toBeDefined();
    expect(await admin.listGatewayPolicies()).toEqual([]);
    expect(await admin.listSendAs('user@example.com')).toHaveLength(1);
    expect(await admin.getSendAs('user@example.com', 'user@example.com')).toBeDefined();
  });

  test('fails writes with a read-only grant, at once, naming the scope to add to the grant', async () => {
    const { admin } = client('write', { scopes: readOnly });
    const error = await failure(admin.createOrgUnit({ name: 'Partners', parentOrgUnitPath: '/Sales' }));
    expect(error.kind).toBe('permission');
    expect(error.message).toContain('https://www.googleapis.com/auth/admin.directory.orgunit');
    expect(error.message).toMatch(/domain-wide delegation grant/);
    const sendAsError = await failure(admin.createSendAs('user@example.com', { sendAsEmail: 'x@example.com' }));
    expect(sendAsError.message).toContain('gmail.settings.sharing');
    expect(admin.stats().retries).toEqual({});
  });

  test('fails writes on a read client before calling Google, naming the scope', async () => {
    const { admin } = client('read');
    const error = await failure(admin.moveUser('user@example.com', '/Sales'));
    expect(error.kind).toBe('permission');
    expect(error.message).toMatch(/needs write access \(scope admin\.directory\.user\)/);
    expect(admin.stats().calls).toEqual({});
  });

  test('fails at once when the impersonated admin is not an admin, without retrying', async () => {
    const { admin } = client('read', { adminEmail: 'user@example.com' });
    const error = await failure(admin.listOrgUnits());
    expect(error.kind).toBe('permission');
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/user@example\.com must be an admin/);
    expect(admin.stats()).toEqual({ calls: { 'directory.orgunits.list': 1 }, retries: {} });
  });

  test('fails with a credentials error when the subject is not a user of the domain', async () => {
    const { admin } = client('read', { adminEmail: 'ghost@example.com' });
    const error = await failure(admin.listOrgUnits());
    expect(error.kind).toBe('credentials');
    expect(error.code).toBe('MP2000');
    expect(error.message).toContain('ghost@example.com');
  });
});
