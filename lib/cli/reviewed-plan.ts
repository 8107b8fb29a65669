import type { Change } from '../engine/change';
import { canonicalJson, digestManifest, type ReadSavedPlan } from '../engine/saved-plan';
import { ErrorCodes, MailPolicyError } from '../model/errors';
import type { LoadedStack } from './app-runner';
import type { StackPlan } from './planning';

/**
 * The checks that bind a saved plan to what was reviewed: the plan file's own manifest is the one its digest
 * names, the merged code (when given) is that manifest, the tenant is the one observed, and re-planning gives
 * exactly the saved changes. Any failure refuses the run before a change (MP3000, MP3021).
 */

export function notReviewed(planFile: string, why: string): MailPolicyError {
  return new MailPolicyError(
    ErrorCodes.PLAN_NOT_REVIEWED,
    `${planFile} is refused, nothing was changed: ${why}. Apply only a plan written by 'mailpolicy plan --out' from the reviewed code, unedited.`,
  );
}

/** Before anything is read from the tenant: the file's manifest, and the merged code beside it. */
export function checkSavedManifest(planFile: string, saved: ReadSavedPlan, code: LoadedStack | undefined): void {
  if (digestManifest(saved.manifest) !== saved.manifestDigest) {
    throw notReviewed(planFile, 'its embedded manifest was changed after the plan was written');
  }
  if (code && digestManifest(code.manifest) !== saved.manifestDigest) {
    throw notReviewed(
      planFile,
      `the code's manifest of stack ${saved.manifest.stack} (${code.manifestFile}) is not the one the plan was made from (digest ${saved.manifestDigest.slice(0, 15)}…, the code has ${digestManifest(code.manifest).slice(0, 15)}…)`,
    );
  }
}

/** After re-planning: the same tenant, and exactly the same changes. */
export function checkReplanned(planFile: string, saved: ReadSavedPlan, now: StackPlan): void {
  if (now.observedDigest !== saved.observedDigest) {
    throw new MailPolicyError(
      ErrorCodes.PLAN_STALE,
      `the live tenant changed since ${planFile} was made (observed-state digest ${saved.observedDigest.slice(0, 12)}… is now ${now.observedDigest.slice(0, 12)}…). Nothing was changed. Run 'mailpolicy plan --out ${planFile}' again and review the new plan.`,
    );
  }
  const differences = changeDifferences(saved.plan.changes, now.plan.changes);
  if (differences.length > 0) {
    throw notReviewed(
      planFile,
      `its changes are not what its manifest produces against the tenant and the state now:\n${differences.map((d) => `  - ${d}`).join('\n')}`,
    );
  }
}

/** What differs between the saved changes and the recomputed ones, one line each (at most 10). */
function changeDifferences(saved: readonly Change[], now: readonly Change[]): string[] {
  const out: string[] = [];
  const byId = new Map(now.map((c) => [c.id, c]));
  const savedIds = new Set(saved.map((c) => c.id));
  for (const change of saved) {
    const current = byId.get(change.id);
    if (!current) out.push(`${change.id} is in the plan file but not planned now`);
    else if (canonicalJson(current) !== canonicalJson(change))
      out.push(`${change.id} differs from what is planned now`);
  }
  for (const change of now)
    if (!savedIds.has(change.id)) out.push(`${change.id} is planned now but not in the plan file`);
  if (out.length === 0 && canonicalJson(saved.map((c) => c.id)) !== canonicalJson(now.map((c) => c.id)))
    out.push('the order of the changes differs');
  return out.length > 10 ? [...out.slice(0, 10), `and ${out.length - 10} more`] : out;
}
