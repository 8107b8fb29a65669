import type { Manifest, SecretRef } from '../model/manifest';
import { fingerprintSecret, resolveSecret, type FingerprintKey } from '../model/secret-ref';

/** The key of an identity in credential maps: `<user email>/<send-as email>`, both lower-cased. */
export function identityKey(userEmail: string, sendAsEmail: string): string {
  return `${userEmail.trim().toLowerCase()}/${sendAsEmail.trim().toLowerCase()}`;
}

/**
 * The recorded `endpoint` of an SMTP server: `host:port/securityMode`, host lower-cased; credentials recorded
 * for one endpoint say nothing about another.
 */
export function credentialEndpoint(host: string, port: number, securityMode: string): string {
  return `${host.trim().toLowerCase()}:${port}/${securityMode}`;
}

/**
 * The desired SMTP credentials of each identity, as keyed fingerprints (never values). Computed outside the
 * pure diff, because resolving a secret reads the environment or a file.
 */
export interface DesiredCredential {
  /** Fingerprint of the password the code wants, when it could be resolved (or was fingerprinted at synth). */
  readonly passwordFingerprint?: string;
  /** Fingerprint of the user name the code wants (plain user names are fingerprinted too). */
  readonly usernameFingerprint?: string;
  /** Why a fingerprint is missing: references that did not resolve here (reference names only, never values). */
  readonly unresolved?: readonly string[];
}

/** Keyed by `identityKey(userEmail, sendAsEmail)`. */
export type DesiredCredentials = Readonly<Record<string, DesiredCredential>>;

function fingerprintOf(
  ref: SecretRef,
  key: FingerprintKey,
  env: NodeJS.ProcessEnv,
  cwd: string,
  unresolved: string[],
): string | undefined {
  const resolved = resolveSecret(ref, env, cwd);
  if (resolved.ok) return fingerprintSecret(resolved.value, key);
  // Fall back to the fingerprint recorded at synth time (compareFingerprints tells a different key apart).
  if (ref.fingerprint) return ref.fingerprint;
  unresolved.push(resolved.reason);
  return undefined;
}

/**
 * Resolves every SMTP secret reference of the manifest and fingerprints it under `key`. A reference that does
 * not resolve falls back to the synth-time fingerprint, else is listed in `unresolved`; this never throws.
 */
export function fingerprintCredentials(
  manifest: Manifest,
  key: FingerprintKey,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): DesiredCredentials {
  const out: Record<string, DesiredCredential> = {};
  for (const identity of manifest.sendAs) {
    const smtp = identity.smtp;
    if (!smtp) continue;
    const unresolved: string[] = [];
    const passwordFingerprint = fingerprintOf(smtp.password, key, env, cwd, unresolved);
    const usernameFingerprint =
      typeof smtp.username === 'string'
        ? fingerprintSecret(smtp.username, key)
        : fingerprintOf(smtp.username, key, env, cwd, unresolved);
    out[identityKey(identity.userEmail, identity.sendAsEmail)] = {
      ...(passwordFingerprint ? { passwordFingerprint } : {}),
      ...(usernameFingerprint ? { usernameFingerprint } : {}),
      ...(unresolved.length > 0 ? { unresolved } : {}),
    };
  }
  return out;
}
