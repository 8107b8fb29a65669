import type { WorkspaceAdmin, TargetInfo } from '../admin/workspace-admin';
import { diff } from '../engine/diff';
import { fingerprintCredentials, type DesiredCredentials } from '../engine/credentials';
import { observe } from '../engine/observe';
import type { ObservedState } from '../engine/observed-state';
import type { Plan } from '../engine/plan';
import { digestObserved } from '../engine/saved-plan';
import type { Manifest } from '../model/manifest';
import { isBlockingFinding } from '../model/findings';
import { runRulePack } from '../model/rules';
import { loadFingerprintKey, type FingerprintKey } from '../model/secret-ref';
import type { PlanningState } from './stack-state';
import type { WorkspaceDir } from './workspace-dir';

/**
 * One stack's plan, the way `plan`, `apply`, `destroy` and `drift` all compute it: the rule pack, a read of the
 * live tenant in the manifest's scope (and of what the state holds that the code no longer declares), the
 * credentials' fingerprints, then the pure diff.
 */
export interface StackPlan {
  readonly manifest: Manifest;
  readonly observed: ObservedState;
  readonly observedDigest: string;
  /** The stack's state as read (and, for apply and destroy, the store bound to the held lock). */
  readonly state: PlanningState;
  readonly plan: Plan;
  readonly fingerprintKey: FingerprintKey;
  /** The desired credential fingerprints the plan compared (saved with the plan). */
  readonly credentials: DesiredCredentials;
}

export interface PlanningOptions {
  /** `api` or `manual`. @default - `manual` once the target refused a policy write (state), else `api` */
  readonly gatewayWrites?: 'api' | 'manual';
  /** Observe concurrency. @default - the observe default */
  readonly concurrency?: number;
  /**
   * Credential fingerprints to plan with instead of resolving the secrets here: a saved plan's, so that apply
   * re-plans with exactly what the reviewer saw. @default - resolved from the environment and files
   */
  readonly credentials?: DesiredCredentials;
}

/** Computes the plan of one stack against a target. */
export async function planStack(
  manifest: Manifest,
  admin: WorkspaceAdmin,
  target: TargetInfo,
  workspace: WorkspaceDir,
  env: NodeJS.ProcessEnv,
  state: PlanningState,
  options: PlanningOptions = {},
): Promise<StackPlan> {
  const fingerprintKey = loadFingerprintKey(env, workspace.fingerprintKeyFile);
  const credentials = options.credentials ?? fingerprintCredentials(manifest, fingerprintKey, env, workspace.appDir);
  const policyWrites = options.gatewayWrites ?? (state.state.facts.policyWritesRefused ? 'manual' : 'api');
  const observed = await observe(admin, manifest, {
    policyWrites,
    concurrency: options.concurrency,
    state: state.state,
  });
  const findings = runRulePack(manifest);
  const plan = diff({
    manifest,
    observed,
    state: state.state,
    stateMissing: state.missing,
    credentials,
    target,
    findings,
  });
  return { manifest, observed, observedDigest: digestObserved(observed), state, plan, fingerprintKey, credentials };
}

/** Whether a plan has anything to do. */
export function hasChanges(plan: Plan): boolean {
  return plan.changes.length > 0;
}

/** Whether a plan must not be applied: unreadable objects or blocking findings. */
export function isBlocked(plan: Plan): boolean {
  return plan.summary.indeterminate > 0 || plan.summary.blockingFindings > 0;
}

/**
 * Why a plan is blocked, one line each: distinct read errors first (a missing scope or grant names itself
 * there), then the blocking findings.
 */
export function blockReasons(plan: Plan): string[] {
  const reads = [...new Set(plan.indeterminate.map((row) => row.error))].map((error) => `cannot read: ${error}`);
  const findings = plan.findings.filter(isBlockingFinding).map((f) => `${f.ruleId} ${f.subject}: ${f.message}`);
  return [...reads, ...findings];
}
