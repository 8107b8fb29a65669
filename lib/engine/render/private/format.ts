import { manualStepsOf, type AttributeChange, type Change, type ChangeAction, type ChangeKind } from '../../change';
import type { Plan, PlanSummary } from '../../plan';

/** Terraform-like symbols per action. */
export const SYMBOL: Record<ChangeAction, string> = {
  create: '+',
  update: '~',
  delete: '-',
  replace: '±',
  manual: '!',
  forget: '·',
};

export const KIND_ORDER: readonly ChangeKind[] = [
  'orgUnit',
  'gatewayPolicy',
  'groupPolicy',
  'userPlacement',
  'alias',
  'sendAs',
];

export const KIND_TITLE: Record<ChangeKind, string> = {
  orgUnit: 'Organisational units',
  gatewayPolicy: 'Per-user outbound gateway policies',
  groupPolicy: 'Group-scoped gateway policies',
  userPlacement: 'User placements',
  alias: 'Aliases',
  sendAs: 'Send-as identities',
};

export const ACTION_TITLE: Record<ChangeAction, string> = {
  create: 'Create',
  update: 'Update',
  delete: 'Delete',
  replace: 'Replace (delete, then create)',
  manual: 'Manual steps',
  forget: 'No longer managed (left in the tenant)',
};

function plural(n: number, one: string, many: string = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Formats a value for display; sensitive attributes never reach here with values. */
export function show(value: unknown): string {
  if (value === undefined) return '(none)';
  return JSON.stringify(value) ?? String(value);
}

/** `~ displayName: "A" → "B"`, `+ smtp.host: "x"`, `~ smtp.password: (sensitive)`. */
export function formatAttribute(attr: AttributeChange, action: ChangeAction): string {
  if (attr.sensitive) return `${action === 'create' ? '+' : '~'} ${attr.name}: (sensitive)`;
  const hasBefore = attr.before !== undefined;
  const hasAfter = attr.after !== undefined;
  if (action === 'delete' || (hasBefore && !hasAfter)) return `- ${attr.name}: ${show(attr.before)}`;
  if (!hasBefore) return `+ ${attr.name}: ${show(attr.after)}`;
  return `~ ${attr.name}: ${show(attr.before)} → ${show(attr.after)}`;
}

/** Short tags for security flags. */
export function securityTags(change: Change): string[] {
  const tags: string[] = [];
  if (change.security.includes('allows-gateway')) tags.push('allows per-user outbound gateways');
  if (change.security.includes('smtp-without-tls')) tags.push('SMTP without TLS');
  if (change.security.includes('destructive')) tags.push('destructive');
  return tags;
}

/** The summary line, as Terraform's: `Plan: 2 to create, 1 to update, 0 to delete, 1 manual step.` */
export function summaryLine(plan: Plan, title = 'Plan'): string {
  const s: PlanSummary = plan.summary;
  if (plan.changes.length === 0) {
    if (s.indeterminate > 0)
      return `No changes planned, but ${plural(s.indeterminate, 'object')} could not be read: the plan is incomplete.`;
    return title === 'Drift' ? 'No drift. The tenant matches the code.' : 'No changes. The tenant matches the code.';
  }
  const replace = s.replace > 0 ? `, ${s.replace} to replace` : '';
  const forget = s.forget > 0 ? `, ${s.forget} to forget` : '';
  return `${title}: ${s.create} to create, ${s.update} to update, ${s.delete} to delete${replace}${forget}, ${plural(s.manual, 'manual step')}.`;
}

/** Changes grouped by kind, in plan order within each group. */
export function groupByKind(changes: readonly Change[]): Array<[ChangeKind, Change[]]> {
  const groups = new Map<ChangeKind, Change[]>();
  for (const change of changes) {
    const list = groups.get(change.kind) ?? [];
    list.push(change);
    groups.set(change.kind, list);
  }
  return KIND_ORDER.filter((k) => groups.has(k)).map((k) => [k, groups.get(k) as Change[]]);
}

/** What a missing state means, said plainly in every format. */
export const STATE_MISSING_NOTE =
  'No state recorded for this stack (first run, or the state was lost): removals from code cannot be detected, and every SMTP credential will be sent.';

/** The heading of the list of identities waiting for verification, in every format. */
export const PENDING_TITLE =
  "Waiting for verification (the address's owner must click the link in Gmail's mail; `mailpolicy verify` sends it again)";

/** Whether the plan is a drift report. */
export function isDrift(plan: Plan): boolean {
  return plan.mode === 'drift';
}

/** Lines of one change for text and the markdown diff fence (no colour). */
export function changeLines(change: Change): string[] {
  const tags = securityTags(change);
  const head = `${SYMBOL[change.action]} ${change.subject}${tags.length ? `  [${tags.join(', ')}]` : ''}${change.reason ? `  (${change.reason})` : ''}`;
  const lines = [head];
  for (const attr of change.attributes) lines.push(`    ${formatAttribute(attr, change.action)}`);
  for (const step of manualStepsOf(change)) lines.push(`    ! ${step}`);
  return lines;
}
