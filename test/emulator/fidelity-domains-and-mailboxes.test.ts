/**
 * Directory `domains.list` and the `isMailboxSetup` user field, and Gmail's answer for a user without a mailbox,
 * driven by Google's own Node clients (`@googleapis/admin` directory_v1, `@googleapis/gmail` v1). Each test names
 * its source.
 */
import { startEmulator, type RunningEmulator, type ServiceAccountKey } from '../../lib/emulator';
import { clientsFor, googleError } from './emulator-clients';

const S = (name: string): string => `https://www.googleapis.com/auth/${name}`;

describe('Directory domains and mailboxes', () => {
  let emulator: RunningEmulator;
  let key: ServiceAccountKey;
  beforeAll(async () => {
    emulator = await startEmulator();
    key = emulator.createServiceAccountKey();
    emulator.control.seed({
      customerId: 'C01demo00',
      domains: ['example.com', 'example.net'],
      users: [
        { primaryEmail: 'admin@example.com', isAdmin: true },
        { primaryEmail: 'ann@example.com' },
        { primaryEmail: 'new@example.com', isMailboxSetup: false },
      ],
    });
  });
  afterAll(() => emulator.close());
  const admin = (scopes?: string[]) => clientsFor(emulator, key, 'admin@example.com', scopes);

  // Directory discovery document: directory.domains.list, GET admin/directory/v1/customer/{customer}/domains,
  // response Domains2 { kind, etag, domains: Domains[] { domainName, isPrimary, verified, … } }.
  test('lists the customer domains, the primary first', async () => {
    const { data } = await admin().directory.domains.list({ customer: 'my_customer' });
    expect(data.kind).toBe('admin#directory#domains');
    expect(data.domains?.map((d) => [d.domainName, d.isPrimary, d.verified])).toEqual([
      ['example.com', true, true],
      ['example.net', false, true],
    ]);
    const byId = await admin().directory.domains.list({ customer: 'C01demo00' });
    expect(byId.data.domains).toHaveLength(2);
  });

  // Directory discovery document: domains.list scopes are admin.directory.domain and admin.directory.domain.readonly.
  test('needs a domain scope and an admin', async () => {
    const withoutScope = admin([S('admin.directory.user.readonly')]);
    expect(await googleError(withoutScope.directory.domains.list({ customer: 'my_customer' }))).toMatchObject({
      status: 403,
      reason: 'insufficientPermissions',
    });
    const user = clientsFor(emulator, key, 'ann@example.com');
    expect(await googleError(user.directory.domains.list({ customer: 'my_customer' }))).toMatchObject({
      status: 403,
      message: 'Not Authorized to access this resource/api',
    });
  });

  // The same customer check as every Directory call with a customer id: another id is "Invalid Customer Id".
  test('refuses another customer id', async () => {
    expect(await googleError(admin().directory.domains.list({ customer: 'C0other' }))).toMatchObject({
      status: 400,
      reason: 'invalid',
    });
  });

  // Directory discovery document, User.isMailboxSetup: "Indicates if the user's Google mailbox is created."
  test('users.get reports whether the mailbox is set up', async () => {
    const c = admin();
    expect((await c.directory.users.get({ userKey: 'ann@example.com' })).data.isMailboxSetup).toBe(true);
    expect((await c.directory.users.get({ userKey: 'new@example.com' })).data.isMailboxSetup).toBe(false);
  });

  // GAM (gapi/errors.py, cmd/gmail/settings.py): Gmail answers failedPrecondition "Mail service not enabled" for
  // a user whose mail service is off; the token exchange itself succeeds (delegation does not depend on Gmail).
  test('Gmail answers 400 failedPrecondition for a user without a mailbox', async () => {
    const fine = clientsFor(emulator, key, 'ann@example.com');
    expect((await fine.gmail.users.settings.sendAs.list({ userId: 'me' })).data.sendAs).toHaveLength(1);
    const none = clientsFor(emulator, key, 'new@example.com');
    expect(await googleError(none.gmail.users.settings.sendAs.list({ userId: 'me' }))).toMatchObject({
      status: 400,
      reason: 'failedPrecondition',
      message: 'Mail service not enabled',
    });
  });

  test('a seed keeps isMailboxSetup false through a snapshot', () => {
    const users = emulator.control.snapshot().users ?? [];
    expect(users.find((u) => u.primaryEmail === 'new@example.com')).toMatchObject({ isMailboxSetup: false });
    expect(users.find((u) => u.primaryEmail === 'ann@example.com')).not.toHaveProperty('isMailboxSetup');
  });
});
