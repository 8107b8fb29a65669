import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

import { ErrorCodes, MailPolicyError } from '../model/errors';
import { ManifestSchema, type Manifest } from '../model/manifest';
import { isFingerprint } from '../model/secret-ref';
import type { DesiredCredentials } from './credentials';
import type { ObservedState } from './observed-state';
import { PlanSchema, type Plan } from './plan';

/** Version of the saved-plan file. */
export const SAVED_PLAN_VERSION = 2;

/**
 * What `plan --out` saves: the reviewed plan, the manifest it came from (with its digest), the credential
 * fingerprints it compared (non-secret HMACs, so apply re-plans with the same knowledge the reviewer saw) and a
 * digest of what was observed.
 */
export interface SavedPlan {
  readonly plan: Plan;
  readonly manifest: Manifest;
  /** `digestObserved` of the observed state the plan was computed from; apply re-observes and compares. */
  readonly observedDigest: string;
  /** The desired credential fingerprints the plan was computed with. @default - none (no SMTP identities) */
  readonly credentials?: DesiredCredentials;
}

/** A saved plan as read back, with the digest of its manifest as recorded when it was written. */
export interface ReadSavedPlan extends SavedPlan {
  readonly manifestDigest: string;
  readonly credentials: DesiredCredentials;
}

/** JSON with object keys sorted at every level: the canonical form the digest is taken of. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v as Record<string, unknown>).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** `sha256:<hex>` of the canonical JSON of an observed state: equal states give equal digests. */
export function digestObserved(observed: ObservedState): string {
  return `sha256:${createHash('sha256').update(canonicalJson(observed), 'utf8').digest('hex')}`;
}

/** `sha256:<hex>` of the canonical JSON of a manifest: the identity of the code a plan was made from. */
export function digestManifest(manifest: Manifest): string {
  return `sha256:${createHash('sha256').update(canonicalJson(manifest), 'utf8').digest('hex')}`;
}

const DIGEST = z.string().regex(/^sha256:[0-9a-f]{64}$/);

const CredentialsSchema = z.record(
  z.string(),
  z
    .object({
      passwordFingerprint: z.string().refine(isFingerprint).optional(),
      usernameFingerprint: z.string().refine(isFingerprint).optional(),
      unresolved: z.array(z.string()).optional(),
    })
    .strict(),
);

const SavedPlanFileSchema = z
  .object({
    savedPlanVersion: z.literal(SAVED_PLAN_VERSION),
    observedDigest: DIGEST,
    manifestDigest: DIGEST,
    plan: PlanSchema,
    manifest: ManifestSchema,
    credentials: CredentialsSchema,
  })
  .strict();

/** Writes a saved plan (JSON, keys in a fixed order). The plan and manifest hold no secret values. */
export function writeSavedPlan(file: string, saved: SavedPlan): void {
  const doc = {
    savedPlanVersion: SAVED_PLAN_VERSION,
    observedDigest: saved.observedDigest,
    manifestDigest: digestManifest(saved.manifest),
    plan: saved.plan,
    manifest: saved.manifest,
    credentials: saved.credentials ?? {},
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`, 'utf8');
}

/** Reads and validates a saved plan; throws MP3001 naming the file and the first problems when it is not one. */
export function readSavedPlan(file: string): ReadSavedPlan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MailPolicyError(
      ErrorCodes.PLAN_FILE_INVALID,
      `saved plan ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); expected a file written by \`mailpolicy plan --out\``,
      { file },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new MailPolicyError(
      ErrorCodes.PLAN_FILE_INVALID,
      `saved plan ${file} is not JSON; expected a file written by \`mailpolicy plan --out\``,
      { file },
    );
  }
  const parsed = SavedPlanFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.map(String).join('.') || '(file)'}: ${i.message}`)
      .join('; ');
    throw new MailPolicyError(
      ErrorCodes.PLAN_FILE_INVALID,
      `saved plan ${file} is not a valid plan file (savedPlanVersion ${SAVED_PLAN_VERSION}): ${problems}`,
      { file, issues: parsed.error.issues.length },
    );
  }
  return {
    plan: parsed.data.plan,
    manifest: parsed.data.manifest,
    manifestDigest: parsed.data.manifestDigest,
    observedDigest: parsed.data.observedDigest,
    credentials: parsed.data.credentials,
  };
}
