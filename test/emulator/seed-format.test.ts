/**
 * The seed format: seeds of the first release load unchanged; groups, aliases and group policies round-trip
 * through snapshot; cross-reference problems are all reported at once.
 */
import { startEmulator, type RunningEmulator, type SeedTenant } from '../../lib/emulator';

describe('seed format', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  test('a seed of the first release loads unchanged', () => {
    const old: SeedTenant = {
      customerId: 'C01old000',
      domains: ['example.com'],
      orgUnits: [{ path: '/Sales', description: 'sales' }],
      users: [
        { primaryEmail: 'admin@example.com', orgUnitPath: '/', isAdmin: true },
        { primaryEmail: 'user@example.com', orgUnitPath: '/Sales/Partners' },
      ],
      policies: [{ orgUnitPath: '/Sales', allowUsersToUseExternalSmtpServers: true }],
      sendAs: [{ userEmail: 'user@example.com', sendAsEmail: 'me@partner.com', verificationStatus: 'pending' }],
    };
    emulator.control.seed(old);
    expect(emulator.control.snapshot()).toEqual({
      ...old,
      organizationName: 'example.com',
      orgUnits: [{ path: '/Sales', description: 'sales' }, { path: '/Sales/Partners' }],
      groups: [],
      sendAs: [
        {
          userEmail: 'user@example.com',
          sendAsEmail: 'me@partner.com',
          verificationStatus: 'pending',
          isPrimary: false,
          isDefault: false,
          treatAsAlias: false,
        },
      ],
    });
  });

  test('groups, aliases and group policies round-trip through snapshot', () => {
    const seed: SeedTenant = {
      customerId: 'C01new000',
      domains: ['example.com', 'example.net'],
      orgUnits: [{ path: '/Sales' }],
      users: [
        { primaryEmail: 'admin@example.com', isAdmin: true },
        {
          primaryEmail: 'ann@example.com',
          orgUnitPath: '/Sales',
          aliases: ['sales@example.com'],
          nonEditableAliases: ['ann@example.net'],
          suspended: true,
        },
      ],
      groups: [
        { email: 'partners@example.com', name: 'Partners', members: ['ann@example.com', 'eu@example.com'] },
        { email: 'eu@example.com', members: ['x@partner.com'] },
      ],
      policies: [
        { orgUnitPath: '/Sales', allowUsersToUseExternalSmtpServers: false },
        { groupEmail: 'partners@example.com', allowUsersToUseExternalSmtpServers: true },
        { groupEmail: 'eu@example.com', orgUnitPath: '/Sales', allowUsersToUseExternalSmtpServers: true },
      ],
    };
    emulator.control.seed(seed);
    const first = emulator.control.snapshot();
    expect(first.users?.[1]).toMatchObject({ aliases: ['sales@example.com'], nonEditableAliases: ['ann@example.net'] });
    expect(first.groups).toEqual([
      { email: 'eu@example.com', name: 'eu', members: ['x@partner.com'] },
      { email: 'partners@example.com', name: 'Partners', members: ['ann@example.com', 'eu@example.com'] },
    ]);
    expect(first.policies).toEqual(expect.arrayContaining(seed.policies!));
    emulator.control.seed(first);
    expect(emulator.control.snapshot()).toEqual(first);
  });

  test('fails on every cross-reference problem at once, changing nothing', () => {
    emulator.control.seed('demo');
    expect(() =>
      emulator.control.seed({
        customerId: 'C01bad000',
        domains: ['example.com'],
        users: [{ primaryEmail: 'a@example.com', aliases: ['b@example.com'] }, { primaryEmail: 'b@example.com' }],
        groups: [{ email: 'a@example.com' }],
        policies: [{ groupEmail: 'nope@example.com', allowUsersToUseExternalSmtpServers: true }],
        sendAs: [{ userEmail: 'ghost@example.com', sendAsEmail: 'x@example.com' }],
      }),
    ).toThrow(
      /\$\.groups\[0\]\.email: a@example\.com is already used at \$\.users\[0\]\.primaryEmail.*\$\.users\[0\]\.aliases\[0\]: b@example\.com is already used.*\$\.policies\[0\]\.groupEmail: nope@example\.com is not in groups.*\$\.sendAs\[0\]\.userEmail/,
    );
    expect(emulator.control.snapshot().customerId).toBe('C01demo00');
    expect(() =>
      emulator.control.seed({
        customerId: 'C1',
        domains: [],
        policies: [{ allowUsersToUseExternalSmtpServers: true }],
      } as SeedTenant),
    ).toThrow(/\$\.policies\[0\]: a policy needs orgUnitPath .* or groupEmail/);
  });
});
