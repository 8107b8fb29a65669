/**
 * Test helper: the official Google clients pointed at an emulator, exactly as production code does it:
 * service-level `rootUrl` plus a Gaxios transporter that redirects Google's token URL.
 */
import { admin } from '@googleapis/admin';
import { cloudidentity } from '@googleapis/cloudidentity';
import { gmail } from '@googleapis/gmail';
import { Gaxios } from 'gaxios';
import { JWT } from 'google-auth-library';
import { PROJECT_SCOPES, type RunningEmulator, type ServiceAccountKey } from '../../lib/emulator';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export function redirectingTransporter(tokenUrl: string): Gaxios {
  // Node's own fetch: gaxios would otherwise `import('node-fetch')` dynamically, which jest's CommonJS runtime refuses.
  const transporter = new Gaxios({ fetchImplementation: fetch });
  transporter.interceptors.request.add({
    resolved: async (options) => {
      if (options.url.href === GOOGLE_TOKEN_URL) options.url = new URL(tokenUrl);
      return options;
    },
  });
  return transporter;
}

export function clientsFor(
  emulator: RunningEmulator,
  key: ServiceAccountKey,
  subject: string,
  scopes: readonly string[] = PROJECT_SCOPES,
) {
  const auth = new JWT({
    email: key.client_email,
    key: key.private_key,
    keyId: key.private_key_id,
    scopes: [...scopes],
    subject,
    transporter: redirectingTransporter(emulator.tokenUrl),
  });
  const rootUrl = `${emulator.url}/`;
  return {
    auth,
    gmail: gmail({ version: 'v1', auth, rootUrl, retry: false }),
    directory: admin({ version: 'directory_v1', auth, rootUrl, retry: false }),
    policiesRead: cloudidentity({ version: 'v1', auth, rootUrl, retry: false }),
    policiesWrite: cloudidentity({ version: 'v1beta1', auth, rootUrl, retry: false }),
  };
}

/** The Google error of a rejected client call: status, reason and message. */
export async function googleError(promise: Promise<unknown>): Promise<{
  status: number;
  reason?: string;
  message: string;
  headers: Record<string, string>;
  /** The whole error body as Google sent it. */
  body: { error?: Record<string, unknown> } | undefined;
}> {
  try {
    await promise;
  } catch (err) {
    const e = err as {
      status?: number;
      response?: {
        status: number;
        data?: { error?: { message?: string; errors?: { reason?: string }[] } };
        headers?: unknown;
      };
      message: string;
    };
    const data = e.response?.data?.error;
    const raw = e.response?.headers as { get?: (n: string) => string | null } | Record<string, string> | undefined;
    const headers: Record<string, string> = {};
    if (raw && typeof (raw as { get?: unknown }).get === 'function') {
      const retry = (raw as { get: (n: string) => string | null }).get('retry-after');
      if (retry) headers['retry-after'] = retry;
    } else if (raw) Object.assign(headers, raw);
    return {
      status: e.response?.status ?? e.status ?? 0,
      reason: data?.errors?.[0]?.reason,
      message: data?.message ?? e.message,
      headers,
      body: e.response?.data as { error?: Record<string, unknown> } | undefined,
    };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
