/**
 * The service-account key: the file (type, key id, client id shown), and the private key parsed. The key
 * material never leaves this module: only the fields Google shows in the Cloud console appear in the report.
 */
import { createPrivateKey } from 'node:crypto';

import { CREDENTIALS_ENV, loadServiceAccountKey, type ServiceAccountKey } from '../admin/service-account-key';
import { ErrorCodes, MailPolicyError } from '../model/errors';
import type { DoctorCheck } from './doctor-report';

/** Where the key comes from. */
export type KeySource =
  /** A key file; `path` undefined when none is configured. */
  | { readonly kind: 'file'; readonly path?: string }
  /** The key the embedded emulator made for this run. */
  | { readonly kind: 'embedded'; readonly key: ServiceAccountKey };

/** The checks and, when they pass, the usable key. */
export interface KeyCheckResult {
  readonly checks: DoctorCheck[];
  readonly key?: ServiceAccountKey;
}

function check(id: string, status: DoctorCheck['status'], title: string, detail: string, fix?: string): DoctorCheck {
  return {
    id: `credentials.${id}`,
    group: 'credentials',
    status,
    title,
    detail,
    ...(fix ? { fix } : {}),
    ...(status === 'fail' ? { code: ErrorCodes.CREDENTIALS } : {}),
  };
}

/** The first characters of the key id: enough to find the key in the Cloud console. */
function shortKeyId(id: string | undefined): string {
  if (id === undefined || id === '') return 'none';
  return id.length > 12 ? `${id.slice(0, 12)}…` : id;
}

function describeKey(key: ServiceAccountKey, where: string): string {
  return (
    `${where}: type service_account, ${key.client_email}, key id ${shortKeyId(key.private_key_id)}` +
    `, client id ${key.client_id ?? 'missing'}${key.project_id ? `, project ${key.project_id}` : ''}`
  );
}

function parsePrivateKey(key: ServiceAccountKey): DoctorCheck {
  try {
    const parsed = createPrivateKey(key.private_key);
    const bits = parsed.asymmetricKeyDetails?.modulusLength;
    const type = parsed.asymmetricKeyType ?? 'unknown';
    if (type !== 'rsa') {
      return check(
        'private-key',
        'fail',
        'private key',
        `is a ${type} key; Google signs service-account tokens with RS256, which needs an RSA key`,
        'create a new JSON key for the service account in the Cloud console (IAM & Admin > Service accounts > Keys)',
      );
    }
    return check('private-key', 'ok', 'private key', `parses (RSA${bits ? `, ${bits} bits` : ''})`);
  } catch {
    return check(
      'private-key',
      'fail',
      'private key',
      'cannot be parsed as a PEM private key (the file may be truncated or edited)',
      'download the key again or create a new JSON key (Cloud console > IAM & Admin > Service accounts > Keys)',
    );
  }
}

/** Reads and checks the key. */
export function checkKey(source: KeySource, env: NodeJS.ProcessEnv): KeyCheckResult {
  let key: ServiceAccountKey;
  let where: string;
  if (source.kind === 'embedded') {
    key = source.key;
    where = 'the embedded emulator’s key (in memory)';
  } else {
    try {
      key = loadServiceAccountKey(source.path, env);
    } catch (error) {
      const message = MailPolicyError.isMailPolicyError(error) ? error.message : String(error);
      return {
        checks: [
          check(
            'file',
            'fail',
            'key file',
            message,
            `pass --credentials FILE or set ${CREDENTIALS_ENV} to the JSON key of a service account with domain-wide delegation (Cloud console > IAM & Admin > Service accounts > Keys > Add key > JSON)`,
          ),
        ],
      };
    }
    where = source.path ?? env[CREDENTIALS_ENV] ?? 'key file';
  }
  const checks: DoctorCheck[] = [];
  const missing = [
    ...(key.client_id ? [] : ['client_id (the number an admin enters for domain-wide delegation)']),
    ...(key.private_key_id ? [] : ['private_key_id']),
  ];
  checks.push(
    missing.length === 0
      ? check('file', 'ok', 'key file', describeKey(key, where))
      : check(
          'file',
          'warn',
          'key file',
          `${describeKey(key, where)}; lacks ${missing.join(' and ')}`,
          `find the client ID in the Cloud console (IAM & Admin > Service accounts > ${key.client_email} > Details > Unique ID); a key downloaded as JSON has both fields`,
        ),
  );
  const parsed = parsePrivateKey(key);
  checks.push(parsed);
  return parsed.status === 'fail' ? { checks } : { checks, key };
}
