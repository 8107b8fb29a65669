import { createServer } from 'node:net';
import {
  createTestCertificate,
  startEmulator,
  startSmtpStandIn,
  type RunningEmulator,
  type RunningSmtpStandIn,
} from '../../lib/emulator';
import { clientsFor, googleError } from './emulator-clients';

const cert = createTestCertificate();
const SECRET = 'pa55-w0rd-secret';

function freePortThatIsClosed(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('SMTP validation of smtpMsa against a real SMTP server', () => {
  let emulator: RunningEmulator;
  let gmail: ReturnType<typeof clientsFor>['gmail'];
  const servers: Partial<Record<'ssl' | 'starttls' | 'none', RunningSmtpStandIn>> = {};
  beforeAll(async () => {
    // The stand-ins listen on free ports; Google allows securityMode none on port 25 only.
    emulator = await startEmulator({ smtpCa: cert.cert, allowInsecureSmtpAnyPort: true });
    gmail = clientsFor(emulator, emulator.createServiceAccountKey(), 'user@example.com').gmail;
    for (const mode of ['ssl', 'starttls', 'none'] as const) {
      servers[mode] = await startSmtpStandIn({ mode, accounts: { relay: SECRET }, tls: cert });
    }
  });
  beforeEach(() =>
    emulator.control.seed({
      customerId: 'C01demo00',
      domains: ['example.com'],
      orgUnits: [{ path: '/Sales' }],
      users: [
        { primaryEmail: 'admin@example.com', isAdmin: true },
        { primaryEmail: 'user@example.com', orgUnitPath: '/Sales' },
      ],
      policies: [{ orgUnitPath: '/Sales', allowUsersToUseExternalSmtpServers: true }],
    }),
  );
  afterAll(async () => {
    await emulator.close();
    for (const s of Object.values(servers)) await s?.close();
  });

  const create = (mode: 'ssl' | 'starttls' | 'none', port: number, password = SECRET) =>
    gmail.users.settings.sendAs.create({
      userId: 'me',
      requestBody: {
        sendAsEmail: 'me@partner.com',
        smtpMsa: { host: '127.0.0.1', port, securityMode: mode, username: 'relay', password },
      },
    });

  test.each(['ssl', 'starttls', 'none'] as const)(
    'creates a pending external address after authenticating over %s',
    async (mode) => {
      const before = servers[mode]!.authenticated;
      const res = await create(mode, servers[mode]!.port);
      expect(res.data).toMatchObject({
        sendAsEmail: 'me@partner.com',
        verificationStatus: 'pending',
        smtpMsa: { host: '127.0.0.1', securityMode: mode },
      });
      expect(res.data.smtpMsa).not.toHaveProperty('password');
      expect(res.data.smtpMsa).not.toHaveProperty('username');
      expect(servers[mode]!.authenticated).toBe(before + 1);
      expect(JSON.stringify(emulator.control.snapshot())).not.toContain(SECRET);
    },
  );

  test('fails with a wrong password, naming the AUTH step', async () => {
    const err = await googleError(create('ssl', servers.ssl!.port, 'wrong'));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/rejected the SMTP authentication \(AUTH\)/);
    expect(err.message).not.toContain('wrong');
  });

  test('fails with the wrong security mode, naming the TLS step', async () => {
    const err = await googleError(create('ssl', servers.none!.port));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/TLS negotiation with 127\.0\.0\.1:\d+ failed \(securityMode ssl\)/);
  });

  test('fails on a closed port, naming the connection step', async () => {
    const err = await googleError(create('starttls', await freePortThatIsClosed()));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/could not connect to 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  test('fails without the test CA: the self-signed certificate is not trusted', async () => {
    emulator.control.setKnobs({ smtpCa: undefined });
    try {
      const err = await googleError(create('starttls', servers.starttls!.port));
      expect(err.message).toMatch(/TLS negotiation .* failed \(securityMode starttls\)/);
    } finally {
      emulator.control.setKnobs({ smtpCa: cert.cert });
    }
  });

  test("fails with failedPrecondition when the user's OU does not allow per-user gateways", async () => {
    const admin = clientsFor(emulator, emulator.createServiceAccountKey(), 'admin@example.com').directory;
    await admin.users.patch({ userKey: 'user@example.com', requestBody: { orgUnitPath: '/' } });
    const err = await googleError(create('ssl', servers.ssl!.port));
    expect(err).toMatchObject({ status: 400, reason: 'failedPrecondition' });
    expect(err.message).toMatch(/per-user outbound gateways are not allowed for this user's organisational unit/i);
  });

  test('a policy change takes effect for send-as checks only after the propagation delay', async () => {
    emulator.control.setKnobs({ propagationDelayMs: 60_000 });
    try {
      const key = emulator.createServiceAccountKey();
      const policies = clientsFor(emulator, key, 'admin@example.com').policiesWrite;
      const list = await clientsFor(emulator, key, 'admin@example.com').policiesRead.policies.list({});
      await policies.policies.patch({
        name: list.data.policies![0].name!,
        requestBody: {
          setting: {
            type: 'settings/gmail.per_user_outbound_gateway',
            value: { allowUsersToUseExternalSmtpServers: false },
          },
        },
      });
      // The seeded "allow" is still in force for the next minute.
      await create('ssl', servers.ssl!.port);
    } finally {
      emulator.control.setKnobs({ propagationDelayMs: 0 });
    }
    const err = await googleError(
      gmail.users.settings.sendAs.patch({
        userId: 'me',
        sendAsEmail: 'me@partner.com',
        requestBody: {
          smtpMsa: {
            host: '127.0.0.1',
            port: servers.ssl!.port,
            securityMode: 'ssl',
            username: 'relay',
            password: SECRET,
          },
        },
      }),
    );
    expect(err).toMatchObject({ status: 400, reason: 'failedPrecondition' });
  });
});
