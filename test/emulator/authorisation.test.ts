import { createSign } from 'node:crypto';
import { PROJECT_SCOPES, startEmulator, type RunningEmulator, type ServiceAccountKey } from '../../lib/emulator';
import { clientsFor, googleError } from './emulator-clients';

const GMAIL_SHARING = 'https://www.googleapis.com/auth/gmail.settings.sharing';

function assertion(key: ServiceAccountKey, claims: Record<string, unknown>, signWith = key.private_key): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ iss: key.client_email, scope: PROJECT_SCOPES.join(' '), aud: 'https://oauth2.googleapis.com/token', iat: now, exp: now + 3600, sub: 'admin@example.com', ...claims })}`;
  return `${body}.${createSign('RSA-SHA256').update(body).sign(signWith).toString('base64url')}`;
}

describe('token endpoint and authorisation', () => {
  let emulator: RunningEmulator;
  let key: ServiceAccountKey;
  beforeAll(async () => {
    emulator = await startEmulator();
    key = emulator.createServiceAccountKey();
  });
  afterAll(() => emulator.close());

  async function token(a: string): Promise<{ status: number; body: Record<string, string> }> {
    const res = await fetch(emulator.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: a }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  }

  test('issues a bearer token for a valid assertion', async () => {
    const res = await token(assertion(key, {}));
    expect(res).toMatchObject({ status: 200, body: { token_type: 'Bearer', expires_in: 3600 } });
  });

  test('fails with invalid_grant for a bad signature', async () => {
    const other = emulator.createServiceAccountKey();
    expect(await token(assertion(key, {}, other.private_key))).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
    });
  });

  test('fails with invalid_grant for an expired assertion', async () => {
    const past = Math.floor(Date.now() / 1000) - 7200;
    const res = await token(assertion(key, { iat: past, exp: past + 3600 }));
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(res.body.error_description).toMatch(/short-lived token/);
  });

  test('fails with unauthorized_client for a scope outside the delegation grant (through the official client too)', async () => {
    const narrow = emulator.createServiceAccountKey({ scopes: [GMAIL_SHARING] });
    const { auth } = clientsFor(emulator, narrow, 'user@example.com');
    await expect(auth.getAccessToken()).rejects.toThrow(/unauthorized_client/);
  });

  test('fails with invalid_grant when sub is not a user of the customer', async () => {
    expect(await token(assertion(key, { sub: 'ghost@example.com' }))).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid email or User ID' },
    });
  });

  test('answers 401 without a token and with an expired token', async () => {
    const url = `${emulator.url}/gmail/v1/users/me/settings/sendAs`;
    expect((await fetch(url)).status).toBe(401);
    const { access_token } = (await token(assertion(key, { sub: 'user@example.com' }))).body;
    expect((await fetch(url, { headers: { Authorization: `Bearer ${access_token}` } })).status).toBe(200);
    emulator.control.expireTokens();
    const res = await fetch(url, { headers: { Authorization: `Bearer ${access_token}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      error: { code: 401, status: 'UNAUTHENTICATED', errors: [{ reason: 'authError' }] },
    });
  });

  test('answers 403 insufficientPermissions when the token lacks the method scope', async () => {
    const { gmail } = clientsFor(emulator, key, 'user@example.com', [GMAIL_SHARING]);
    expect(await googleError(gmail.users.settings.sendAs.list({ userId: 'me' }))).toMatchObject({
      status: 403,
      reason: 'insufficientPermissions',
    });
  });

  test('answers 403 to a non-admin on Directory and Policy', async () => {
    const c = clientsFor(emulator, key, 'user@example.com');
    expect(await googleError(c.directory.orgunits.list({ customerId: 'my_customer' }))).toMatchObject({
      status: 403,
      reason: 'forbidden',
    });
    expect(await googleError(c.policiesRead.policies.list({}))).toMatchObject({ status: 403 });
  });
});
