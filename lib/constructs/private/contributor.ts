import type { IConstruct } from 'constructs';

import type { Manifest } from '../../model';

const CONTRIBUTOR_SYM = Symbol.for('workspace-mail-policy.ManifestContributor');

/** Context handed to each construct that adds entries to its stack's manifest. */
export interface ManifestContext {
  /** Turns a secret reference into a manifest `SecretRef`, with a fingerprint when resolving is on. */
  secretRef(ref: string): { ref: string; fingerprint?: string };
}

/** Adds a construct's entries to the manifest under construction. */
export type ManifestContribution = (manifest: Manifest, context: ManifestContext) => void;

/** Marks a construct as contributing to its stack's manifest. */
export function registerContribution(construct: IConstruct, contribution: ManifestContribution): void {
  Object.defineProperty(construct, CONTRIBUTOR_SYM, { value: contribution, enumerable: false });
}

/** The contribution of a construct, if it has one. */
export function contributionOf(construct: IConstruct): ManifestContribution | undefined {
  return (construct as unknown as Record<symbol, ManifestContribution | undefined>)[CONTRIBUTOR_SYM];
}

/** Normalises a user-supplied address (trim, lower case) without crashing on non-strings from plain JS. */
export function normalisedEmailProp(value: unknown): string {
  return typeof value === 'string' ? value.trim().toLowerCase() : (value as string);
}
