import type { TargetInfo } from '../../admin/workspace-admin';
import type { GatewayPolicyRecord, OrgUnitRecord } from '../../admin/workspace-admin';
import type { Finding } from '../../model/findings';
import type { Manifest } from '../../model/manifest';
import { orgUnitAncestry, orgUnitKey } from '../../model/org-unit-path';
import { orgUnitChangeId } from '../change-ids';
import type { DesiredCredentials } from '../credentials';
import type { ManagedObject, StackState } from '../../state/stack-state';
import { declaredObjects, specDigest, type DeclaredObject } from '../managed-objects';
import { unreadReason, type Observed, type ObservedState } from '../observed-state';
import type { Change, ChangeCause } from '../change';
import type { IndeterminateRow, PendingVerification, PlanNote, UnmanagedRow } from '../plan';

/** Everything `diff` needs. */
export interface DiffInput {
  readonly manifest: Manifest;
  readonly observed: ObservedState;
  /** The stack's state: the objects it manages and the credential fingerprints it last sent. */
  readonly state: StackState;
  /**
   * Whether no state was found (first run, or lost): removals cannot be detected and credentials are sent.
   * @default false
   */
  readonly stateMissing?: boolean;
  readonly credentials: DesiredCredentials;
  readonly target: TargetInfo;
  /** The rule pack's findings, computed by the caller. @default - none */
  readonly findings?: readonly Finding[];
}

/** Indexes of the observed state and the plan being built, shared by the per-kind diffs. */
export class DiffContext {
  public readonly changes = new Map<string, Change>();
  public readonly findings: Finding[] = [];
  public readonly indeterminate: IndeterminateRow[] = [];
  public readonly unmanaged: UnmanagedRow[] = [];
  public readonly notes: PlanNote[] = [];
  public readonly pendingVerification: PendingVerification[] = [];
  public unchanged = 0;

  /** Live OUs by lower-cased path (undefined when the OU list is unreadable). */
  public readonly orgUnitsByPath?: ReadonlyMap<string, OrgUnitRecord>;
  /** Live OU paths by OU id. */
  public readonly orgUnitPathById?: ReadonlyMap<string, string>;
  /** The explicit policy of each live OU, by OU id (undefined when OUs or policies are unreadable). */
  public readonly policyByOrgUnitId?: ReadonlyMap<string, GatewayPolicyRecord>;
  /** Desired OU path key → the live OU it converges from (itself, or its `movedFrom` origin). */
  public readonly liveOrgUnitFor = new Map<string, OrgUnitRecord>();
  /** Lower-cased former path → new path, for OUs moved in this plan. */
  public readonly moves = new Map<string, string>();
  /** Keys of findings already reported, to add each once. */
  public readonly reported = new Set<string>();
  /** The objects the stack manages, by id (its state). */
  public readonly managed: ReadonlyMap<string, ManagedObject>;
  /** The objects the code declares, by id. */
  public readonly declared: ReadonlyMap<string, DeclaredObject>;
  private readonly indeterminateSeen = new Set<string>();

  public constructor(public readonly input: DiffInput) {
    this.managed = new Map(Object.entries(input.state?.objects ?? {}));
    this.declared = declaredObjects(input.manifest);
    const { orgUnits, gatewayPolicies } = input.observed;
    if (orgUnits?.status === 'ok' && Array.isArray(orgUnits.value)) {
      const byPath = new Map<string, OrgUnitRecord>();
      const byId = new Map<string, string>();
      for (const ou of orgUnits.value) {
        if (typeof ou?.orgUnitPath !== 'string') continue;
        const key = orgUnitKey(ou.orgUnitPath);
        if (!byPath.has(key)) byPath.set(key, ou);
        if (typeof ou.orgUnitId === 'string') byId.set(stripIdPrefix(ou.orgUnitId), ou.orgUnitPath);
      }
      this.orgUnitsByPath = byPath;
      this.orgUnitPathById = byId;
      if (gatewayPolicies?.status === 'ok' && Array.isArray(gatewayPolicies.value)) {
        const policies = new Map<string, GatewayPolicyRecord>();
        // Several policies on one OU: the one Google applies wins (highest sortOrder, then name for stability).
        const ranked = [...gatewayPolicies.value].filter((p) => typeof p?.orgUnitId === 'string').sort(comparePolicies);
        for (const policy of ranked) {
          const id = stripIdPrefix(policy.orgUnitId);
          if (!policies.has(id)) policies.set(id, policy);
        }
        this.policyByOrgUnitId = policies;
      }
    }
  }

  public addChange(change: Change): void {
    if (!this.changes.has(change.id)) this.changes.set(change.id, change);
  }

  /**
   * The value of an observation that was read; otherwise `undefined`, after adding the indeterminate row that says
   * why (`explain` words the read error for this row).
   */
  public observedValue<T>(
    observed: Observed<T> | undefined,
    row: Omit<IndeterminateRow, 'error'>,
    explain: (error: string) => string = (error) => error,
  ): T | undefined {
    if (observed?.status === 'ok') return observed.value;
    this.addIndeterminate({ ...row, error: explain(unreadReason(observed)) });
    return undefined;
  }

  /** Adds an indeterminate row once per (kind, subject). */
  public addIndeterminate(row: IndeterminateRow): void {
    const key = `${row.kind}\u0000${row.subject}`;
    if (this.indeterminateSeen.has(key)) return;
    this.indeterminateSeen.add(key);
    this.indeterminate.push(row);
  }

  /**
   * The cause of a change to a declared object: `tenant` when the stack manages it already (its state has it, so
   * a missing object was removed, a different value changed, outside the code) and its spec is the one last
   * applied; else `code` (the stack has not put it in place yet, or the code changed it since).
   */
  public causeFor(objectId: string, spec?: object): ChangeCause {
    const managed = this.managed.get(objectId);
    if (!managed) return 'code';
    // The code changed since the last apply: the difference is the code's, whatever the tenant did.
    if (spec && managed.appliedDigest !== undefined && managed.appliedDigest !== specDigest(spec)) return 'code';
    return 'tenant';
  }

  /** The id of a change in this plan that creates or moves the OU at `path`, if any. */
  public orgUnitChangeId(path: string): string | undefined {
    const id = orgUnitChangeId(path);
    const change = this.changes.get(id);
    if (change?.kind !== 'orgUnit') return undefined;
    return change.action === 'create' || change.cause === 'move' ? id : undefined;
  }

  /** Where a live OU path will be after this plan's moves (nearest moved ancestor rewritten). */
  public projectPath(livePath: string): string {
    if (this.moves.size === 0) return livePath;
    for (const ancestor of orgUnitAncestry(livePath)) {
      const moved = this.moves.get(orgUnitKey(ancestor));
      if (moved !== undefined) return moved + livePath.slice(ancestor.length === 1 ? 0 : ancestor.length);
    }
    return livePath;
  }
}

/** Policy API OU ids sometimes carry an `id:` or `orgUnits/` prefix. */
export function stripIdPrefix(id: string): string {
  return id.replace(/^(id:|orgUnits\/)/, '');
}

function comparePolicies(a: GatewayPolicyRecord, b: GatewayPolicyRecord): number {
  const so = (b.sortOrder ?? 0) - (a.sortOrder ?? 0);
  if (so !== 0 && Number.isFinite(so)) return so;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Deterministic string comparison (code units, not locale). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
