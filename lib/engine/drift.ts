import { DRIFT_CAUSES, type Change } from './change';
import { summarise } from './diff';
import type { Plan } from './plan';

/**
 * The drift part of a change: changes whose cause is a difference made outside the code (`tenant`: an object
 * the stack had put in place is missing or holds another value; `scope`: an undeclared identity inside an
 * exclusive scope). Changes the code causes (new objects and values, OU moves, credential rotations, default
 * switches after a create) are not drift. Sensitive attributes are left out: drift is about what the tenant
 * shows, and credentials are never read back.
 */
function driftOf(change: Change): Change | undefined {
  if (!DRIFT_CAUSES.has(change.cause)) return undefined;
  const attributes = change.attributes.filter((a) => a.sensitive !== true && a.codeOnly !== true);
  return attributes.length === change.attributes.length ? change : { ...change, attributes };
}

/**
 * A drift report from a plan: only objects that differ from the code because something changed outside it,
 * per attribute with the current (`before`) and desired (`after`) value. Read errors stay indeterminate and are
 * never drift; notes and unmanaged objects outside exclusive scopes are dropped; findings are kept.
 */
export function driftReport(plan: Plan): Plan {
  const changes = plan.changes.map(driftOf).filter((c): c is Change => c !== undefined);
  const ids = new Set(changes.map((c) => c.id));
  const pruned = changes.map((c) =>
    c.dependsOn.every((d) => ids.has(d)) ? c : { ...c, dependsOn: c.dependsOn.filter((d) => ids.has(d)) },
  );
  // The gateway picture shows the whole plan's effect, not the drift's: a drift report leaves it out.
  const { picture: _picture, ...rest } = plan;
  return {
    ...rest,
    mode: 'drift',
    changes: pruned,
    unmanaged: [],
    notes: [],
    summary: summarise(pruned, plan.findings, plan.indeterminate.length, plan.summary.unchanged),
  };
}
