import type { TargetInfo } from '../admin/workspace-admin';
import type { Finding } from '../model/findings';
import type { GatewayPolicySpec, OrgUnitSpec, SendAsSpec, UserSpec } from '../model/manifest';

/**
 * The plan: the diff's output, the renderers' input, the executor's instructions and, saved with `--out`,
 * the reviewed artefact. It never holds a secret value: secrets appear as references and fingerprints, and
 * sensitive attributes render as `(sensitive)`.
 */

export const PLAN_FORMAT_VERSION = 1;

export type ChangeKind = 'orgUnit' | 'gatewayPolicy' | 'userPlacement' | 'sendAs';

/** `manual`: a person must do it in the Admin console; `no-op` changes are not listed in `changes`. */
export type ChangeAction = 'create' | 'update' | 'delete' | 'replace' | 'manual';

/** Marks that reviewers must see first. */
export type SecurityFlag =
  | 'allows-gateway' // a gateway policy turns per-user outbound gateways on
  | 'smtp-without-tls' // an identity sends through SMTP with securityMode none
  | 'destructive'; // deletes an object

/** One attribute's before and after. Sensitive attributes carry no values, only `sensitive: true`. */
export interface AttributeChange {
  readonly name: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly sensitive?: boolean;
}

export interface Change {
  /** Stable id: `orgUnit:/sales/partners`, `gatewayPolicy:/sales`, `userPlacement:user@example.com`,
   * `sendAs:user@example.com/alias@partner.com` (lower-cased keys). */
  readonly id: string;
  readonly kind: ChangeKind;
  readonly action: ChangeAction;
  /** Human address: the OU path, the user, `user → alias`. */
  readonly subject: string;
  readonly attributes: readonly AttributeChange[];
  /** Ids of changes in this plan that must finish first. */
  readonly dependsOn: readonly string[];
  readonly security: readonly SecurityFlag[];
  /** Why, when not obvious ("not declared, inside exclusive scope /Sales"). */
  readonly reason?: string;
  /** The manifest entry to converge to (absent for deletes). */
  readonly desired?: OrgUnitSpec | GatewayPolicySpec | UserSpec | SendAsSpec;
  /** Identifiers apply needs from the observed state (OU id, policy name, current path …). */
  readonly observed?: Readonly<Record<string, unknown>>;
  /** For `manual`: the exact steps, Admin-console path included. */
  readonly manualSteps?: readonly string[];
}

/** An object whose live state could not be read. */
export interface IndeterminateRow {
  readonly kind: ChangeKind;
  readonly subject: string;
  readonly error: string;
}

/** A live object the stack does not declare and does not own: listed, never touched. */
export interface UnmanagedRow {
  readonly kind: ChangeKind;
  readonly subject: string;
}

/** Information that is neither a change nor drift (for example credentials not verifiable yet). */
export interface PlanNote {
  readonly subject: string;
  readonly message: string;
}

export interface PlanSummary {
  readonly create: number;
  readonly update: number;
  readonly delete: number;
  readonly replace: number;
  readonly manual: number;
  readonly unchanged: number;
  readonly indeterminate: number;
  /** Error-level findings (unacknowledged warnings count too). */
  readonly blockingFindings: number;
}

export interface Plan {
  readonly formatVersion: typeof PLAN_FORMAT_VERSION;
  /** `drift` for a drift report (`driftReport`): only differences made outside the code. @default 'plan' */
  readonly mode?: 'plan' | 'drift';
  readonly stack: string;
  readonly target: TargetInfo;
  /** Ordered: dependency order, then kind, then id. */
  readonly changes: readonly Change[];
  readonly findings: readonly Finding[];
  readonly indeterminate: readonly IndeterminateRow[];
  readonly unmanaged: readonly UnmanagedRow[];
  readonly notes: readonly PlanNote[];
  readonly summary: PlanSummary;
}
