import { objectIdOf } from './change-ids';
import { summarise } from './diff';
import type { AttributeChange, Change, Plan } from './plan';

/** Attributes that can differ only because the code changed, never because of an edit in the tenant. */
function isDriftAttribute(attr: AttributeChange): boolean {
  return !attr.sensitive && attr.before !== undefined;
}

/**
 * The drift part of a change: the attributes that differ from the code because the tenant changed (an
 * attribute that existed with another value), or undefined when the change is not drift: creates of objects
 * that never existed (an object the ledger saw in place after the last apply and now missing was removed
 * outside the code: that is drift), OU moves declared in code (`movedFrom`), credential rotations (the ledger records what
 * apply wrote, so a different fingerprint is a change of the secret, not of the tenant) and default switches
 * after a create.
 */
function driftOf(change: Change, inPlace: ReadonlySet<string>): Change | undefined {
  if (change.action === 'create') {
    if (!inPlace.has(objectIdOf(change.id))) return undefined;
    return { ...change, reason: 'was in place after the last apply; removed outside the code' };
  }
  if (change.kind === 'orgUnit' && change.observed?.movedFrom !== undefined) return undefined;
  if (change.id.endsWith('#isDefault')) return undefined;
  if (change.action === 'delete') return change; // undeclared inside an exclusive scope, or a policy set outside
  const attributes = change.attributes.filter(isDriftAttribute);
  if (change.kind === 'gatewayPolicy' && attributes.every((a) => a.before === 'inherit')) return undefined;
  if (attributes.length === 0) return undefined;
  return { ...change, attributes };
}

/**
 * A drift report from a plan: only objects that differ from the code because something changed outside it,
 * per attribute with the current (`before`) and desired (`after`) value. Read errors stay indeterminate and are
 * never drift; notes and unmanaged objects outside exclusive scopes are dropped; findings are kept.
 *
 * `inPlace` lists the declared objects that were in place after the stack's last apply (`Ledger.inPlace`);
 * without it, objects removed outside the code look like never-applied ones and are not reported.
 */
export function driftReport(plan: Plan, inPlace: readonly string[] = []): Plan {
  const known = new Set(inPlace);
  const changes = plan.changes.map((c) => driftOf(c, known)).filter((c): c is Change => c !== undefined);
  const ids = new Set(changes.map((c) => c.id));
  const pruned = changes.map((c) =>
    c.dependsOn.every((d) => ids.has(d)) ? c : { ...c, dependsOn: c.dependsOn.filter((d) => ids.has(d)) },
  );
  return {
    ...plan,
    mode: 'drift',
    changes: pruned,
    unmanaged: [],
    notes: [],
    summary: summarise(pruned, plan.findings, plan.indeterminate.length, plan.summary.unchanged),
  };
}
