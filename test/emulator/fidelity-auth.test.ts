/**
 * Authentication and permission answers in Google's shapes, per API family, driven by Google's own Node
 * clients. Each test names its source.
 */
import { admin } from '@googleapis/admin';
import { cloudidentity } from '@googleapis/cloudidentity';
import { gmail } from '@googleapis/gmail';
import { OAuth2Client } from 'google-auth-library';
import { startEmulator, type RunningEmulator } from '../../lib/emulator';
import { clientsFor, googleError, redirectingTransporter } from './emulator-clients';

describe('authentication answers', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  /** The three APIs called with `auth` (undefined: no credential at all). */
  const calls = (auth?: OAuth2Client) => {
    const rootUrl = `${emulator.url}/`;
    // Node's own fetch: gaxios would otherwise import node-fetch, which jest's CommonJS runtime refuses.
    const opts = { rootUrl, retry: false, fetchImplementation: fetch, ...(auth ? { auth } : {}) };
    return {
      gmail: () => gmail({ version: 'v1', ...opts }).users.settings.sendAs.list({ userId: 'me' }),
      directory: () => admin({ version: 'directory_v1', ...opts }).orgunits.list({ customerId: 'my_customer' }),
      policy: () => cloudidentity({ version: 'v1', ...opts }).policies.list({}),
    };
  };

  // Answers observed from Google for a request without any credential (morelab #17, google-api-php-client
  // #2479): 401 "Request is missing required authentication credential…", errors[0] reason `required` /
  // "Login Required.", and a google.rpc.ErrorInfo CREDENTIALS_MISSING.
  test.each(['gmail', 'directory'] as const)('%s: 401 required for a request with no credential', async (api) => {
    const err = await googleError(calls()[api]());
    expect(err.status).toBe(401);
    expect(err.message).toMatch(
      /^Request is missing required authentication credential\. Expected OAuth 2 access token/,
    );
    expect(err.body?.error).toMatchObject({
      status: 'UNAUTHENTICATED',
      errors: [{ reason: 'required', message: 'Login Required.', location: 'Authorization', locationType: 'header' }],
      details: [
        expect.objectContaining({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'CREDENTIALS_MISSING' }),
      ],
    });
  });

  // Same answer in the google.rpc.Status shape of the Cloud Identity discovery document (no errors[]), as newer
  // APIs give it (run-gemini-cli #123 shows such an answer).
  test('policy: 401 CREDENTIALS_MISSING in details only', async () => {
    const err = await googleError(calls().policy());
    expect(err.status).toBe(401);
    expect(err.body?.error).toMatchObject({
      status: 'UNAUTHENTICATED',
      details: [expect.objectContaining({ reason: 'CREDENTIALS_MISSING' })],
    });
    expect(err.body?.error).not.toHaveProperty('errors');
  });

  // Gmail "handle errors" guide: a bad token answers 401 `authError` "Invalid Credentials".
  test.each(['gmail', 'directory'] as const)('%s: 401 authError for an unknown or expired token', async (api) => {
    const auth = new OAuth2Client({ transporter: redirectingTransporter(emulator.tokenUrl) });
    auth.setCredentials({ access_token: 'ya29.not-a-token', expiry_date: Date.now() + 3_600_000 });
    const err = await googleError(calls(auth)[api]());
    expect(err).toMatchObject({ status: 401, reason: 'authError' });
    expect(err.message).toMatch(/^Request had invalid authentication credentials/);
    expect((err.body?.error?.errors as { message: string }[])[0].message).toBe('Invalid Credentials');
  });

  // got-your-back #275: errors[0].message "Insufficient Permission"; Analog #296 shows the
  // ACCESS_TOKEN_SCOPE_INSUFFICIENT detail.
  test('403 insufficientPermissions carries "Insufficient Permission" and ACCESS_TOKEN_SCOPE_INSUFFICIENT', async () => {
    const sharing = ['https://www.googleapis.com/auth/gmail.settings.sharing'];
    const { gmail: g } = clientsFor(emulator, emulator.createServiceAccountKey(), 'user@example.com', sharing);
    const err = await googleError(g.users.settings.sendAs.list({ userId: 'me' }));
    expect(err.body?.error).toMatchObject({
      code: 403,
      message: 'Request had insufficient authentication scopes.',
      status: 'PERMISSION_DENIED',
      errors: [{ reason: 'insufficientPermissions', message: 'Insufficient Permission' }],
      details: [expect.objectContaining({ reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT' })],
    });
  });
});
