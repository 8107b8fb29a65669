/**
 * Directory API behaviour that Google documents or has been seen to have, driven by Google's own Node client
 * (`@googleapis/admin` directory_v1). Each test names its source.
 */
import { startEmulator, type RunningEmulator } from '../../lib/emulator';
import { clientsFor, googleError } from './emulator-clients';

const S = (name: string): string => `https://www.googleapis.com/auth/${name}`;

describe('Directory fidelity', () => {
  let emulator: RunningEmulator;
  let c: ReturnType<typeof clientsFor>;
  beforeAll(async () => {
    emulator = await startEmulator();
    c = clientsFor(emulator, emulator.createServiceAccountKey(), 'admin@example.com');
  });
  beforeEach(() =>
    emulator.control.seed({
      customerId: 'C01demo00',
      domains: ['example.com', 'example.net'],
      orgUnits: [{ path: '/Sales' }, { path: '/R D' }, { path: '/R+D' }],
      users: [
        { primaryEmail: 'admin@example.com', isAdmin: true },
        { primaryEmail: 'ann@example.com', orgUnitPath: '/Sales', aliases: ['sales@example.com'] },
        {
          primaryEmail: 'bob@example.com',
          orgUnitPath: '/Sales',
          suspended: true,
          nonEditableAliases: ['bob@example.net'],
        },
        { primaryEmail: 'carl@example.com', archived: true },
        { primaryEmail: 'user1@example.com' },
        { primaryEmail: 'user2@example.com' },
      ],
      groups: [
        {
          email: 'partners@example.com',
          name: 'Partners',
          members: ['ann@example.com', 'eu@example.com', 'x@partner.com'],
        },
        { email: 'eu@example.com', members: ['bob@example.com'] },
      ],
    }),
  );
  afterAll(() => emulator.close());
  const customerId = 'my_customer';
  const list = async (params: Record<string, unknown>): Promise<string[]> =>
    ((await c.directory.users.list({ customer: customerId, ...params })).data.users ?? []).map((u) => u.primaryEmail!);

  // Directory discovery document, orgunits `orgUnitPath`: "The full path of the organizational unit (minus the
  // leading `/`)"; php-client #2154 and PSGSuite #355 saw `orgunits//Sales` answered 404.
  test('fails with 404 for an orgUnitPath parameter with a leading slash', async () => {
    expect((await c.directory.orgunits.get({ customerId, orgUnitPath: 'Sales' })).data.orgUnitPath).toBe('/Sales');
    expect(await googleError(c.directory.orgunits.get({ customerId, orgUnitPath: '/Sales' }))).toMatchObject({
      status: 404,
      reason: 'notFound',
    });
  });

  // google-api-python-client #1812 / #2579 and GAM #693: a raw `+` in `{+orgUnitPath}` reaches Google as a space;
  // the client's reserved expansion sends `+` raw, so only `%2B` names an OU whose name has a `+`.
  test('reads a raw + in the OU path as a space and %2B as +', async () => {
    expect((await c.directory.orgunits.get({ customerId, orgUnitPath: 'R+D' })).data.orgUnitPath).toBe('/R D');
    expect((await c.directory.orgunits.get({ customerId, orgUnitPath: 'R%2BD' })).data.orgUnitPath).toBe('/R+D');
  });

  // support.google.com/a/answer/182538: the Admin SDK replaces `/` in an OU name with `_`.
  test('replaces / in an OU name with _ on insert and on rename', async () => {
    const created = await c.directory.orgunits.insert({
      customerId,
      requestBody: { name: 'EMEA/APAC', parentOrgUnitPath: '/' },
    });
    expect(created.data).toMatchObject({ name: 'EMEA_APAC', orgUnitPath: '/EMEA_APAC' });
    const renamed = await c.directory.orgunits.patch({
      customerId,
      orgUnitPath: 'Sales',
      requestBody: { name: 'Sales/Marketing' },
    });
    expect(renamed.data.orgUnitPath).toBe('/Sales_Marketing');
  });

  // Google's JSON transcoding refuses unknown names (nodejs-client #1991); applied to every API served.
  test('fails on an unknown field in an OrgUnit body', async () => {
    const err = await googleError(
      c.directory.orgunits.insert({
        customerId,
        requestBody: { name: 'X', parentOrgUnitPath: '/', colour: 'red' } as never,
      }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/^Invalid JSON payload received\. Unknown name "colour"/);
    expect(await googleError(c.directory.orgunits.get({ customerId, orgUnitPath: 'X' }))).toMatchObject({
      status: 404,
    });
  });

  // Directory search-users guide: `isSuspended`, `isArchived` (=) and `email` (=, :, :{PREFIX}*), where email
  // matches "any of the user's email addresses, including aliases and non-editable aliases".
  test('users.list honours isSuspended, isArchived and email prefix clauses', async () => {
    expect(await list({ query: 'isSuspended=true' })).toEqual(['bob@example.com']);
    expect(await list({ query: 'isSuspended=false isArchived=false' })).toEqual([
      'admin@example.com',
      'ann@example.com',
      'user1@example.com',
      'user2@example.com',
    ]);
    expect(await list({ query: 'isArchived=true' })).toEqual(['carl@example.com']);
    expect(await list({ query: 'email:user*' })).toEqual(['user1@example.com', 'user2@example.com']);
    expect(await list({ query: 'email:sales*' })).toEqual(['ann@example.com']);
    expect(await list({ query: 'email=bob@example.net' })).toEqual(['bob@example.com']);
    expect(await list({ query: "orgUnitPath='/Sales' isSuspended=false" })).toEqual(['ann@example.com']);
  });

  // Directory discovery document, users.list `sortOrder` (ASCENDING | DESCENDING) with `orderBy=email`.
  test('users.list sorts descending and pages in that order', async () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const res = await c.directory.users.list({
        customer: customerId,
        orderBy: 'email',
        sortOrder: 'DESCENDING',
        maxResults: 2,
        pageToken,
      });
      seen.push(...(res.data.users ?? []).map((u) => u.primaryEmail!));
      pageToken = res.data.nextPageToken ?? undefined;
    } while (pageToken);
    expect(seen).toEqual([
      'user2@example.com',
      'user1@example.com',
      'carl@example.com',
      'bob@example.com',
      'ann@example.com',
      'admin@example.com',
    ]);
  });

  // Directory discovery document: users.get lists admin.directory.user(.readonly) only; users.list also
  // lists cloud-platform.
  test('users.get refuses a cloud-platform token that users.list accepts', async () => {
    const key = emulator.createServiceAccountKey({ scopes: [S('cloud-platform')] });
    const cp = clientsFor(emulator, key, 'admin@example.com', [S('cloud-platform')]).directory;
    expect((await cp.users.list({ customer: customerId, maxResults: 1 })).status).toBe(200);
    expect(await googleError(cp.users.get({ userKey: 'ann@example.com' }))).toMatchObject({
      status: 403,
      reason: 'insufficientPermissions',
    });
  });

  // Directory discovery document, User `aliases` / `nonEditableAliases`; users.aliases list / insert / delete;
  // userKey "can be the user's primary email address, alias email address, or unique user ID".
  test('users carry aliases; aliases can be listed, inserted and deleted; an alias finds its user', async () => {
    const ann = await c.directory.users.get({ userKey: 'sales@example.com' });
    expect(ann.data).toMatchObject({ primaryEmail: 'ann@example.com', aliases: ['sales@example.com'] });
    expect((await c.directory.users.get({ userKey: 'bob@example.com' })).data.nonEditableAliases).toEqual([
      'bob@example.net',
    ]);
    const inserted = await c.directory.users.aliases.insert({
      userKey: 'ann@example.com',
      requestBody: { alias: 'ann.sales@example.com' },
    });
    expect(inserted.data).toMatchObject({ alias: 'ann.sales@example.com', primaryEmail: 'ann@example.com' });
    const listed = await c.directory.users.aliases.list({ userKey: 'ann@example.com' });
    expect((listed.data.aliases as { alias: string }[]).map((a) => a.alias)).toEqual([
      'sales@example.com',
      'ann.sales@example.com',
    ]);
    expect(
      await googleError(
        c.directory.users.aliases.insert({ userKey: 'user1@example.com', requestBody: { alias: 'sales@example.com' } }),
      ),
    ).toMatchObject({ status: 409, reason: 'duplicate' });
    await c.directory.users.aliases.delete({ userKey: 'ann@example.com', alias: 'sales@example.com' });
    expect((await c.directory.users.get({ userKey: 'ann@example.com' })).data.aliases).toEqual([
      'ann.sales@example.com',
    ]);
    expect(await googleError(c.directory.users.get({ userKey: 'sales@example.com' }))).toMatchObject({ status: 404 });
  });

  // Directory discovery document: groups.list / get, members.list (includeDerivedMembership), members.hasMember
  // ("Membership can be direct or nested, but if nested, the memberKey and groupKey must be entities in the same
  // domain or an Invalid input error is returned").
  test('groups, members and nested membership', async () => {
    const groups = await c.directory.groups.list({ customer: customerId });
    expect(groups.data.groups?.map((g) => [g.email, g.directMembersCount])).toEqual([
      ['eu@example.com', '1'],
      ['partners@example.com', '3'],
    ]);
    const partners = await c.directory.groups.get({ groupKey: 'partners@example.com' });
    expect(partners.data).toMatchObject({ name: 'Partners', id: expect.any(String) });
    expect((await c.directory.groups.get({ groupKey: partners.data.id! })).data.email).toBe('partners@example.com');
    const direct = await c.directory.members.list({ groupKey: 'partners@example.com' });
    expect(direct.data.members?.map((m) => [m.email, m.type])).toEqual([
      ['ann@example.com', 'USER'],
      ['eu@example.com', 'GROUP'],
      ['x@partner.com', 'USER'],
    ]);
    const derived = await c.directory.members.list({
      groupKey: 'partners@example.com',
      includeDerivedMembership: true,
    });
    expect(derived.data.members?.map((m) => m.email)).toContain('bob@example.com');
    const has = (memberKey: string) => c.directory.members.hasMember({ groupKey: 'partners@example.com', memberKey });
    expect((await has('ann@example.com')).data.isMember).toBe(true);
    expect((await has('bob@example.com')).data.isMember).toBe(true);
    expect((await has('user1@example.com')).data.isMember).toBe(false);
    expect((await has('x@partner.com')).data.isMember).toBe(true);
    expect(await googleError(has('y@partner.com'))).toMatchObject({ status: 400, reason: 'invalid' });
    const ofUser = await c.directory.groups.list({ userKey: 'bob@example.com' });
    expect(ofUser.data.groups?.map((g) => g.email)).toEqual(['eu@example.com']);
    expect(await googleError(c.directory.groups.get({ groupKey: 'nope@example.com' }))).toMatchObject({ status: 404 });
  });

  // Directory discovery document, group scopes: admin.directory.group(.readonly); members also
  // admin.directory.group.member(.readonly).
  test('groups.get needs a group scope; members.list also accepts a member scope', async () => {
    const memberScope = [S('admin.directory.group.member.readonly')];
    const key = emulator.createServiceAccountKey({ scopes: memberScope });
    const narrow = clientsFor(emulator, key, 'admin@example.com', memberScope).directory;
    expect((await narrow.members.list({ groupKey: 'eu@example.com' })).data.members).toHaveLength(1);
    expect(await googleError(narrow.groups.get({ groupKey: 'eu@example.com' }))).toMatchObject({
      status: 403,
      reason: 'insufficientPermissions',
    });
  });

  // Every discovery document's `parameters.fields` (partial response).
  test('answers a partial response for the fields parameter', async () => {
    const res = await c.directory.users.list({
      customer: customerId,
      query: 'email:user*',
      fields: 'users/primaryEmail',
    });
    expect(res.data).toEqual({ users: [{ primaryEmail: 'user1@example.com' }, { primaryEmail: 'user2@example.com' }] });
    const ous = await c.directory.orgunits.list({ customerId, fields: 'organizationUnits(name)' });
    expect(ous.data).toEqual({ organizationUnits: [{ name: 'R D' }, { name: 'R+D' }, { name: 'Sales' }] });
    expect(await googleError(c.directory.users.list({ customer: customerId, fields: 'users(' }))).toMatchObject({
      status: 400,
    });
  });
});
