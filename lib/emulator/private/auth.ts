/**
 * OAuth 2.0 for service accounts with domain-wide delegation: key registration, the JWT-bearer token
 * endpoint (exactly what google-auth-library/gtoken sends) and bearer-token checks on API calls.
 */
import { createPublicKey, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { ServiceAccountKey } from '../emulator-types';
import { credentialsMissing, unauthenticated } from './google-error';
import type { Store } from './store';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const PROJECT_ID = 'mailpolicy-emulator';

interface ServiceAccountRecord {
  readonly clientEmail: string;
  readonly clientId: string;
  readonly keyId: string;
  readonly publicKey: string;
  readonly projectId: string;
  readonly scopes: readonly string[];
}

/** What an access token stands for. */
export interface TokenGrant {
  readonly clientEmail: string;
  readonly projectId: string;
  /** Impersonated user (lower case), or null for a token without `sub`. */
  readonly sub: string | null;
  readonly scopes: readonly string[];
}

/** An OAuth error answer: `{ error, error_description }` with its HTTP status. */
export class OAuthError extends Error {
  public constructor(
    public readonly status: number,
    public readonly error: string,
    public readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }
  public body(): object {
    return { error: this.error, error_description: this.description };
  }
}

/** Registers a new service account with a delegation grant of `scopes` and returns its key file. */
export function createServiceAccount(store: Store, tokenUrl: string, scopes: readonly string[]): ServiceAccountKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const seq = store.transaction(() => store.nextSeq());
  const clientEmail = `mailpolicy-${seq}@${PROJECT_ID}.iam.gserviceaccount.com`;
  const record: ServiceAccountRecord = {
    clientEmail,
    clientId: String(110000000000000000000n + BigInt(seq)),
    keyId: randomBytes(20).toString('hex'),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    projectId: PROJECT_ID,
    scopes: [...scopes],
  };
  store.putServiceAccount(clientEmail, record);
  return {
    type: 'service_account',
    project_id: PROJECT_ID,
    private_key_id: record.keyId,
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: clientEmail,
    client_id: record.clientId,
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenUrl,
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
    universe_domain: 'googleapis.com',
  };
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const badSignature = (): OAuthError => new OAuthError(400, 'invalid_grant', 'Invalid JWT Signature.');

/**
 * Handles `POST /token` (form-encoded). Returns the token response or throws `OAuthError`.
 * Accepted audiences: Google's token URL, the legacy accounts.google.com URL and the emulator's own.
 */
export function issueToken(
  store: Store,
  form: URLSearchParams,
  ownTokenUrl: string,
  lifetimeSeconds: number,
): { access_token: string; expires_in: number; token_type: 'Bearer' } {
  const grantType = form.get('grant_type');
  if (grantType !== JWT_BEARER) {
    throw new OAuthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`);
  }
  const assertion = form.get('assertion') ?? '';
  const parts = assertion.split('.');
  if (parts.length !== 3) throw new OAuthError(400, 'invalid_request', 'Invalid JWT: malformed assertion.');
  const header = decodeJson(parts[0]);
  const claims = decodeJson(parts[1]);
  if (!header || !claims) throw new OAuthError(400, 'invalid_request', 'Invalid JWT: malformed assertion.');
  if (header.alg !== 'RS256') throw badSignature();
  const iss = typeof claims.iss === 'string' ? claims.iss : '';
  const account = store.serviceAccount<ServiceAccountRecord>(iss);
  if (!account) throw new OAuthError(400, 'invalid_grant', 'Invalid grant: account not found');
  if (header.kid !== undefined && header.kid !== account.keyId) throw badSignature();
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${parts[0]}.${parts[1]}`);
  if (!verifier.verify(createPublicKey(account.publicKey), Buffer.from(parts[2], 'base64url'))) throw badSignature();
  const audiences = [GOOGLE_TOKEN_URL, 'https://accounts.google.com/o/oauth2/token', ownTokenUrl];
  if (typeof claims.aud !== 'string' || !audiences.includes(claims.aud)) {
    throw new OAuthError(
      400,
      'invalid_grant',
      `Invalid JWT: Failed audience check. The right audience is ${GOOGLE_TOKEN_URL}`,
    );
  }
  const now = Math.floor(Date.now() / 1000);
  const iat = Number(claims.iat);
  const exp = Number(claims.exp);
  if (!Number.isFinite(iat) || !Number.isFinite(exp) || iat > now + 300 || exp <= now || exp - iat > 3600) {
    throw new OAuthError(
      400,
      'invalid_grant',
      'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
    );
  }
  const scopes = (typeof claims.scope === 'string' ? claims.scope : '').split(/\s+/).filter((s) => s !== '');
  if (scopes.length === 0) throw new OAuthError(400, 'invalid_scope', 'Empty or missing scope not allowed.');
  let sub: string | null = null;
  if (claims.sub !== undefined) {
    if (typeof claims.sub !== 'string' || !claims.sub.includes('@')) {
      throw new OAuthError(400, 'invalid_request', 'Invalid impersonation "sub" field.');
    }
    if (!scopes.every((s) => account.scopes.includes(s))) {
      throw new OAuthError(
        401,
        'unauthorized_client',
        'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
      );
    }
    const user = store.userByEmail(claims.sub);
    if (!user) throw new OAuthError(400, 'invalid_grant', 'Invalid email or User ID');
    sub = user.email;
  }
  const accessToken = `ya29.emu-${randomBytes(24).toString('base64url')}`;
  const grant: TokenGrant = { clientEmail: account.clientEmail, projectId: account.projectId, sub, scopes };
  store.putToken(accessToken, grant, Date.now() + lifetimeSeconds * 1000);
  return { access_token: accessToken, expires_in: lifetimeSeconds, token_type: 'Bearer' };
}

/**
 * The grant behind the request's bearer token: 401 `required` ("missing required authentication credential")
 * when the request carries no credential at all, 401 `authError` when the token is malformed, unknown or
 * expired.
 */
export function authenticate(store: Store, authorization: string | undefined, queryToken: string | null): TokenGrant {
  if ((authorization === undefined || authorization.trim() === '') && !queryToken) throw credentialsMissing();
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  const token = authorization !== undefined && authorization.trim() !== '' ? match?.[1] : (queryToken ?? undefined);
  if (!token) throw unauthenticated(false);
  const found = store.token<TokenGrant>(token);
  if (!found) throw unauthenticated(false);
  if (found.expiresAt <= Date.now()) throw unauthenticated(true);
  return found.data;
}
