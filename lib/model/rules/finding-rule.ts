import type { Finding, FindingLevel } from '../findings';
import type { Manifest } from '../manifest';

/** One rule of the rule pack: a small pure function over the manifest with a stable id. */
export interface FindingRule {
  /** Stable id, for example `MPR-GATEWAY-AT-ROOT`. */
  readonly id: string;
  readonly level: FindingLevel;
  /** What the rule looks for, in one sentence. */
  readonly description: string;
  /** Every finding of this rule in the manifest (not yet matched against acknowledgements). */
  check(manifest: Manifest): Finding[];
}

/** Subject of a send-as identity, for findings and acknowledgements. */
export function sendAsSubject(userEmail: string, sendAsEmail: string): string {
  return `sendAs:${userEmail.toLowerCase()}/${sendAsEmail.toLowerCase()}`;
}

/** Subject of an OU, for findings and acknowledgements. */
export function orgUnitSubject(path: string): string {
  return `orgUnit:${path}`;
}
