/**
 * Cloud Identity Policy API behaviour that Google documents or has been seen to have, driven by Google's own
 * Node client (`@googleapis/cloudidentity` v1 reads, v1beta1 writes). Each test names its source.
 */
import {
  createTestCertificate,
  startEmulator,
  startSmtpStandIn,
  type RunningEmulator,
  type RunningSmtpStandIn,
} from '../../lib/emulator';
import { clientsFor, googleError } from './emulator-clients';

const GATEWAY = 'settings/gmail.per_user_outbound_gateway';
const cert = createTestCertificate();
const SECRET = 'policy-fidelity-secret';

describe('Cloud Identity Policy fidelity', () => {
  let emulator: RunningEmulator;
  let c: ReturnType<typeof clientsFor>;
  let smtp: RunningSmtpStandIn;
  let ids: { root: string; sales: string; eu: string; partners: string };
  beforeAll(async () => {
    emulator = await startEmulator({ smtpCa: cert.cert });
    c = clientsFor(emulator, emulator.createServiceAccountKey(), 'admin@example.com');
    smtp = await startSmtpStandIn({ mode: 'ssl', accounts: { relay: SECRET }, tls: cert });
  });
  beforeEach(async () => {
    emulator.control.seed({
      customerId: 'C01demo00',
      domains: ['example.com'],
      orgUnits: [{ path: '/Sales/EU' }],
      users: [
        { primaryEmail: 'admin@example.com', isAdmin: true },
        { primaryEmail: 'ann@example.com', orgUnitPath: '/Sales/EU' },
        { primaryEmail: 'bob@example.com', orgUnitPath: '/Sales/EU' },
      ],
      groups: [{ email: 'partners@example.com', members: ['ann@example.com'] }],
    });
    const ous = (await c.directory.orgunits.list({ customerId: 'my_customer', type: 'allIncludingParent' })).data;
    const id = (path: string) =>
      ous.organizationUnits!.find((o) => o.orgUnitPath === path)!.orgUnitId!.replace('id:', '');
    const group = await c.directory.groups.get({ groupKey: 'partners@example.com' });
    ids = { root: id('/'), sales: id('/Sales'), eu: id('/Sales/EU'), partners: group.data.id! };
  });
  afterAll(async () => {
    await emulator.close();
    await smtp.close();
  });

  const create = (policyQuery: Record<string, unknown>, allow: boolean) =>
    c.policiesWrite.policies.create({
      requestBody: { policyQuery, setting: { type: GATEWAY, value: { allowUsersToUseExternalSmtpServers: allow } } },
    });
  const sendAsWithSmtp = (user: string) =>
    clientsFor(emulator, emulator.createServiceAccountKey(), user).gmail.users.settings.sendAs.create({
      userId: 'me',
      requestBody: {
        sendAsEmail: `${user.split('@')[0]}@partner.com`,
        smtpMsa: { host: '127.0.0.1', port: smtp.port, securityMode: 'ssl', username: 'relay', password: SECRET },
      },
    });

  // Cloud Identity discovery document, policies.list `filter`: "… combined … with the `&&` and `||` operators,
  // like … customer == "customers/my_customer" && ( setting.type.matches('^settings/gmail\\..*$') ||
  // setting.type.matches('^.*\\.service_status$') )".
  test('accepts || in a list filter, the discovery document example', async () => {
    await create({ orgUnit: `orgUnits/${ids.sales}` }, true);
    await c.policiesWrite.policies.create({
      requestBody: {
        policyQuery: { orgUnit: `orgUnits/${ids.sales}` },
        setting: { type: 'settings/drive_and_docs.service_status', value: { serviceState: 'ENABLED' } },
      },
    });
    await c.policiesWrite.policies.create({
      requestBody: {
        policyQuery: { orgUnit: `orgUnits/${ids.sales}` },
        setting: { type: 'settings/calendar.external_invitations', value: { warnOnInvite: true } },
      },
    });
    const filter =
      "customer == \"customers/my_customer\" && ( setting.type.matches('^settings/gmail\\\\..*$') || setting.type.matches('^.*\\\\.service_status$') )";
    const res = await c.policiesRead.policies.list({ filter });
    expect(res.data.policies?.map((p) => p.setting?.type).sort()).toEqual([
      'settings/drive_and_docs.service_status',
      GATEWAY,
      GATEWAY,
    ]);
    const negated = await c.policiesRead.policies.list({ filter: "!setting.type.matches('gmail')" });
    expect(negated.data.policies?.map((p) => p.setting?.type).sort()).toEqual([
      'settings/calendar.external_invitations',
      'settings/drive_and_docs.service_status',
    ]);
  });

  // GAM #1974: a policy can be created with only policyQuery.query (no orgUnit).
  test('creates a policy from policyQuery.query alone', async () => {
    const op = await create(
      { query: `entity.org_units.exists(org_unit, org_unit.org_unit_id == orgUnitId('${ids.sales}'))` },
      true,
    );
    expect(op.data.response).toMatchObject({
      type: 'ADMIN',
      policyQuery: { orgUnit: `orgUnits/${ids.sales}`, sortOrder: expect.any(Number) },
    });
  });

  // ScubaGoggles #1099: sortOrder 399.x for OU + group, 202.x for a sub-OU, 201.x for the top OU, 101.x for
  // SYSTEM (100.x since September 2026, Policy API concepts page); ScubaGoggles #572 shows a group policy's
  // query and its policyQuery.group `groups/{id}`; Cloud Identity discovery document, Policy.type SYSTEM.
  test('ranks group policies above OU policies above SYSTEM, in Google shapes', async () => {
    await create({ orgUnit: `orgUnits/${ids.root}` }, false);
    await create({ orgUnit: `orgUnits/${ids.sales}` }, false);
    await create({ group: `groups/${ids.partners}` }, true);
    const { policies } = (await c.policiesRead.policies.list({ filter: `setting.type.matches('^${GATEWAY}$')` })).data;
    const byKind = (pred: (p: NonNullable<typeof policies>[number]) => boolean) => policies!.find(pred)!;
    const group = byKind((p) => !!p.policyQuery?.group);
    const top = byKind(
      (p) => p.type === 'ADMIN' && p.policyQuery?.orgUnit === `orgUnits/${ids.root}` && !p.policyQuery.group,
    );
    const sub = byKind((p) => p.policyQuery?.orgUnit === `orgUnits/${ids.sales}`);
    const system = byKind((p) => p.type === 'SYSTEM');
    expect(group.policyQuery).toMatchObject({
      group: `groups/${ids.partners}`,
      orgUnit: `orgUnits/${ids.root}`,
      query: `entity.groups.exists(group, group.group_id == groupId('${ids.partners}')) && entity.org_units.exists(org_unit, org_unit.org_unit_id == orgUnitId('${ids.root}'))`,
    });
    expect(Math.floor(group.policyQuery!.sortOrder!)).toBe(399);
    expect(Math.floor(sub.policyQuery!.sortOrder!)).toBe(202);
    expect(Math.floor(top.policyQuery!.sortOrder!)).toBe(201);
    expect(system).toMatchObject({
      setting: { type: GATEWAY, value: { allowUsersToUseExternalSmtpServers: false } },
      policyQuery: { orgUnit: `orgUnits/${ids.root}`, sortOrder: 100.00049 },
    });
    expect(await googleError(c.policiesWrite.policies.delete({ name: system.name! }))).toMatchObject({ status: 400 });
  });

  // Policy API concepts page, reduction: policies that do not apply to the user are dropped, then the greatest
  // sortOrder wins; so a group policy of a group the user is in wins over the nearest OU policy, and with no
  // policy the SYSTEM default (support answer 176054: "By default, users cannot use an outbound gateway").
  test("the emulator's own smtpMsa check uses the effective value: group over OU over default", async () => {
    expect((await googleError(sendAsWithSmtp('ann@example.com'))).reason).toBe('failedPrecondition');
    await create({ orgUnit: `orgUnits/${ids.sales}` }, false);
    await create({ query: `entity.groups.exists(group, group.group_id == groupId('${ids.partners}'))` }, true);
    expect((await sendAsWithSmtp('ann@example.com')).data.verificationStatus).toBe('pending');
    const refused = await googleError(sendAsWithSmtp('bob@example.com'));
    expect(refused).toMatchObject({ status: 400, reason: 'failedPrecondition' });
    expect(refused.message).toMatch(/the policy of \/Sales turns it off/);
  });

  // Same reduction with the group policy limited to an OU the member is not in: it does not apply.
  test('a group policy limited to an OU applies only to members inside it', async () => {
    await create({ group: `groups/${ids.partners}`, orgUnit: `orgUnits/${ids.sales}` }, true);
    await c.directory.users.patch({ userKey: 'ann@example.com', requestBody: { orgUnitPath: '/' } });
    const outside = await googleError(sendAsWithSmtp('ann@example.com'));
    expect(outside).toMatchObject({ status: 400, reason: 'failedPrecondition' });
    expect(outside.message).toMatch(/off by default/);
    await c.directory.users.patch({ userKey: 'ann@example.com', requestBody: { orgUnitPath: '/Sales/EU' } });
    expect((await sendAsWithSmtp('ann@example.com')).data.verificationStatus).toBe('pending');
  });

  // Cloud Identity discovery document, `Status`: errors carry `code`, `message`, `details[]` — no `errors[]`.
  test('errors carry google.rpc.Status details, not errors[]', async () => {
    const err = await googleError(c.policiesRead.policies.get({ name: 'policies/nope' }));
    expect(err.status).toBe(404);
    expect(err.body?.error).toMatchObject({ code: 404, status: 'NOT_FOUND', details: expect.any(Array) });
    expect(err.body?.error).not.toHaveProperty('errors');
  });

  // Google's JSON transcoding refuses unknown names, in a google.rpc.BadRequest (nodejs-client #1991).
  test('fails on an unknown field in a Policy body, with a BadRequest detail', async () => {
    const err = await googleError(
      c.policiesWrite.policies.create({
        requestBody: {
          policyQuery: { orgUnit: `orgUnits/${ids.sales}`, priority: 1 },
          setting: { type: GATEWAY, value: { allowUsersToUseExternalSmtpServers: true } },
        } as never,
      }),
    );
    expect(err.status).toBe(400);
    expect(err.body?.error).toMatchObject({
      status: 'INVALID_ARGUMENT',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.BadRequest',
          fieldViolations: [
            {
              field: 'policy.policy_query',
              description: `Invalid JSON payload received. Unknown name "priority" at 'policy.policy_query': Cannot find field.`,
            },
          ],
        },
      ],
    });
    expect(err.body?.error).not.toHaveProperty('errors');
  });
});
