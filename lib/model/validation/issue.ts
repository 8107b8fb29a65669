import type { ValidationIssue } from '../findings';

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
