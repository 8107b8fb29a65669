import { formatFinding } from '../../model/findings';
import type { ChangeAction } from '../change';
import type { Plan } from '../plan';
import { pictureSection } from './picture-text';
import {
  changeLines,
  groupByKind,
  isDrift,
  KIND_TITLE,
  PENDING_TITLE,
  STATE_MISSING_NOTE,
  summaryLine,
} from './private/format';

/** Options of `renderText`. */
export interface RenderTextOptions {
  /**
   * ANSI colours (the command line turns them on for a TTY only).
   * @default false
   */
  readonly color?: boolean;
}

const COLOUR: Record<ChangeAction, string> = {
  create: '\u001b[32m',
  update: '\u001b[33m',
  delete: '\u001b[31m',
  replace: '\u001b[35m',
  manual: '\u001b[36m',
  forget: '\u001b[90m',
};
const RESET = '\u001b[0m';
const BOLD = '\u001b[1m';
const RED = '\u001b[31m';

/**
 * The plan for a terminal: Terraform-like symbols grouped by kind, attribute diffs, the tree of who may bypass
 * the outbound gateway, findings and a summary.
 */
export function renderText(plan: Plan, options: RenderTextOptions = {}): string {
  const color = options.color === true;
  const paint = (code: string, text: string): string => (color ? `${code}${text}${RESET}` : text);
  const drift = isDrift(plan);
  const out: string[] = [];
  out.push(
    `${drift ? 'Drift report' : 'Plan'} for stack ${plan.stack || '(unnamed)'} on ${plan.target.kind}: ${plan.target.description}`,
  );
  out.push('');
  if (plan.stateMissing) out.push(STATE_MISSING_NOTE, '');
  for (const [kind, changes] of groupByKind(plan.changes)) {
    out.push(paint(BOLD, KIND_TITLE[kind]));
    for (const change of changes) {
      const [head, ...rest] = changeLines(change);
      out.push(`  ${paint(COLOUR[change.action], head)}`);
      for (const line of rest) out.push(`  ${line}`);
    }
    out.push('');
  }
  if (plan.indeterminate.length > 0) {
    out.push(paint(RED, 'Could not be read (nothing is planned from these; the plan is incomplete)'));
    for (const row of plan.indeterminate) out.push(`  ? ${row.kind} ${row.subject}: ${row.error}`);
    out.push('');
  }
  if (plan.unmanaged.length > 0) {
    out.push('Unmanaged (not declared, outside every exclusive scope; left untouched)');
    for (const row of plan.unmanaged) out.push(`  · ${row.kind} ${row.subject}`);
    out.push('');
  }
  if ((plan.pendingVerification ?? []).length > 0) {
    out.push(PENDING_TITLE);
    for (const p of plan.pendingVerification ?? []) out.push(`  … ${p.subject}`);
    out.push('');
  }
  if (plan.notes.length > 0) {
    out.push('Notes');
    for (const note of plan.notes) out.push(`  - ${note.subject}: ${note.message}`);
    out.push('');
  }
  if (plan.picture) {
    const colours = { opens: RED, closes: '\u001b[32m' };
    out.push(...pictureSection(plan.picture, { paint: (style, text) => paint(colours[style], text) }));
    out.push('');
  }
  if (plan.findings.length > 0) {
    out.push('Findings');
    for (const finding of plan.findings) {
      const line = `  ${formatFinding(finding)}`;
      out.push(finding.level === 'error' ? paint(RED, line) : line);
    }
    out.push('');
  }
  out.push(paint(BOLD, summaryLine(plan, drift ? 'Drift' : 'Plan')));
  return `${out.join('\n')}\n`;
}
