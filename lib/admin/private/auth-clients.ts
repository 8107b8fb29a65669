/**
 * One cached `JWT` client per (subject, scope set), all sharing one Gaxios transporter. The transporter turns
 * gaxios' own retry off for every request (API calls and the token exchange: retry is done once, by the
 * caller) and, for an emulator, redirects Google's hard-coded token URL.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';

import { Gaxios, type GaxiosOptionsPrepared } from 'gaxios';
import { JWT } from 'google-auth-library';
import { ErrorCodes, MailPolicyError } from '../../model/errors';
import type { ServiceAccountKey } from '../service-account-key';
import { createHttpFetch } from './http-fetch';

/** The token URL google-auth-library (gtoken) hard-codes. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** A transporter without automatic retries, optionally sending the token exchange to `tokenUrl`. */
export function createTransporter(tokenUrl?: string, timeoutMs?: number): Gaxios {
  // Our fetch over node:http (./http-fetch: Node's own fetch cost more CPU per request than the token's RS256
  // signature) rather than gaxios' lazy `import('node-fetch')`, which fails inside VM sandboxes such as jest
  // without --experimental-vm-modules; the same transport then runs in tests and in production.
  const transporter = new Gaxios({ fetchImplementation: createHttpFetch() as typeof fetch });
  const redirect = tokenUrl !== undefined ? new URL(tokenUrl) : undefined;
  transporter.interceptors.request.add({
    resolved: async (config: GaxiosOptionsPrepared): Promise<GaxiosOptionsPrepared> => {
      if (redirect && config.url.href === GOOGLE_TOKEN_URL) config.url = new URL(redirect.href);
      config.retry = false;
      // gtoken sets retryConfig on the token POST; any retryConfig re-enables gaxios' retry loop.
      delete config.retryConfig;
      if (timeoutMs !== undefined && config.timeout === undefined) config.timeout = timeoutMs;
      return config;
    },
  });
  return transporter;
}

/** Creates and caches delegated JWT clients. */
export class AuthClientCache {
  private readonly clients = new Map<string, JWT>();
  /**
   * The private key parsed once. Domain-wide delegation needs one token per impersonated user, and signing with
   * the PEM text re-parses the key on every assertion (about 60 % of the signing cost, the largest CPU cost of a
   * large plan). The library passes the key through to `jws`, which accepts a `KeyObject`.
   */
  private readonly signingKey: KeyObject;

  public constructor(
    private readonly key: ServiceAccountKey,
    private readonly transporter: Gaxios,
  ) {
    try {
      this.signingKey = createPrivateKey(key.private_key);
    } catch {
      throw new MailPolicyError(
        ErrorCodes.CREDENTIALS,
        `the service-account key of ${key.client_email} has a private_key that cannot be parsed as a PEM private key`,
      );
    }
  }

  /** Number of distinct (subject, scopes) clients created. */
  public get size(): number {
    return this.clients.size;
  }

  /** The client impersonating `subject` with exactly `scopes` (URLs); the library caches its token. */
  public get(subject: string, scopes: readonly string[]): JWT {
    const sorted = [...scopes].sort();
    const cacheKey = `${subject.toLowerCase()} ${sorted.join(' ')}`;
    let client = this.clients.get(cacheKey);
    if (!client) {
      client = new JWT({
        email: this.key.client_email,
        // Typed as a PEM string by the library; a KeyObject takes the same path (see `signingKey`).
        key: this.signingKey as unknown as string,
        keyId: this.key.private_key_id,
        scopes: sorted,
        subject,
        transporter: this.transporter,
      });
      this.clients.set(cacheKey, client);
    }
    return client;
  }
}
