import type { z } from 'zod';

import { ErrorCodes, MailPolicyError } from './errors';
import { formatValidationIssue, type ValidationIssue } from './findings';
import { ManifestSchema, type Manifest } from './manifest';
import { validateManifest } from './validate-manifest';

/** Outcome of `safeParseManifest`. */
export type ParseManifestResult = { success: true; manifest: Manifest } | { success: false; issues: ValidationIssue[] };

/** JSON path of a zod issue path: `['sendAs', 2, 'smtp']` → `$.sendAs[2].smtp`. */
export function jsonPathOf(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`), '$');
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** The construct path of the nearest enclosing manifest entry that has one. */
function constructPathAt(input: unknown, path: ReadonlyArray<PropertyKey>): string | undefined {
  for (let i = path.length; i >= 0; i--) {
    const node = valueAt(input, path.slice(0, i));
    if (node && typeof node === 'object' && typeof (node as { constructPath?: unknown }).constructPath === 'string') {
      return (node as { constructPath: string }).constructPath;
    }
  }
  return undefined;
}

function fromZodIssue(input: unknown, issue: z.core.$ZodIssue): ValidationIssue {
  const path = issue.path as PropertyKey[];
  const field =
    path
      .filter((k) => typeof k === 'string')
      .slice(-2)
      .join('.') || '(manifest)';
  let allowed = 'see the manifest schema (version 1)';
  if (issue.code === 'invalid_type') allowed = `a value of type ${issue.expected}`;
  else if (issue.code === 'invalid_value') allowed = issue.values.map((v) => JSON.stringify(v)).join(' | ');
  else if (issue.code === 'unrecognized_keys') allowed = 'only the fields of the manifest schema (version 1)';
  const value = issue.code === 'unrecognized_keys' ? issue.keys : valueAt(input, path);
  return {
    code: `MPV-SCHEMA-${issue.code.toUpperCase().replace(/_/g, '-')}`,
    jsonPath: jsonPathOf(path),
    constructPath: constructPathAt(input, path),
    field,
    value: path.some((k) => k === 'password') ? '(sensitive)' : value,
    allowed,
    message: issue.message,
  };
}

/**
 * Checks structure with the zod schema, then every value and cross-object rule of the validation table.
 * Returns all problems at once.
 */
export function safeParseManifest(input: unknown): ParseManifestResult {
  const parsed = ManifestSchema.safeParse(input);
  if (!parsed.success) return { success: false, issues: parsed.error.issues.map((i) => fromZodIssue(input, i)) };
  const issues = validateManifest(parsed.data);
  return issues.length > 0 ? { success: false, issues } : { success: true, manifest: parsed.data };
}

/** The error listing every problem of an invalid manifest, one per line. */
export function manifestInvalidError(issues: readonly ValidationIssue[], what = 'manifest'): MailPolicyError {
  const lines = issues.map((i) => `  - ${formatValidationIssue(i)}`);
  return new MailPolicyError(
    ErrorCodes.MANIFEST_INVALID,
    `the ${what} has ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n${lines.join('\n')}`,
    { issues },
  );
}

/** Parses and validates a manifest; throws one `MailPolicyError` (MP1000) listing every problem. */
export function parseManifest(input: unknown): Manifest {
  const result = safeParseManifest(input);
  if (!result.success) throw manifestInvalidError(result.issues);
  return result.manifest;
}
