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

interface Contributor {
  /** What the construct is, as its users write it (`OrgUnit`, `User`, …), for messages. */
  readonly what: string;
  readonly contribution: ManifestContribution;
}

/** Marks a construct as contributing to its stack's manifest; `what` names it in messages (`OrgUnit`, `User`). */
export function registerContribution(construct: IConstruct, what: string, contribution: ManifestContribution): void {
  const contributor: Contributor = { what, contribution };
  Object.defineProperty(construct, CONTRIBUTOR_SYM, { value: contributor, enumerable: false });
}

function contributorOf(construct: IConstruct): Contributor | undefined {
  return (construct as unknown as Record<symbol, Contributor | undefined>)[CONTRIBUTOR_SYM];
}

/** The contribution of a construct, if it has one. */
export function contributionOf(construct: IConstruct): ManifestContribution | undefined {
  return contributorOf(construct)?.contribution;
}

/** What a contributing construct is (`OrgUnit`, `OrgUnit.fromPath`, `User`, …); undefined for other constructs. */
export function contributorKind(construct: IConstruct): string | undefined {
  return contributorOf(construct)?.what;
}

/** Normalises a user-supplied address (trim, lower case) without crashing on non-strings from plain JS. */
export function normalisedEmailProp(value: unknown): string {
  return typeof value === 'string' ? value.trim().toLowerCase() : (value as string);
}
