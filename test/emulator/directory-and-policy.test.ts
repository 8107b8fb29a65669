import { startEmulator, type RunningEmulator } from '../../lib/emulator';
import { clientsFor, googleError } from './emulator-clients';

describe('Directory orgunits/users and Cloud Identity policies', () => {
  let emulator: RunningEmulator;
  let c: ReturnType<typeof clientsFor>;
  beforeAll(async () => {
    emulator = await startEmulator();
    c = clientsFor(emulator, emulator.createServiceAccountKey(), 'admin@example.com');
  });
  beforeEach(() => emulator.control.seed('demo'));
  afterAll(() => emulator.close());
  const customerId = 'my_customer';

  test('orgunits.list: allIncludingParent includes the root, children excludes it', async () => {
    const all = await c.directory.orgunits.list({ customerId, type: 'allIncludingParent' });
    expect(all.data.organizationUnits?.map((o) => o.orgUnitPath)).toEqual(['/', '/Sales']);
    const children = await c.directory.orgunits.list({ customerId, type: 'children' });
    expect(children.data.organizationUnits?.map((o) => o.orgUnitPath)).toEqual(['/Sales']);
  });

  test('orgunits insert, get by nested path and by id, patch (rename moves the subtree), delete', async () => {
    const eu = await c.directory.orgunits.insert({
      customerId,
      requestBody: { name: 'EU', parentOrgUnitPath: '/Sales' },
    });
    expect(eu.data).toMatchObject({
      orgUnitPath: '/Sales/EU',
      parentOrgUnitPath: '/Sales',
      orgUnitId: expect.stringMatching(/^id:/),
    });
    await c.directory.orgunits.insert({
      customerId,
      requestBody: { name: 'Partners', parentOrgUnitId: eu.data.orgUnitId! },
    });
    const got = await c.directory.orgunits.get({ customerId, orgUnitPath: 'Sales/EU/Partners' });
    expect(got.data.name).toBe('Partners');
    expect((await c.directory.orgunits.get({ customerId, orgUnitPath: eu.data.orgUnitId! })).data.orgUnitPath).toBe(
      '/Sales/EU',
    );
    await c.directory.orgunits.patch({ customerId, orgUnitPath: 'Sales/EU', requestBody: { name: 'Europe' } });
    expect(
      (await c.directory.orgunits.get({ customerId, orgUnitPath: 'Sales/Europe/Partners' })).data.orgUnitPath,
    ).toBe('/Sales/Europe/Partners');
    const busy = await googleError(c.directory.orgunits.delete({ customerId, orgUnitPath: 'Sales/Europe' }));
    expect(busy).toMatchObject({ status: 412, reason: 'conditionNotMet' });
    await c.directory.orgunits.delete({ customerId, orgUnitPath: 'Sales/Europe/Partners' });
    await c.directory.orgunits.delete({ customerId, orgUnitPath: 'Sales/Europe' });
    expect(await googleError(c.directory.orgunits.get({ customerId, orgUnitPath: 'Sales/Europe' }))).toMatchObject({
      status: 404,
      reason: 'notFound',
    });
  });

  test('fails to insert a sibling whose name differs only in case, or under a missing parent', async () => {
    expect(
      await googleError(
        c.directory.orgunits.insert({ customerId, requestBody: { name: 'SALES', parentOrgUnitPath: '/' } }),
      ),
    ).toMatchObject({ status: 409, message: 'Invalid Ou Id' });
    expect(
      await googleError(
        c.directory.orgunits.insert({ customerId, requestBody: { name: 'X', parentOrgUnitPath: '/Nope' } }),
      ),
    ).toMatchObject({ status: 400, message: 'Invalid Parent Orgunit Id' });
  });

  test('fails to delete an OU that holds users', async () => {
    await c.directory.users.patch({ userKey: 'user@example.com', requestBody: { orgUnitPath: '/Sales' } });
    const err = await googleError(c.directory.orgunits.delete({ customerId, orgUnitPath: 'Sales' }));
    expect(err).toMatchObject({ status: 412, reason: 'conditionNotMet' });
    expect(err.message).toMatch(/has users/);
  });

  test('users.list pages through a subtree with maxResults and pageToken', async () => {
    const users = Array.from({ length: 7 }, (_, i) => ({
      primaryEmail: `u${i}@example.com`,
      orgUnitPath: i < 5 ? '/Sales/EU' : '/',
    }));
    emulator.control.seed({
      customerId: 'C01demo00',
      domains: ['example.com'],
      users: [{ primaryEmail: 'admin@example.com', isAdmin: true }, ...users],
    });
    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await c.directory.users.list({
        customer: customerId,
        query: "orgUnitPath='/Sales'",
        maxResults: 2,
        pageToken,
      });
      seen.push(...(page.data.users ?? []).map((u) => u.primaryEmail!));
      pageToken = page.data.nextPageToken ?? undefined;
    } while (pageToken);
    expect(seen).toEqual(['u0@example.com', 'u1@example.com', 'u2@example.com', 'u3@example.com', 'u4@example.com']);
    expect(await googleError(c.directory.users.list({ customer: customerId, maxResults: 501 }))).toMatchObject({
      status: 400,
    });
    const user = await c.directory.users.get({ userKey: 'u6@example.com' });
    expect(user.data).toMatchObject({ primaryEmail: 'u6@example.com', orgUnitPath: '/' });
  });

  test('policies: create through v1beta1, list with a filter and pages through v1, patch, delete', async () => {
    const sales = (await c.directory.orgunits.get({ customerId, orgUnitPath: 'Sales' })).data.orgUnitId!.replace(
      'id:',
      '',
    );
    const op = await c.policiesWrite.policies.create({
      requestBody: {
        customer: 'customers/my_customer',
        policyQuery: { orgUnit: `orgUnits/${sales}` },
        setting: {
          type: 'settings/gmail.per_user_outbound_gateway',
          value: { allowUsersToUseExternalSmtpServers: true },
        },
      },
    });
    expect(op.data.done).toBe(true);
    const name = (op.data.response as { name: string }).name;
    const filter =
      'customer == "customers/my_customer" && setting.type.matches(\'^settings/gmail\\\\.per_user_outbound_gateway$\')';
    const listed = await c.policiesRead.policies.list({ filter });
    expect(listed.data.policies?.filter((p) => p.type === 'ADMIN')).toEqual([
      expect.objectContaining({
        name,
        type: 'ADMIN',
        policyQuery: expect.objectContaining({ orgUnit: `orgUnits/${sales}` }),
        setting: {
          type: 'settings/gmail.per_user_outbound_gateway',
          value: { allowUsersToUseExternalSmtpServers: true },
        },
      }),
    ]);
    await c.policiesWrite.policies.patch({
      name,
      requestBody: {
        setting: {
          type: 'settings/gmail.per_user_outbound_gateway',
          value: { allowUsersToUseExternalSmtpServers: false },
        },
      },
    });
    expect((await c.policiesRead.policies.get({ name })).data.setting?.value).toEqual({
      allowUsersToUseExternalSmtpServers: false,
    });
    const dup = await googleError(
      c.policiesWrite.policies.create({
        requestBody: {
          policyQuery: { orgUnit: `orgUnits/${sales}` },
          setting: {
            type: 'settings/gmail.per_user_outbound_gateway',
            value: { allowUsersToUseExternalSmtpServers: true },
          },
        },
      }),
    );
    expect(dup.status).toBe(409);
    await c.policiesWrite.policies.delete({ name });
    // Only Google's SYSTEM default remains.
    expect((await c.policiesRead.policies.list({})).data.policies?.map((p) => p.type)).toEqual(['SYSTEM']);
  });

  test('policies.list pages with pageSize', async () => {
    const paths = Array.from({ length: 5 }, (_, i) => `/P${i}`);
    emulator.control.seed({
      customerId: 'C01demo00',
      domains: ['example.com'],
      users: [{ primaryEmail: 'admin@example.com', isAdmin: true }],
      policies: paths.map((orgUnitPath) => ({ orgUnitPath, allowUsersToUseExternalSmtpServers: true })),
    });
    const names: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await c.policiesRead.policies.list({ pageSize: 2, pageToken });
      names.push(...(page.data.policies ?? []).map((p) => p.name!));
      pageToken = page.data.nextPageToken ?? undefined;
    } while (pageToken);
    expect(new Set(names).size).toBe(5 + 1); // and the SYSTEM default
  });

  test('fails to write the gateway setting when policy writes are refused, saying it is not supported by mutate endpoints', async () => {
    emulator.control.setKnobs({ policyWrites: 'refused' });
    try {
      const root = (
        await c.directory.orgunits.list({ customerId, type: 'allIncludingParent' })
      ).data.organizationUnits![0].orgUnitId!.replace('id:', '');
      const err = await googleError(
        c.policiesWrite.policies.create({
          requestBody: {
            policyQuery: { orgUnit: `orgUnits/${root}` },
            setting: {
              type: 'settings/gmail.per_user_outbound_gateway',
              value: { allowUsersToUseExternalSmtpServers: true },
            },
          },
        }),
      );
      expect(err.status).toBe(400);
      expect(err.message).toMatch(/not supported in mutate endpoints/);
    } finally {
      emulator.control.setKnobs({ policyWrites: 'accepted' });
    }
  });
});
