import { startEmulator, type RunningEmulator } from '../../lib/emulator';
import { clientsFor, googleError } from './emulator-clients';

describe('Gmail users.settings.sendAs', () => {
  let emulator: RunningEmulator;
  let gmail: ReturnType<typeof clientsFor>['gmail'];
  beforeAll(async () => {
    emulator = await startEmulator();
    gmail = clientsFor(emulator, emulator.createServiceAccountKey(), 'user@example.com').gmail;
  });
  beforeEach(() =>
    emulator.control.seed({
      customerId: 'C01demo00',
      domains: ['example.com'],
      users: [
        { primaryEmail: 'admin@example.com', isAdmin: true },
        // In-domain send-as addresses must be Directory aliases of the user (GAM #681).
        {
          primaryEmail: 'user@example.com',
          aliases: ['sales@example.com', 'a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'],
        },
      ],
    }),
  );
  afterAll(() => emulator.close());
  const userId = 'user@example.com';

  test('an alias of the user in the customer domain is created accepted, and get and list return it', async () => {
    const created = await gmail.users.settings.sendAs.create({
      userId,
      requestBody: { sendAsEmail: 'sales@example.com', displayName: 'Sales' },
    });
    expect(created.data).toMatchObject({
      sendAsEmail: 'sales@example.com',
      displayName: 'Sales',
      verificationStatus: 'accepted',
    });
    const got = await gmail.users.settings.sendAs.get({ userId: 'me', sendAsEmail: 'sales@example.com' });
    expect(got.data.displayName).toBe('Sales');
    const list = await gmail.users.settings.sendAs.list({ userId });
    expect(list.data.sendAs?.map((s) => s.sendAsEmail)).toEqual(['user@example.com', 'sales@example.com']);
  });

  test('fails to create an external address without smtpMsa, as Google has been seen to refuse it', async () => {
    const err = await googleError(
      gmail.users.settings.sendAs.create({ userId, requestBody: { sendAsEmail: 'me@partner.com' } }),
    );
    expect(err).toMatchObject({
      status: 400,
      reason: 'invalidArgument',
      message: 'Custom from requires smtpMsa configuration',
    });
  });

  test('with the knob on, an external address without smtpMsa starts pending, mails a verification and can be verified', async () => {
    emulator.control.setKnobs({ acceptExternalWithoutSmtp: true });
    try {
      const created = await gmail.users.settings.sendAs.create({
        userId,
        requestBody: { sendAsEmail: 'me@partner.com' },
      });
      expect(created.data.verificationStatus).toBe('pending');
      expect(emulator.control.outbox()).toEqual([
        expect.objectContaining({ userEmail: 'user@example.com', to: 'me@partner.com' }),
      ]);
      await gmail.users.settings.sendAs.verify({ userId, sendAsEmail: 'me@partner.com' });
      expect(emulator.control.outbox()).toHaveLength(2);
      emulator.control.acceptVerification('user@example.com', 'me@partner.com');
      const got = await gmail.users.settings.sendAs.get({ userId, sendAsEmail: 'me@partner.com' });
      expect(got.data.verificationStatus).toBe('accepted');
      const err = await googleError(gmail.users.settings.sendAs.verify({ userId, sendAsEmail: 'me@partner.com' }));
      expect(err).toMatchObject({ status: 400, reason: 'failedPrecondition' });
      expect(err.message).toMatch(/only while the verification status is pending/);
    } finally {
      emulator.control.setKnobs({ acceptExternalWithoutSmtp: false });
    }
  });

  test('isDefault only accepts true and moves the default away from the previous address', async () => {
    await gmail.users.settings.sendAs.create({
      userId,
      requestBody: { sendAsEmail: 'a@example.com', isDefault: true },
    });
    let list = await gmail.users.settings.sendAs.list({ userId });
    expect(list.data.sendAs?.filter((s) => s.isDefault).map((s) => s.sendAsEmail)).toEqual(['a@example.com']);
    const err = await googleError(
      gmail.users.settings.sendAs.patch({ userId, sendAsEmail: 'a@example.com', requestBody: { isDefault: false } }),
    );
    expect(err).toMatchObject({ status: 400, reason: 'invalidArgument' });
    await gmail.users.settings.sendAs.patch({
      userId,
      sendAsEmail: 'user@example.com',
      requestBody: { isDefault: true },
    });
    list = await gmail.users.settings.sendAs.list({ userId });
    expect(list.data.sendAs?.filter((s) => s.isDefault).map((s) => s.sendAsEmail)).toEqual(['user@example.com']);
  });

  test('patch merges, update replaces, and the signature is sanitised', async () => {
    await gmail.users.settings.sendAs.create({
      userId,
      requestBody: { sendAsEmail: 'b@example.com', displayName: 'B', replyToAddress: 'r@example.com' },
    });
    const patched = await gmail.users.settings.sendAs.patch({
      userId,
      sendAsEmail: 'b@example.com',
      requestBody: { signature: '<b onclick="x()">Hi</b><script>alert(1)</script> <a href="javascript:go()">x</a>' },
    });
    expect(patched.data).toMatchObject({
      displayName: 'B',
      replyToAddress: 'r@example.com',
      signature: '<b>Hi</b> <a>x</a>',
    });
    const updated = await gmail.users.settings.sendAs.update({
      userId,
      sendAsEmail: 'b@example.com',
      requestBody: { displayName: 'Bee' },
    });
    expect(updated.data).toMatchObject({ displayName: 'Bee', replyToAddress: '', signature: '' });
  });

  test('fails to delete the primary address; other addresses delete and then return 404', async () => {
    const primary = await googleError(gmail.users.settings.sendAs.delete({ userId, sendAsEmail: 'user@example.com' }));
    expect(primary).toMatchObject({ status: 400, reason: 'invalidArgument' });
    expect(primary.message).toMatch(/Cannot delete primary send-as/);
    await gmail.users.settings.sendAs.create({ userId, requestBody: { sendAsEmail: 'c@example.com' } });
    await gmail.users.settings.sendAs.delete({ userId, sendAsEmail: 'c@example.com' });
    const gone = await googleError(gmail.users.settings.sendAs.get({ userId, sendAsEmail: 'c@example.com' }));
    expect(gone).toMatchObject({ status: 404, reason: 'notFound' });
  });

  test('fails to create an address twice (409 alreadyExists) or an invalid address (400)', async () => {
    await gmail.users.settings.sendAs.create({ userId, requestBody: { sendAsEmail: 'd@example.com' } });
    expect(
      await googleError(gmail.users.settings.sendAs.create({ userId, requestBody: { sendAsEmail: 'D@example.com' } })),
    ).toMatchObject({ status: 409, reason: 'alreadyExists' });
    expect(
      await googleError(gmail.users.settings.sendAs.create({ userId, requestBody: { sendAsEmail: 'not an address' } })),
    ).toMatchObject({ status: 400, reason: 'invalidArgument' });
  });

  test("fails to read another user's mailbox (403 Delegation denied)", async () => {
    const err = await googleError(gmail.users.settings.sendAs.list({ userId: 'admin@example.com' }));
    expect(err).toMatchObject({ status: 403, reason: 'forbidden', message: 'Delegation denied for user@example.com' });
  });

  test('counts calls per method id', async () => {
    const before = emulator.control.callCounts()['gmail.users.settings.sendAs.list'] ?? 0;
    await gmail.users.settings.sendAs.list({ userId });
    expect(emulator.control.callCounts()['gmail.users.settings.sendAs.list']).toBe(before + 1);
  });
});
