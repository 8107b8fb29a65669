import { orgUnitKey } from '../../model/org-unit-path';
import type { GatewayPicture, GroupNode, OrgUnitNode } from '../picture/gateway-picture';

/** Options of the picture renderers. */
export interface PictureViewOptions {
  /**
   * Most nodes to draw. Beyond it, the OUs that matter least are folded into one node per parent with their
   * count ("+ 312 more OUs, 40 SMTP identities"), keeping changed, allowing, declared OUs and their ancestors
   * first. @default - every node
   */
  readonly maxNodes?: number;
}

/** A node to draw: an OU of the picture, or the folded rest of a parent's children. */
export interface ViewNode {
  /** Stable within one rendering: `n<i>` for OUs, `m<i>` for folded rests. */
  readonly id: string;
  readonly node?: OrgUnitNode;
  readonly more?: { readonly orgUnits: number; readonly smtpIdentities: number; readonly changed: number };
  readonly children: ViewNode[];
}

/** The tree to draw, and the groups (drawn beside it, linked to their OUs). */
export interface PictureView {
  readonly root: ViewNode;
  readonly groups: readonly GroupNode[];
  /** OU nodes of the picture folded away. */
  readonly folded: number;
}

/** Lower is kept first: the root, changes, blocked identities, allowances, declared OUs, SMTP users. */
function tierOf(node: OrgUnitNode): number {
  if (node.parentPath === undefined) return 0;
  if (node.changed || node.reasons.includes('policy-change')) return 1;
  if (node.smtpIdentities > 0 && !node.after.allowed) return 2;
  if (node.before.allowed || node.after.allowed || node.reasons.includes('declared-policy')) return 3;
  if (node.reasons.includes('declared-ou')) return 4;
  if (node.reasons.includes('smtp-identities')) return 5;
  return 6;
}

/**
 * The picture as a tree to draw, folded to `maxNodes` (folded rests count as nodes). Pure: the same picture and
 * budget give the same tree.
 */
export function pictureView(picture: GatewayPicture, options: PictureViewOptions = {}): PictureView {
  const nodes = picture.orgUnits;
  const index = new Map<string, number>();
  nodes.forEach((n, i) => index.set(orgUnitKey(n.path), i));
  const parentOf = nodes.map((n) => (n.parentPath === undefined ? -1 : (index.get(orgUnitKey(n.parentPath)) ?? -1)));
  const childCount = nodes.map(() => 0);
  parentOf.forEach((p) => p >= 0 && childCount[p]++);

  const keep = selectNodes(nodes, parentOf, childCount, options.maxNodes);
  // Subtree totals, children after parents in tree order, so one backwards pass sums them.
  const totals = nodes.map((n) => ({ orgUnits: 1, smtpIdentities: n.smtpIdentities, changed: n.changed ? 1 : 0 }));
  for (let i = nodes.length - 1; i >= 0; i--) {
    const p = parentOf[i];
    if (p < 0) continue;
    totals[p].orgUnits += totals[i].orgUnits;
    totals[p].smtpIdentities += totals[i].smtpIdentities;
    totals[p].changed += totals[i].changed;
  }
  const views = new Map<number, ViewNode>();
  const rests = new Map<number, { orgUnits: number; smtpIdentities: number; changed: number }>();
  const roots: ViewNode[] = [];
  nodes.forEach((node, i) => {
    const p = parentOf[i];
    if (keep.has(i)) {
      const view: ViewNode = { id: `n${i}`, node, children: [] };
      views.set(i, view);
      if (p >= 0 && views.has(p)) (views.get(p) as ViewNode).children.push(view);
      else roots.push(view);
    } else if (p >= 0 && keep.has(p)) {
      const rest = rests.get(p) ?? { orgUnits: 0, smtpIdentities: 0, changed: 0 };
      rest.orgUnits += totals[i].orgUnits;
      rest.smtpIdentities += totals[i].smtpIdentities;
      rest.changed += totals[i].changed;
      rests.set(p, rest);
    }
  });
  for (const [p, more] of [...rests].sort((a, b) => a[0] - b[0]))
    (views.get(p) as ViewNode).children.push({ id: `m${p}`, more, children: [] });
  // A well-formed picture has one root; anything else hangs under a synthetic one rather than being lost.
  const root: ViewNode = roots.length === 1 ? roots[0] : { id: 'r', children: roots };
  return { root, groups: picture.groups, folded: nodes.length - keep.size };
}

/** Greedy by tier, each node with its missing ancestors, while kept nodes plus folded rests fit the budget. */
function selectNodes(
  nodes: readonly OrgUnitNode[],
  parentOf: readonly number[],
  childCount: readonly number[],
  maxNodes: number | undefined,
): Set<number> {
  const all = new Set(nodes.map((_, i) => i));
  if (maxNodes === undefined || nodes.length <= maxNodes) return all;
  const budget = Math.max(2, Math.floor(maxNodes));
  const kept = new Set<number>();
  const keptChildren = nodes.map(() => 0);
  let rests = 0;
  const order = nodes.map((n, i) => [tierOf(n), i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [, candidate] of order) {
    if (kept.has(candidate)) continue;
    const chain: number[] = [];
    for (let i = candidate; i >= 0 && !kept.has(i); i = parentOf[i]) chain.push(i);
    // Rests after adding the chain: parents gain a kept child, new nodes may have children left out.
    const gained = new Map<number, number>();
    for (const i of chain) if (parentOf[i] >= 0) gained.set(parentOf[i], (gained.get(parentOf[i]) ?? 0) + 1);
    let after = rests;
    for (const [p, n] of gained) {
      const wasRest = kept.has(p) && keptChildren[p] < childCount[p];
      const isRest = keptChildren[p] + n < childCount[p];
      if (kept.has(p)) after += (isRest ? 1 : 0) - (wasRest ? 1 : 0);
      else if (isRest) after += 1;
    }
    for (const i of chain) if (!gained.has(i) && childCount[i] > 0) after += 1;
    if (kept.size + chain.length + after > budget) continue;
    for (const i of chain) kept.add(i);
    for (const [p, n] of gained) keptChildren[p] += n;
    rests = after;
  }
  return kept;
}
