/**
 * Gmail sendAs behaviour that Google has been seen to have, driven by Google's own Node client
 * (`@googleapis/gmail`). Each test names its source.
 */
import { createTestCertificate, startEmulator, startSmtpStandIn, type RunningEmulator } from '../../lib/emulator';
import type { RunningSmtpStandIn } from '../../lib/emulator';
import { clientsFor, googleError } from './emulator-clients';

const cert = createTestCertificate();
const SECRET = 'fidelity-secret-1';

describe('Gmail fidelity', () => {
  let emulator: RunningEmulator;
  let gmail: ReturnType<typeof clientsFor>['gmail'];
  let smtp: RunningSmtpStandIn;
  let plain: RunningSmtpStandIn;
  beforeAll(async () => {
    emulator = await startEmulator({ smtpCa: cert.cert });
    gmail = clientsFor(emulator, emulator.createServiceAccountKey(), 'user@example.com').gmail;
    smtp = await startSmtpStandIn({ mode: 'ssl', accounts: { relay: SECRET }, tls: cert });
    plain = await startSmtpStandIn({ mode: 'none', accounts: { relay: SECRET } });
  });
  beforeEach(() =>
    emulator.control.seed({
      customerId: 'C01demo00',
      domains: ['example.com', 'example.net'],
      orgUnits: [{ path: '/Sales' }],
      users: [
        { primaryEmail: 'admin@example.com', isAdmin: true },
        {
          primaryEmail: 'user@example.com',
          orgUnitPath: '/Sales',
          aliases: ['sales@example.com'],
          nonEditableAliases: ['user@example.net'],
        },
      ],
      policies: [{ orgUnitPath: '/Sales', allowUsersToUseExternalSmtpServers: true }],
    }),
  );
  afterAll(async () => {
    await emulator.close();
    await smtp.close();
    await plain.close();
  });
  const userId = 'me';
  const msa = (port: number, securityMode = 'ssl') => ({
    host: '127.0.0.1',
    port,
    securityMode,
    username: 'relay',
    password: SECRET,
  });

  // GAM #681: "Custom from requires smtpMsa configuration - invalidArgument" for an address of one of the
  // customer's domains that was not yet an alias of the user ("I neglected to add the alias to the user account").
  test('fails to create an in-domain address that is not an alias of the user without smtpMsa', async () => {
    const err = await googleError(
      gmail.users.settings.sendAs.create({ userId, requestBody: { sendAsEmail: 'other@example.com' } }),
    );
    expect(err).toMatchObject({
      status: 400,
      reason: 'invalidArgument',
      message: 'Custom from requires smtpMsa configuration',
    });
  });

  // Same source: once the alias exists, Gmail accepts the address; nonEditableAliases count as the user's too.
  test.each(['sales@example.com', 'user@example.net'])(
    'creates %s, an alias of the user, accepted',
    async (address) => {
      const created = await gmail.users.settings.sendAs.create({ userId, requestBody: { sendAsEmail: address } });
      expect(created.data).toMatchObject({ sendAsEmail: address, verificationStatus: 'accepted' });
      expect(emulator.control.outbox()).toEqual([]);
    },
  );

  // Same source, seen from the other side: an alias inserted through the Directory API makes the address usable.
  test('creates an in-domain address after the Directory alias is inserted', async () => {
    const admin = clientsFor(emulator, emulator.createServiceAccountKey(), 'admin@example.com').directory;
    await admin.users.aliases.insert({ userKey: 'user@example.com', requestBody: { alias: 'other@example.com' } });
    const created = await gmail.users.settings.sendAs.create({
      userId,
      requestBody: { sendAsEmail: 'other@example.com' },
    });
    expect(created.data.verificationStatus).toBe('accepted');
  });

  // [SIG-LEN]: Gmail Help allows signatures of up to 10,000 characters; above it the API answers
  // "Signature exceeds maximum length of 10000 characters [400]", reason InvalidArgument.
  test('refuses a signature longer than 10,000 characters and takes one at the limit', async () => {
    const atLimit = `<b>${'x'.repeat(9_993)}</b>`;
    const created = await gmail.users.settings.sendAs.create({
      userId,
      requestBody: { sendAsEmail: 'sales@example.com', signature: atLimit },
    });
    expect(created.data.signature).toBe(atLimit);
    const err = await googleError(
      gmail.users.settings.sendAs.patch({
        userId,
        sendAsEmail: 'sales@example.com',
        requestBody: { signature: `${atLimit}y` },
      }),
    );
    expect(err).toMatchObject({
      status: 400,
      reason: 'invalidArgument',
      message: 'Signature exceeds maximum length of 10000 characters',
    });
    const kept = await gmail.users.settings.sendAs.get({ userId, sendAsEmail: 'sales@example.com' });
    expect(kept.data.signature).toBe(atLimit);
  });

  // GAMADV-XTD3 #37: "Add Failed: Unverified send-as cannot be set as the default".
  test('fails to create a pending address as the default', async () => {
    const err = await googleError(
      gmail.users.settings.sendAs.create({
        userId,
        requestBody: { sendAsEmail: 'me@partner.com', isDefault: true, smtpMsa: msa(smtp.port) },
      }),
    );
    expect(err).toMatchObject({ status: 400, message: 'Unverified send-as cannot be set as the default' });
    expect(emulator.control.outbox()).toEqual([]);
  });

  // GAMADV-XTD3 #37, for patch and update of an address that is still pending.
  test('fails to make a pending address the default through patch or update; after verification it works', async () => {
    await gmail.users.settings.sendAs.create({
      userId,
      requestBody: { sendAsEmail: 'me@partner.com', smtpMsa: msa(smtp.port) },
    });
    for (const call of [
      () =>
        gmail.users.settings.sendAs.patch({ userId, sendAsEmail: 'me@partner.com', requestBody: { isDefault: true } }),
      () =>
        gmail.users.settings.sendAs.update({
          userId,
          sendAsEmail: 'me@partner.com',
          requestBody: { isDefault: true, smtpMsa: msa(smtp.port) },
        }),
    ]) {
      expect(await googleError(call())).toMatchObject({
        status: 400,
        message: 'Unverified send-as cannot be set as the default',
      });
    }
    emulator.control.acceptVerification('user@example.com', 'me@partner.com');
    const patched = await gmail.users.settings.sendAs.patch({
      userId,
      sendAsEmail: 'me@partner.com',
      requestBody: { isDefault: true },
    });
    expect(patched.data.isDefault).toBe(true);
  });

  // Gmail discovery document, SmtpMsa.securityMode `none`: "Communication with the remote SMTP service is
  // unsecured. Requires port 25."
  test('fails on securityMode none with a port other than 25, before connecting', async () => {
    const before = plain.authenticated;
    const err = await googleError(
      gmail.users.settings.sendAs.create({
        userId,
        requestBody: { sendAsEmail: 'me@partner.com', smtpMsa: msa(plain.port, 'none') },
      }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/securityMode none requires port 25/);
    expect(plain.authenticated).toBe(before);
  });

  // The emulator's own knob (tests bind SMTP stand-ins on free ports); off by default.
  test('with allowInsecureSmtpAnyPort, securityMode none works on any port', async () => {
    emulator.control.setKnobs({ allowInsecureSmtpAnyPort: true });
    try {
      const created = await gmail.users.settings.sendAs.create({
        userId,
        requestBody: { sendAsEmail: 'me@partner.com', smtpMsa: msa(plain.port, 'none') },
      });
      expect(created.data.smtpMsa).toMatchObject({ securityMode: 'none', port: plain.port });
    } finally {
      emulator.control.setKnobs({ allowInsecureSmtpAnyPort: false });
    }
  });

  // Google's JSON transcoding refuses unknown names (nodejs-client #1991 shows it for Gmail); the message lists
  // each, with the field path for nested messages.
  test('fails on unknown JSON fields, top level and nested, listing each', async () => {
    const err = await googleError(
      gmail.users.settings.sendAs.create({
        userId,
        requestBody: {
          sendAsEmail: 'sales@example.com',
          colour: 'red',
          smtpMsa: { ...msa(smtp.port), tls: true },
        } as never,
      }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toContain('Invalid JSON payload received. Unknown name "colour"');
    expect(err.message).toContain(`Unknown name "tls" at 'send_as.smtp_msa': Cannot find field.`);
    expect(err.body?.error).toMatchObject({
      status: 'INVALID_ARGUMENT',
      details: [expect.objectContaining({ '@type': 'type.googleapis.com/google.rpc.BadRequest' })],
    });
    expect(await gmail.users.settings.sendAs.list({ userId })).toMatchObject({
      data: { sendAs: [expect.objectContaining({ sendAsEmail: 'user@example.com' })] },
    });
  });

  // Every discovery document's `parameters.fields`: "Selector specifying which fields to include in a partial
  // response."
  test('answers a partial response for the fields parameter', async () => {
    await gmail.users.settings.sendAs.create({ userId, requestBody: { sendAsEmail: 'sales@example.com' } });
    const res = await gmail.users.settings.sendAs.list({ userId, fields: 'sendAs(sendAsEmail,isPrimary)' });
    expect(res.data).toEqual({
      sendAs: [{ sendAsEmail: 'user@example.com', isPrimary: true }, { sendAsEmail: 'sales@example.com' }],
    });
    const one = await gmail.users.settings.sendAs.get({
      userId,
      sendAsEmail: 'sales@example.com',
      fields: 'verificationStatus',
    });
    expect(one.data).toEqual({ verificationStatus: 'accepted' });
  });
});
