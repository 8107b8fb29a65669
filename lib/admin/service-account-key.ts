/**
 * Service-account keys: the JSON file Google issues (`"type": "service_account"`), read from a path or from
 * `GOOGLE_APPLICATION_CREDENTIALS`. Errors name the file and the missing field, never the key material.
 */
import { readFileSync } from 'node:fs';
import { ErrorCodes, MailPolicyError } from '../model/errors';

/** The fields of a service-account key file this client uses. */
export interface ServiceAccountKey {
  readonly type: 'service_account';
  readonly client_email: string;
  /** PEM. Secret: never log it. */
  readonly private_key: string;
  readonly private_key_id?: string;
  /** The numeric client ID an admin enters in the domain-wide delegation grant. */
  readonly client_id?: string;
  readonly project_id?: string;
  readonly token_uri?: string;
}

/** The environment variable Google's libraries read the key file path from. */
export const CREDENTIALS_ENV = 'GOOGLE_APPLICATION_CREDENTIALS';

/**
 * Reads and checks a key file. `file` wins; without it `GOOGLE_APPLICATION_CREDENTIALS` is used.
 * Throws MP2000 when neither is set, or the file is unreadable, not JSON or not a service-account key.
 */
export function loadServiceAccountKey(
  file?: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ServiceAccountKey {
  const path = file ?? env[CREDENTIALS_ENV];
  if (path === undefined || path.trim() === '') {
    throw new MailPolicyError(
      ErrorCodes.CREDENTIALS,
      `no service-account key: pass --credentials FILE or set ${CREDENTIALS_ENV} to the path of a service-account key file (JSON)`,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new MailPolicyError(ErrorCodes.CREDENTIALS, `cannot read the service-account key file '${path}' (${code})`, {
      path,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MailPolicyError(
      ErrorCodes.CREDENTIALS,
      `the service-account key file '${path}' is not valid JSON; expected the key file Google issues for a service account`,
      { path },
    );
  }
  return checkServiceAccountKey(parsed, `the service-account key file '${path}'`);
}

/** Checks an already parsed key object; `source` names it in errors. */
export function checkServiceAccountKey(value: unknown, source = 'the service-account key'): ServiceAccountKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MailPolicyError(ErrorCodes.CREDENTIALS, `${source} is not a JSON object`);
  }
  const record = value as Record<string, unknown>;
  if (record.type !== 'service_account') {
    const got = typeof record.type === 'string' ? `'${record.type}'` : 'no type';
    throw new MailPolicyError(
      ErrorCodes.CREDENTIALS,
      `${source} has ${got}; expected "type": "service_account" (a user or external-account credential cannot use domain-wide delegation)`,
    );
  }
  const missing = ['client_email', 'private_key'].filter(
    (field) => typeof record[field] !== 'string' || (record[field] as string).length === 0,
  );
  if (missing.length > 0) {
    throw new MailPolicyError(ErrorCodes.CREDENTIALS, `${source} lacks ${missing.join(' and ')}`);
  }
  if (!(record.private_key as string).includes('PRIVATE KEY')) {
    throw new MailPolicyError(ErrorCodes.CREDENTIALS, `${source} has a private_key that is not a PEM private key`);
  }
  const optional = (field: string): string | undefined =>
    typeof record[field] === 'string' ? (record[field] as string) : undefined;
  return {
    type: 'service_account',
    client_email: record.client_email as string,
    private_key: record.private_key as string,
    private_key_id: optional('private_key_id'),
    client_id: optional('client_id'),
    project_id: optional('project_id'),
    token_uri: optional('token_uri'),
  };
}
