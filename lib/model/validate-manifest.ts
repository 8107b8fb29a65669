import type { ValidationIssue } from './findings';
import type { Manifest } from './manifest';

/**
 * The validation rule table: value rules and cross-object rules over a structurally valid manifest. Each rule
 * has a stable code and returns every problem it finds; `validateManifest` runs them all.
 */
export interface ValidationRule {
  readonly code: string;
  readonly description: string;
  check(manifest: Manifest): ValidationIssue[];
}

export const VALIDATION_RULES: readonly ValidationRule[] = [];

/** Runs every rule of the table and returns all problems, in table order then manifest order. */
export function validateManifest(manifest: Manifest): ValidationIssue[] {
  return VALIDATION_RULES.flatMap((rule) => rule.check(manifest));
}
