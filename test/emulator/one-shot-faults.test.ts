/**
 * One-shot faults (test controls, not Google behaviour; BEHAVIOUR.md "Control API"): armed over the control API
 * for the next N calls of one method, optionally one user and one target. `lose-answer` commits the write and
 * then loses the answer; `fail-before` answers an error and commits nothing. Driven with Google's official clients.
 */
import { startEmulator, type RunningEmulator } from '../../lib/emulator';
import { clientsFor, googleError } from './emulator-clients';

const CREATE = 'gmail.users.settings.sendAs.create';

let emulator: RunningEmulator;
let alice: ReturnType<typeof clientsFor>;
let bob: ReturnType<typeof clientsFor>;
let admin: ReturnType<typeof clientsFor>;

beforeAll(async () => {
  emulator = await startEmulator({ seed: 'empty', acceptExternalWithoutSmtp: true });
  const key = emulator.createServiceAccountKey();
  alice = clientsFor(emulator, key, 'alice@example.com');
  bob = clientsFor(emulator, key, 'bob@example.com');
  admin = clientsFor(emulator, key, 'admin@example.com');
});
afterAll(() => emulator.close());
beforeEach(() =>
  emulator.control.seed({
    customerId: 'C01test00',
    domains: ['example.com'],
    users: [
      { primaryEmail: 'admin@example.com', isAdmin: true },
      { primaryEmail: 'alice@example.com' },
      { primaryEmail: 'bob@example.com' },
    ],
  }),
);

/** POSTs a JSON body to the control API; the status and the parsed answer. */
async function control(path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${emulator.url}/emulator/v1/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function arm(fault: Record<string, unknown>): Promise<void> {
  const { status, json } = await control('oneShotFaults', fault);
  expect({ status, json }).toMatchObject({ status: 200 });
}

/** The user's send-as addresses besides the primary (the snapshot leaves primaries out). */
function addresses(user: string): string[] {
  return (emulator.control.snapshot().sendAs ?? [])
    .filter((s) => s.userEmail.toLowerCase() === user)
    .map((s) => s.sendAsEmail.toLowerCase());
}

const create = (client: typeof alice, userId: string, sendAsEmail: string) =>
  client.gmail.users.settings.sendAs.create({ userId, requestBody: { sendAsEmail, displayName: 'Partner' } });

/** The failure of a call that got no HTTP answer at all. */
async function connectionLost(promise: Promise<unknown>): Promise<string> {
  const error = (await promise.then(
    () => {
      throw new Error('expected the call to fail, but it succeeded');
    },
    (e: unknown) => e,
  )) as { response?: unknown; message: string };
  expect(error.response).toBeUndefined();
  return error.message;
}

describe('lose-answer', () => {
  test('commits the create, then drops the connection; the retry is told the address already exists', async () => {
    await arm({ method: CREATE, kind: 'lose-answer' });

    await connectionLost(create(alice, 'me', 'alice@partner.test'));
    expect(addresses('alice@example.com')).toEqual(['alice@partner.test']);
    expect(await googleError(create(alice, 'me', 'alice@partner.test'))).toMatchObject({
      status: 409,
      reason: 'alreadyExists',
    });
    // Both calls reached the emulator; the fault is used up.
    expect(emulator.control.callCounts()[CREATE]).toBe(2);
    expect(emulator.control.armedFaults()).toEqual([]);
    expect(addresses('alice@example.com')).toEqual(['alice@partner.test']);
  });

  test('answers 503 instead of the answer when asked to, still committing the write', async () => {
    await arm({ method: 'gmail.users.settings.sendAs.patch', kind: 'lose-answer', answer: 503 });
    await create(alice, 'me', 'alice@partner.test');

    const err = await googleError(
      alice.gmail.users.settings.sendAs.patch({
        userId: 'me',
        sendAsEmail: 'alice@partner.test',
        requestBody: { displayName: 'Renamed' },
      }),
    );

    expect(err).toMatchObject({ status: 503, reason: 'backendError' });
    const stored = emulator.control.snapshot().sendAs?.find((s) => s.sendAsEmail === 'alice@partner.test');
    expect(stored?.displayName).toBe('Renamed');
  });

  test('loses a delete’s answer after the delete: the retry finds nothing to delete', async () => {
    await create(alice, 'me', 'alice@partner.test');
    await arm({ method: 'gmail.users.settings.sendAs.delete', kind: 'lose-answer' });
    const remove = () => alice.gmail.users.settings.sendAs.delete({ userId: 'me', sendAsEmail: 'alice@partner.test' });

    await connectionLost(remove());

    expect(addresses('alice@example.com')).toEqual([]);
    expect(await googleError(remove())).toMatchObject({ status: 404 });
  });

  test('loses the answer even when the call failed: the client learns nothing either way', async () => {
    await create(alice, 'me', 'alice@partner.test');
    await arm({ method: CREATE, kind: 'lose-answer' });
    await connectionLost(create(alice, 'me', 'alice@partner.test'));
    expect(addresses('alice@example.com')).toEqual(['alice@partner.test']);
  });
});

describe('fail-before', () => {
  test('answers the status for the next N calls without committing anything, then the calls go through', async () => {
    await arm({ method: CREATE, kind: 'fail-before', status: 503, times: 2 });

    for (let i = 0; i < 2; i++) {
      expect(await googleError(create(alice, 'me', 'alice@partner.test'))).toMatchObject({
        status: 503,
        reason: 'backendError',
      });
      expect(addresses('alice@example.com')).toEqual([]);
    }
    await create(alice, 'me', 'alice@partner.test');
    expect(addresses('alice@example.com')).toEqual(['alice@partner.test']);
  });

  test('speaks the error shape of the call’s API: Directory with errors[], Cloud Identity as google.rpc.Status', async () => {
    await arm({ method: 'directory.orgunits.insert', kind: 'fail-before', status: 403 });
    await arm({ method: 'cloudidentity.policies.list', kind: 'fail-before', status: 404 });
    await arm({ method: 'gmail.users.settings.sendAs.list', kind: 'fail-before', status: 429 });

    const directory = await googleError(
      admin.directory.orgunits.insert({
        customerId: 'my_customer',
        requestBody: { name: 'Partners', parentOrgUnitPath: '/' },
      }),
    );
    const policy = await googleError(
      admin.policiesRead.policies.list({ filter: 'customer == "customers/my_customer"' }),
    );
    const gmail = await googleError(alice.gmail.users.settings.sendAs.list({ userId: 'me' }));

    expect(directory).toMatchObject({ status: 403, reason: 'forbidden' });
    expect(emulator.control.snapshot().orgUnits).toEqual([]);
    expect(policy.status).toBe(404);
    expect(policy.body?.error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    expect(policy.body?.error).not.toHaveProperty('errors');
    expect(gmail).toMatchObject({ status: 429, reason: 'userRateLimitExceeded', headers: { 'retry-after': '1' } });
  });

  test('carries the reason and message it is given', async () => {
    await arm({
      method: CREATE,
      kind: 'fail-before',
      status: 400,
      reason: 'failedPrecondition',
      message: 'Not allowed yet.',
    });
    expect(await googleError(create(alice, 'me', 'alice@partner.test'))).toMatchObject({
      status: 400,
      reason: 'failedPrecondition',
      message: 'Not allowed yet.',
    });
  });
});

describe('matching', () => {
  test('strikes only calls made as the given user', async () => {
    await arm({ method: CREATE, kind: 'fail-before', user: 'Bob@example.com' });

    await create(alice, 'me', 'alice@partner.test');
    expect((await googleError(create(bob, 'bob@example.com', 'bob@partner.test'))).status).toBe(503);
    await create(bob, 'me', 'bob@partner.test');
    expect(addresses('bob@example.com')).toEqual(['bob@partner.test']);
  });

  test('strikes only calls naming the target: a create’s new address, a path parameter, an OU path', async () => {
    await arm({ method: CREATE, kind: 'fail-before', target: 'Second@partner.test' });
    await arm({ method: 'gmail.users.settings.sendAs.get', kind: 'fail-before', target: 'second@partner.test' });
    await arm({ method: 'directory.orgunits.insert', kind: 'fail-before', target: '/Sales/Partners' });

    await create(alice, 'me', 'first@partner.test');
    expect((await googleError(create(alice, 'me', 'second@partner.test'))).status).toBe(503);
    await create(alice, 'me', 'second@partner.test');
    await alice.gmail.users.settings.sendAs.get({ userId: 'me', sendAsEmail: 'first@partner.test' });
    const get = alice.gmail.users.settings.sendAs.get({ userId: 'me', sendAsEmail: 'second@partner.test' });
    expect((await googleError(get)).status).toBe(503);

    const insert = (name: string, parentOrgUnitPath: string) =>
      admin.directory.orgunits.insert({ customerId: 'my_customer', requestBody: { name, parentOrgUnitPath } });
    await insert('Sales', '/');
    await insert('Partners', '/');
    expect((await googleError(insert('Partners', '/Sales'))).status).toBe(503);
    await insert('Partners', '/Sales');
    expect((emulator.control.snapshot().orgUnits ?? []).map((o) => o.path).sort()).toEqual([
      '/Partners',
      '/Sales',
      '/Sales/Partners',
    ]);
    expect(emulator.control.armedFaults()).toEqual([]);
  });
});

describe('the control API', () => {
  test('lists what is armed with the calls left, and clears it', async () => {
    await arm({ method: CREATE, kind: 'lose-answer', times: 3, user: 'alice@example.com' });
    await arm({ method: 'directory.users.patch', kind: 'fail-before', status: 500 });
    await create(alice, 'me', 'alice@partner.test').catch(() => undefined);

    expect((await control('oneShotFaults')).json).toEqual({
      armed: [
        { method: CREATE, kind: 'lose-answer', times: 3, user: 'alice@example.com', remaining: 2 },
        { method: 'directory.users.patch', kind: 'fail-before', status: 500, remaining: 1 },
      ],
    });
    expect(await control('oneShotFaults:clear', {})).toEqual({ status: 200, json: { armed: [] } });
    expect(emulator.control.armedFaults()).toEqual([]);
  });

  test('fails a fault it cannot arm with 400 naming every problem', async () => {
    const { status, json } = await control('oneShotFaults', {
      method: 'gmail.users.settings.sendAs.craete',
      kind: 'fail-before',
      status: 200,
      times: 0,
    });
    expect(status).toBe(400);
    const message = (json.error as { message: string }).message;
    expect(message).toMatch(/^Emulator fault is invalid: /);
    expect(message).toMatch(/method: must be a method id the emulator serves/);
    expect(message).toMatch(/status: /);
    expect(message).toMatch(/times: /);
    expect((await control('oneShotFaults', { method: CREATE, kind: 'drop' })).status).toBe(400);
    expect((await control('oneShotFaults', { method: CREATE, kind: 'lose-answer', answer: 404 })).status).toBe(400);
    expect(emulator.control.armedFaults()).toEqual([]);
  });

  test('reset and seed disarm every fault', async () => {
    await arm({ method: CREATE, kind: 'fail-before' });
    expect((await control('reset', {})).status).toBe(200);
    expect(emulator.control.armedFaults()).toEqual([]);
    emulator.control.armFault({ method: CREATE, kind: 'fail-before' });
    emulator.control.seed('empty');
    expect(emulator.control.armedFaults()).toEqual([]);
  });
});
