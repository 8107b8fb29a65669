import { createHmac, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, relative, resolve } from 'node:path';

import type { SecretRef } from './manifest';

/**
 * Secret references (`env:NAME`, `file:PATH`) and keyed fingerprints of secret values.
 *
 * A fingerprint is `hmac-sha256:<key id>:<hex>`: an HMAC-SHA256 of the value under the fingerprint key, so
 * it cannot be reversed or brute-forced without the key. The key id (first 8 hex digits of the key's
 * SHA-256) lets the engine tell "different secret" from "fingerprinted under another key".
 */

/** Environment variable holding the fingerprint key (any string of 16+ characters). */
export const FINGERPRINT_KEY_ENV = 'MAILPOLICY_FINGERPRINT_KEY';

/** Default key file, relative to the working directory, created on first use when the variable is unset. */
export const DEFAULT_FINGERPRINT_KEY_FILE = '.mailpolicy/fingerprint.key';

const ENV_REF = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;
const FILE_REF = /^file:(.+)$/;
const FINGERPRINT = /^hmac-sha256:([0-9a-f]{8}):([0-9a-f]{64})$/;

/** A fingerprint key and its public id. */
export interface FingerprintKey {
  readonly id: string;
  readonly key: Buffer;
}

/** Where a secret reference points. */
export type ParsedSecretRef = { kind: 'env'; name: string } | { kind: 'file'; path: string };

/** Parses `env:NAME` / `file:PATH`; undefined when the reference is malformed. */
export function parseSecretRef(ref: string): ParsedSecretRef | undefined {
  const env = ENV_REF.exec(ref);
  if (env) return { kind: 'env', name: env[1] };
  const file = FILE_REF.exec(ref);
  if (file) return { kind: 'file', path: file[1] };
  return undefined;
}

/** Outcome of resolving a secret reference. The value must never be logged or written anywhere. */
export type SecretResolution = { ok: true; value: string } | { ok: false; reason: string };

/** Environment variable listing extra folders `file:` references may read from (separated by `:`; `;` on Windows). */
export const SECRET_DIRS_ENV = 'MAILPOLICY_SECRET_DIRS';

/**
 * The folders a `file:` reference may point into: `baseDir` (the app's folder) and every folder of
 * `MAILPOLICY_SECRET_DIRS`, as real paths (symbolic links resolved).
 */
export function secretDirs(env: NodeJS.ProcessEnv, baseDir: string): string[] {
  const extra = (env[SECRET_DIRS_ENV] ?? '').split(delimiter).filter((d) => d.trim() !== '');
  return [baseDir, ...extra.map((d) => resolve(baseDir, d))].map(realOrSelf);
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Reads the value a reference points to. `file:` paths resolve against `cwd` and must lie, after symbolic links
 * are resolved, inside `cwd` or a folder of `MAILPOLICY_SECRET_DIRS`: a reference outside is refused with the
 * reference shown, so a manifest (or an edited plan) cannot make the tool read arbitrary files. One trailing
 * newline is dropped.
 */
export function resolveSecret(
  ref: SecretRef | string,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): SecretResolution {
  const text = typeof ref === 'string' ? ref : ref.ref;
  const parsed = parseSecretRef(text);
  if (!parsed) return { ok: false, reason: `malformed secret reference '${text}' (allowed: env:NAME or file:PATH)` };
  if (parsed.kind === 'env') {
    // Only the environment's own variables: `env:toString` must not find Object.prototype.toString.
    const value = Object.prototype.hasOwnProperty.call(env, parsed.name) ? env[parsed.name] : undefined;
    return typeof value !== 'string' || value === ''
      ? { ok: false, reason: `environment variable ${parsed.name} is not set` }
      : { ok: true, value };
  }
  const path = realOrSelf(isAbsolute(parsed.path) ? parsed.path : resolve(cwd, parsed.path));
  const allowed = secretDirs(env, cwd);
  if (!allowed.some((dir) => isInside(path, dir))) {
    return {
      ok: false,
      reason: `'${text}' points outside the app folder and ${SECRET_DIRS_ENV} (allowed: files under ${allowed.join(', ')}); move the file there or list its folder in ${SECRET_DIRS_ENV}`,
    };
  }
  try {
    return { ok: true, value: readFileSync(path, 'utf8').replace(/\r?\n$/, '') };
  } catch {
    return { ok: false, reason: `file ${parsed.path} cannot be read` };
  }
}

/** Builds a key object from raw key material. */
export function fingerprintKeyFrom(material: string | Buffer): FingerprintKey {
  const key = typeof material === 'string' ? Buffer.from(material, 'utf8') : material;
  return { key, id: createHash('sha256').update(key).digest('hex').slice(0, 8) };
}

/**
 * The fingerprint key: `MAILPOLICY_FINGERPRINT_KEY` when set, else the key file (created with 32 random bytes
 * and mode 0600 when missing): `fingerprint.key` in `MAILPOLICY_HOME` when that is set, else
 * `.mailpolicy/fingerprint.key` of the working directory — the same file the command line uses, so synth and
 * apply fingerprint alike. CI that synthesises and applies on different machines sets the variable.
 */
export function loadFingerprintKey(
  env: NodeJS.ProcessEnv = process.env,
  keyFile: string = env.MAILPOLICY_HOME
    ? resolve(env.MAILPOLICY_HOME, 'fingerprint.key')
    : resolve(process.cwd(), DEFAULT_FINGERPRINT_KEY_FILE),
): FingerprintKey {
  const fromEnv = env[FINGERPRINT_KEY_ENV];
  if (fromEnv) return fingerprintKeyFrom(fromEnv);
  if (!existsSync(keyFile)) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    chmodSync(keyFile, 0o600);
  }
  return fingerprintKeyFrom(readFileSync(keyFile, 'utf8').trim());
}

/** The keyed fingerprint of a secret value. */
export function fingerprintSecret(value: string, key: FingerprintKey): string {
  return `hmac-sha256:${key.id}:${createHmac('sha256', key.key).update(value, 'utf8').digest('hex')}`;
}

/** Whether a string has the fingerprint format. */
export function isFingerprint(value: string): boolean {
  return FINGERPRINT.test(value);
}

/**
 * Compares two fingerprints: `same`, `different`, or `incomparable` when either is missing or they were made
 * under different keys.
 */
export function compareFingerprints(a?: string, b?: string): 'same' | 'different' | 'incomparable' {
  const ma = a ? FINGERPRINT.exec(a) : null;
  const mb = b ? FINGERPRINT.exec(b) : null;
  if (!ma || !mb || ma[1] !== mb[1]) return 'incomparable';
  return ma[2] === mb[2] ? 'same' : 'different';
}
