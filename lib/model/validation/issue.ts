import type { ValidationIssue } from '../findings';
import type { Manifest } from '../manifest';

/**
 * One row of the validation rule table: a stable code and a check over a structurally valid manifest that
 * returns every problem it finds.
 */
export interface ValidationRule {
  readonly code: string;
  readonly description: string;
  check(manifest: Manifest): ValidationIssue[];
}

/** What a validation rule needs to know about the manifest entry it complains about. */
export interface IssueSite {
  /** JSON path of the entry, for example `$.sendAs[2]`. */
  readonly jsonPath: string;
  /** The entry itself (its `constructPath` is copied into the issue). */
  readonly entry?: { readonly constructPath?: string };
}

/** Builds one issue; `field` is appended to the site's JSON path (dots for nested fields). */
export function issueAt(
  code: string,
  site: IssueSite,
  field: string,
  value: unknown,
  allowed: string,
  message: string,
): ValidationIssue {
  return {
    code,
    jsonPath: field ? `${site.jsonPath}.${field}` : site.jsonPath,
    constructPath: site.entry?.constructPath,
    field,
    value,
    allowed,
    message,
  };
}

/** Each entry whose key an earlier entry already has, with its index and the index of that first entry. */
export function laterDuplicates<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
): Array<{ readonly item: T; readonly index: number; readonly first: number }> {
  const first = new Map<string, number>();
  const out: Array<{ item: T; index: number; first: number }> = [];
  items.forEach((item, index) => {
    const key = keyOf(item);
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, index);
    else out.push({ item, index, first: earlier });
  });
  return out;
}

/** Where an entry was declared, for messages: its construct path, else its JSON path. */
export function declaredAt(entry: { readonly constructPath?: string }, jsonPath: string): string {
  return entry.constructPath ?? jsonPath;
}
