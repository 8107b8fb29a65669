import type { Change, ChangeKind } from '../change';
import { compareStrings } from './diff-context';

const KIND_RANK: Record<ChangeKind, number> = {
  orgUnit: 0,
  gatewayPolicy: 1,
  groupPolicy: 2,
  userPlacement: 3,
  alias: 4,
  sendAs: 5,
};

function tieBreak(a: Change, b: Change): number {
  return (KIND_RANK[a.kind] ?? 9) - (KIND_RANK[b.kind] ?? 9) || compareStrings(a.id, b.id);
}

/** A binary min-heap, so that ordering stays O(n log n). */
class Heap<T> {
  private readonly items: T[] = [];
  public constructor(private readonly less: (a: T, b: T) => number) {}
  public get size(): number {
    return this.items.length;
  }
  public push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(a[i], a[p]) >= 0) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  public pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m]) < 0) m = l;
        if (r < a.length && this.less(a[r], a[m]) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Orders changes: dependencies first (Kahn's algorithm), ties by kind then id. Dependencies on ids that are
 * not in the plan are dropped; a cycle (which valid manifests cannot produce) is broken in tie order.
 */
export function orderChanges(changes: Iterable<Change>): Change[] {
  const byId = new Map<string, Change>();
  for (const change of changes) byId.set(change.id, change);
  const pending = new Map<string, number>();
  const dependants = new Map<string, string[]>();
  const cleaned = new Map<string, Change>();
  for (const change of byId.values()) {
    const deps = [...new Set(change.dependsOn.filter((d) => d !== change.id && byId.has(d)))].sort(compareStrings);
    cleaned.set(
      change.id,
      deps.length === change.dependsOn.length && deps.every((d, i) => d === change.dependsOn[i])
        ? change
        : { ...change, dependsOn: deps },
    );
    pending.set(change.id, deps.length);
    for (const dep of deps) {
      const list = dependants.get(dep) ?? [];
      list.push(change.id);
      dependants.set(dep, list);
    }
  }
  const ready = new Heap<Change>(tieBreak);
  for (const change of cleaned.values()) if (pending.get(change.id) === 0) ready.push(change);
  const out: Change[] = [];
  const done = new Set<string>();
  while (out.length < cleaned.size) {
    let next = ready.pop();
    if (!next) {
      // A cycle: take the smallest remaining change in tie order.
      next = [...cleaned.values()].filter((c) => !done.has(c.id)).sort(tieBreak)[0];
    }
    if (done.has(next.id)) continue;
    done.add(next.id);
    out.push(next);
    for (const dependant of dependants.get(next.id) ?? []) {
      const left = (pending.get(dependant) ?? 0) - 1;
      pending.set(dependant, left);
      if (left === 0 && !done.has(dependant)) ready.push(cleaned.get(dependant) as Change);
    }
  }
  return out;
}
