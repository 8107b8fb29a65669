import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ErrorCodes, MailPolicyError } from '../model/errors';
import { FileStateBackend, type StateFileSystem } from './file-state-backend';
import { GcsStateBackend } from './gcs-state-backend';
import type { StateBackend } from './state-backend';

/**
 * Where states live, as given by `--state URL` or `MAILPOLICY_STATE`:
 * - `file:PATH` — a folder holding `<stack>.json` per stack; a relative PATH is relative to the app folder;
 * - `gs://BUCKET/PREFIX` — objects `PREFIX/<stack>.json` in a Cloud Storage bucket (PREFIX may be empty).
 */

/** The environment variable naming the state backend when `--state` is not given. */
export const STATE_URL_ENV = 'MAILPOLICY_STATE';

/** The backend used when neither `--state` nor `MAILPOLICY_STATE` is given: a folder in the app's `.mailpolicy`. */
export const DEFAULT_STATE_URL = 'file:.mailpolicy/state';

/** A parsed state URL. */
export type StateLocation =
  | { readonly kind: 'file'; /** Absolute folder. */ readonly folder: string }
  | {
      readonly kind: 'gcs';
      readonly bucket: string;
      /** '' or `a/b`, no leading or trailing `/`. */ readonly prefix: string;
    };

/** Options of {@link parseStateUrl}. */
export interface ParseStateUrlOptions {
  /** Base of a relative `file:` path: the app folder. */
  readonly appDir: string;
  /**
   * Where the value came from, for the error message.
   * @default '--state'
   */
  readonly source?: string;
}

const ALLOWED = 'allowed: file:PATH (a folder, relative to the app folder) or gs://BUCKET/PREFIX';
// Cloud Storage bucket names: 3-63 characters (222 with dots), lower-case letters, digits, '-', '_', '.'; a
// letter or digit at both ends.
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** Parses a state URL; anything else is an MP4000 usage error listing the allowed forms. */
export function parseStateUrl(value: string, options: ParseStateUrlOptions): StateLocation {
  const source = options.source ?? '--state';
  const fail = (why: string): MailPolicyError =>
    new MailPolicyError(ErrorCodes.USAGE, `${source}: '${value}' ${why} (${ALLOWED})`, { value });
  if (value.startsWith('file:')) {
    let path: string;
    if (value.startsWith('file://')) {
      try {
        path = fileURLToPath(value);
      } catch {
        throw fail('is not a valid file URL');
      }
    } else {
      path = value.slice('file:'.length);
    }
    if (path.trim() === '') throw fail('names no folder');
    return { kind: 'file', folder: isAbsolute(path) ? resolve(path) : resolve(options.appDir, path) };
  }
  if (value.startsWith('gs://')) {
    const rest = value.slice('gs://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = (slash < 0 ? '' : rest.slice(slash + 1)).replace(/^\/+|\/+$/g, '');
    if (!BUCKET.test(bucket) || bucket.split('.').some((part) => part.length === 0 || part.length > 63)) {
      throw fail(`has no valid bucket name ('${bucket}': 3-63 lower-case letters, digits, '-', '_' or '.')`);
    }
    if (bucket.length > 63 && !bucket.includes('.')) throw fail(`has a bucket name longer than 63 characters`);
    const segments = prefix === '' ? [] : prefix.split('/');
    // eslint-disable-next-line no-control-regex
    if (segments.some((s) => s === '' || s === '.' || s === '..' || /[\u0000-\u001f\u007f#[\]*?]/.test(s))) {
      throw fail("has an invalid prefix (no empty, '.' or '..' segments, no control characters, #, [, ], * or ?)");
    }
    if (Buffer.byteLength(prefix, 'utf8') > 900) throw fail('has a prefix longer than 900 bytes');
    return { kind: 'gcs', bucket, prefix };
  }
  throw fail('is not a state backend URL');
}

/** Options of {@link stateBackendFor} and {@link openStateBackend}. */
export interface StateBackendOptions {
  /**
   * Cloud Storage API endpoint, for an emulator.
   * @default - `STORAGE_EMULATOR_HOST`, else Google
   */
  readonly apiEndpoint?: string;
  /**
   * For `file:` backends: when a lock whose holder stopped refreshing it counts as stale, in milliseconds.
   * @default 60000
   */
  readonly staleLockMs?: number;
  /**
   * For `file:` backends: the file-system calls used for the state documents.
   * @default - node:fs promises
   */
  readonly fs?: StateFileSystem;
}

/** The backend of a parsed location. */
export function stateBackendFor(location: StateLocation, options: StateBackendOptions = {}): StateBackend {
  if (location.kind === 'file') {
    return new FileStateBackend({ folder: location.folder, staleLockMs: options.staleLockMs, fs: options.fs });
  }
  return new GcsStateBackend({ bucket: location.bucket, prefix: location.prefix, apiEndpoint: options.apiEndpoint });
}

/** Options of {@link openStateBackend}. */
export interface OpenStateBackendOptions extends StateBackendOptions {
  /** The app folder (base of relative `file:` paths). */
  readonly appDir: string;
  /** `--state`, when given. */
  readonly url?: string;
  /**
   * Environment read for `MAILPOLICY_STATE`.
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The URL used when neither `url` nor `MAILPOLICY_STATE` is set.
   * @default 'file:.mailpolicy/state'
   */
  readonly defaultUrl?: string;
}

/** The backend named by `--state`, else `MAILPOLICY_STATE`, else the default folder of the app. */
export function openStateBackend(options: OpenStateBackendOptions): StateBackend {
  const env = options.env ?? process.env;
  const fromEnv = env[STATE_URL_ENV];
  const [value, source] =
    options.url !== undefined
      ? [options.url, '--state']
      : fromEnv !== undefined && fromEnv !== ''
        ? [fromEnv, STATE_URL_ENV]
        : [options.defaultUrl ?? DEFAULT_STATE_URL, 'the default state URL'];
  return stateBackendFor(parseStateUrl(value, { appDir: options.appDir, source }), options);
}
