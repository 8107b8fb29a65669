/**
 * Google's own clients as doctor uses them: one `JWT` per (subject, single scope), so that each token exchange
 * tests exactly one scope of the delegation grant, and the Directory, Gmail and Cloud Identity clients built on
 * those tokens. Against an emulator only the API root and the token URL differ (a transporter interceptor
 * sends gtoken's hard-coded token URL there), as in the production client.
 */
import { admin, type admin_directory_v1 } from '@googleapis/admin';
import { cloudidentity, type cloudidentity_v1 } from '@googleapis/cloudidentity';
import { gmail, type gmail_v1 } from '@googleapis/gmail';
import { Gaxios, type GaxiosOptionsPrepared } from 'gaxios';
import { JWT } from 'google-auth-library';

import { readFailure, type FailureFacts } from '../../admin';
import type { AdminEndpoint } from '../../admin/workspace-admin-options';
import { scopeUrl } from '../../admin/scopes';
import type { ServiceAccountKey } from '../../admin/service-account-key';

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** Creates and caches single-scope delegated clients. */
export class DelegatedCalls {
  private readonly tokens = new Map<string, JWT>();
  private readonly transporter: Gaxios;

  public constructor(
    private readonly key: ServiceAccountKey,
    private readonly endpoint: AdminEndpoint | undefined,
    timeoutMs: number,
  ) {
    // Node's own fetch, as the production client: gaxios' lazy `import('node-fetch')` fails in VM sandboxes.
    this.transporter = new Gaxios({ fetchImplementation: globalThis.fetch });
    const redirect = endpoint ? new URL(endpoint.tokenUrl) : undefined;
    this.transporter.interceptors.request.add({
      resolved: async (config: GaxiosOptionsPrepared): Promise<GaxiosOptionsPrepared> => {
        if (redirect && config.url.href === GOOGLE_TOKEN_URL) config.url = new URL(redirect.href);
        if (config.timeout === undefined) config.timeout = timeoutMs;
        return config;
      },
    });
  }

  /** The client impersonating `subject` with the one scope `scope` (a name such as `gmail.settings.basic`). */
  public auth(subject: string, scope: string): JWT {
    const cacheKey = `${subject.toLowerCase()} ${scope}`;
    let client = this.tokens.get(cacheKey);
    if (!client) {
      client = new JWT({
        email: this.key.client_email,
        key: this.key.private_key,
        keyId: this.key.private_key_id,
        scopes: [scopeUrl(scope)],
        subject,
        transporter: this.transporter,
      });
      this.tokens.set(cacheKey, client);
    }
    return client;
  }

  /** Exchanges the JWT for an access token; throws the token endpoint's error. */
  public async token(subject: string, scope: string): Promise<void> {
    await this.auth(subject, scope).getAccessToken();
  }

  private get rootUrl(): { rootUrl?: string } {
    return this.endpoint ? { rootUrl: this.endpoint.rootUrl } : {};
  }

  public directory(subject: string, scope: string): admin_directory_v1.Admin {
    return admin({ version: 'directory_v1', auth: this.auth(subject, scope), ...this.rootUrl });
  }

  public gmail(subject: string, scope: string): gmail_v1.Gmail {
    return gmail({ version: 'v1', auth: this.auth(subject, scope), ...this.rootUrl });
  }

  public policies(subject: string, scope: string): cloudidentity_v1.Cloudidentity {
    return cloudidentity({ version: 'v1', auth: this.auth(subject, scope), ...this.rootUrl });
  }
}

/** The facts of a failed call or token exchange, read as the production client reads them. */
export type CallFailure = FailureFacts;

/** Reads any thrown value of a Google client call into `CallFailure`; a thrown value of another kind keeps its message. */
export function readCallFailure(error: unknown): CallFailure {
  const facts = readFailure(error, Date.now());
  if (facts) return facts;
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
  return { message: message.length > 300 ? `${message.slice(0, 300)}…` : message, oauth: false };
}

/** `403 forbidden: Not Authorized…`, for details. */
export function describeFailure(failure: CallFailure): string {
  if (failure.network !== undefined) return failure.message;
  const status = failure.status !== undefined ? `${failure.status} ` : '';
  if (failure.oauth) return `${status}${failure.message}`;
  return `${status}${failure.reason ? `${failure.reason}: ` : ''}${failure.message}`;
}

/** Whether the failure says the API is not enabled in the service account's Cloud project. */
export function isApiDisabled(failure: CallFailure): boolean {
  return (
    failure.status === 403 &&
    (failure.reason === 'accessNotConfigured' ||
      failure.reason === 'SERVICE_DISABLED' ||
      /has not been used in project|is disabled|API has not been enabled/i.test(failure.message))
  );
}
