import { manualStepsOf, type Change, type ChangeAction } from '../change';
import type { Plan } from '../plan';
import {
  ACTION_TITLE,
  changeLines,
  groupByKind,
  isDrift,
  KIND_TITLE,
  PENDING_TITLE,
  securityTags,
  STATE_MISSING_NOTE,
  summaryLine,
  SYMBOL,
} from './private/format';
import { pictureAtoms } from './private/markdown-picture';

/** GitHub's limit for one comment. */
export const MARKDOWN_MAX_LENGTH = 65_536;

/** Options of `renderMarkdown`. */
export interface RenderMarkdownOptions {
  /**
   * Longest output in characters; longer plans are truncated with a note saying how much was cut.
   * @default 65536
   */
  readonly maxLength?: number;
}

/** A piece of the document. Fixed atoms are always kept; cuttable ones are kept in order while they fit. */
interface Atom {
  readonly text: string;
  readonly cuttable: boolean;
  /** Set on the per-action list item of a change, to count cut changes. */
  readonly change?: boolean;
}

const ACTIONS: readonly ChangeAction[] = ['delete', 'replace', 'manual', 'create', 'update', 'forget'];

function code(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  const ticks = clean.includes('`') ? '``' : '`';
  return `${ticks}${clean}${ticks}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function oneLine(text: string): string {
  return escapeHtml(text.replace(/[\r\n]+/g, ' ')).replace(/\|/g, '\\|');
}

const KIND_LABEL: Record<Change['kind'], string> = {
  orgUnit: 'OU',
  gatewayPolicy: 'gateway policy',
  groupPolicy: 'group gateway policy',
  userPlacement: 'user placement',
  alias: 'alias',
  sendAs: 'send-as',
};

function itemOf(change: Change): string {
  const tags = securityTags(change);
  const reason = change.reason ? ` — ${oneLine(change.reason)}` : '';
  return `- ${KIND_LABEL[change.kind]} ${code(change.subject)}${tags.length ? ` **${tags.join(', ')}**` : ''}${reason}\n`;
}

function reviewFirst(change: Change): string | undefined {
  if (change.action === 'delete' || change.action === 'replace')
    return `- :wastebasket: **${change.action}** ${code(change.subject)}${change.reason ? ` — ${oneLine(change.reason)}` : ''}\n`;
  if (change.security.includes('allows-gateway'))
    return `- :unlock: **allows per-user outbound gateways** on ${code(change.subject)} (mail bypasses the domain's outbound gateway)\n`;
  if (change.security.includes('smtp-without-tls'))
    return `- :warning: **SMTP without TLS** for ${code(change.subject)}\n`;
  return undefined;
}

function atoms(plan: Plan, max: number): { head: Atom[]; body: Atom[] } {
  const drift = isDrift(plan);
  const s = plan.summary;
  const blocked = s.blockingFindings > 0 || s.indeterminate > 0;
  const icon = blocked ? ':x:' : plan.changes.length === 0 ? ':white_check_mark:' : ':memo:';
  const head: Atom[] = [
    {
      text: `## ${icon} ${drift ? 'Mail policy drift' : 'Mail policy plan'}: ${code(plan.stack || '(unnamed)')} on ${plan.target.kind}\n\n`,
      cuttable: false,
    },
    { text: `Target: ${oneLine(plan.target.description)}\n\n`, cuttable: false },
    ...(plan.stateMissing ? [{ text: `> :information_source: ${STATE_MISSING_NOTE}\n\n`, cuttable: false }] : []),
    { text: `**${summaryLine(plan, drift ? 'Drift' : 'Plan')}**`, cuttable: false },
  ];
  const verdictExtras: string[] = [];
  if (s.indeterminate > 0) verdictExtras.push(`${s.indeterminate} could not be read`);
  if (s.blockingFindings > 0)
    verdictExtras.push(`${s.blockingFindings} blocking finding${s.blockingFindings === 1 ? '' : 's'}`);
  if (s.unchanged > 0) verdictExtras.push(`${s.unchanged} unchanged`);
  head.push({ text: `${verdictExtras.length ? ` (${verdictExtras.join(', ')})` : ''}\n\n`, cuttable: false });

  const body: Atom[] = [];
  const rank = (c: Change): number =>
    c.action === 'delete' || c.action === 'replace' ? 0 : c.security.includes('allows-gateway') ? 1 : 2;
  const first = [...plan.changes]
    .sort((a, b) => rank(a) - rank(b))
    .map(reviewFirst)
    .filter((x): x is string => x !== undefined);
  if (first.length > 0) {
    body.push({ text: '### :warning: Review first\n\n', cuttable: false });
    for (const line of first) body.push({ text: line, cuttable: true });
    body.push({ text: '\n', cuttable: false });
  }
  body.push(...pictureAtoms(plan.picture, max));
  const manual = plan.changes.filter((c) => c.action === 'manual');
  if (manual.length > 0) {
    body.push({ text: '### Manual steps (Admin console)\n\n', cuttable: false });
    for (const change of manual) {
      const steps = manualStepsOf(change)
        .map((st) => `  - ${oneLine(st)}\n`)
        .join('');
      body.push({ text: `- [ ] ${code(change.subject)}\n${steps}`, cuttable: true });
    }
    body.push({ text: '\n', cuttable: false });
  }
  if (plan.findings.length > 0) {
    body.push({
      text: '### Findings\n\n| level | rule | subject | message | fix |\n|---|---|---|---|---|\n',
      cuttable: false,
    });
    for (const f of plan.findings) {
      const ack = f.acknowledged
        ? ` (acknowledged: ${oneLine(f.acknowledged)})`
        : f.acknowledgementExpired
          ? ` **(acknowledgement expired on ${f.acknowledgementExpired})**`
          : '';
      body.push({
        text: `| ${f.level} | ${code(f.ruleId)} | ${code(f.subject)} | ${oneLine(f.message)}${ack} | ${oneLine(f.fix)} |\n`,
        cuttable: true,
      });
    }
    body.push({ text: '\n', cuttable: false });
  }
  const exceptions = plan.findings.filter((f) => f.acknowledged !== undefined);
  if (exceptions.length > 0) {
    // For auditors: every finding accepted on purpose, why, and until when.
    body.push({
      text: '### Accepted exceptions\n\n| rule | subject | reason | until |\n|---|---|---|---|\n',
      cuttable: false,
    });
    for (const f of exceptions) {
      body.push({
        text: `| ${code(f.ruleId)} | ${code(f.subject)} | ${oneLine(f.acknowledged ?? '')} | ${f.acknowledgedUntil ?? 'no expiry'} |\n`,
        cuttable: true,
      });
    }
    body.push({ text: '\n', cuttable: false });
  }
  if (plan.indeterminate.length > 0) {
    body.push({ text: '### :x: Could not be read (nothing planned from these)\n\n', cuttable: false });
    for (const row of plan.indeterminate)
      body.push({ text: `- ${row.kind} ${code(row.subject)}: ${oneLine(row.error)}\n`, cuttable: true });
    body.push({ text: '\n', cuttable: false });
  }
  for (const action of ACTIONS) {
    const list = plan.changes.filter((c) => c.action === action);
    if (list.length === 0 || action === 'manual') continue;
    body.push({ text: `### ${SYMBOL[action]} ${ACTION_TITLE[action]} (${list.length})\n\n`, cuttable: false });
    for (const change of list) body.push({ text: itemOf(change), cuttable: true, change: true });
    body.push({ text: '\n', cuttable: false });
  }
  if ((plan.pendingVerification ?? []).length > 0) {
    body.push({ text: `### :hourglass: ${PENDING_TITLE}\n\n`, cuttable: false });
    for (const p of plan.pendingVerification ?? []) body.push({ text: `- ${code(p.subject)}\n`, cuttable: true });
    body.push({ text: '\n', cuttable: false });
  }
  if (plan.notes.length > 0) {
    body.push({ text: '### Notes\n\n', cuttable: false });
    for (const note of plan.notes)
      body.push({ text: `- ${code(note.subject)}: ${oneLine(note.message)}\n`, cuttable: true });
    body.push({ text: '\n', cuttable: false });
  }
  if (plan.unmanaged.length > 0) {
    body.push({
      text: `<details><summary>Unmanaged (${plan.unmanaged.length}, left untouched)</summary>\n\n`,
      cuttable: false,
    });
    for (const row of plan.unmanaged) body.push({ text: `- ${row.kind} ${code(row.subject)}\n`, cuttable: true });
    body.push({ text: '\n</details>\n\n', cuttable: false });
  }
  if (plan.changes.length > 0) {
    body.push({ text: '<details><summary>Full diff</summary>\n\n```diff\n', cuttable: false });
    for (const [kind, changes] of groupByKind(plan.changes)) {
      body.push({ text: `# ${KIND_TITLE[kind]}\n`, cuttable: true });
      for (const change of changes) {
        // Diff colouring keys on the first column: `!` manual and `±` replace read as changes too.
        const lines = changeLines(change).map((l) => l.replace(/```/g, "'''"));
        body.push({ text: `${lines.join('\n')}\n`, cuttable: true });
      }
    }
    body.push({ text: '```\n\n</details>\n', cuttable: false });
  }
  return { head, body };
}

/**
 * The plan as a pull-request comment: verdict, destructive and security-relevant changes first, who may bypass
 * the outbound gateway before and after (a Mermaid diagram sized to the comment), manual-step checklist, findings, lists per action and the full diff in `<details>`. Never longer than `maxLength`:
 * whatever does not fit is cut from the end of each list in order, with a note saying how much.
 */
export function renderMarkdown(plan: Plan, options: RenderMarkdownOptions = {}): string {
  const max = Math.max(0, Math.floor(options.maxLength ?? MARKDOWN_MAX_LENGTH));
  const { head, body } = atoms(plan, max);
  const all = [...head, ...body];
  const full = all.map((a) => a.text).join('');
  if (full.length <= max) return full;

  const totalChanges = body.filter((a) => a.change).length;
  const fixed = all.filter((a) => !a.cuttable).reduce((n, a) => n + a.text.length, 0);
  const reserve = 260; // room for the truncation note
  let budget = max - fixed - reserve;
  let cutting = false;
  let cutChars = 0;
  let cutChanges = 0;
  const kept: Atom[] = [];
  for (const atom of body) {
    if (atom.cuttable && (cutting || atom.text.length > budget)) {
      cutting = true;
      cutChars += atom.text.length;
      if (atom.change) cutChanges++;
      continue;
    }
    if (atom.cuttable) budget -= atom.text.length;
    kept.push(atom);
  }
  const note =
    `> :scissors: **Truncated to fit ${max} characters:** ${cutChars} characters cut` +
    `${cutChanges > 0 ? `, ${cutChanges} of ${totalChanges} changes not listed` : ''}.` +
    ' Run `mailpolicy plan` (text or `--format json`) for the full plan.\n\n';
  const out = [...head.map((a) => a.text), note, ...kept.map((a) => a.text)].join('');
  // A limit smaller than the fixed parts: hard cut, never longer than asked.
  return out.length <= max ? out : out.slice(0, max);
}
