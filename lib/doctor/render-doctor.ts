/**
 * The doctor report for people and machines: text for a terminal (✓ ✗ ! ·, one line per check with its fix),
 * markdown for a CI job summary (a table per group, the scope list in a code block to copy), and JSON (the
 * report itself). A group with many passing checks shows the first few and counts the rest.
 */
import { DoctorReportSchema, type CheckStatus, type DoctorCheck, type DoctorReport } from './doctor-report';

const TEXT_MARK: Readonly<Record<CheckStatus, string>> = { ok: '✓', warn: '!', fail: '✗', skipped: '·' };
const MD_MARK: Readonly<Record<CheckStatus, string>> = { ok: '✅', warn: '⚠️', fail: '❌', skipped: '➖' };
const COLOUR: Readonly<Record<CheckStatus, string>> = {
  ok: '\u001b[32m',
  warn: '\u001b[33m',
  fail: '\u001b[31m',
  skipped: '\u001b[2m',
};
const RESET = '\u001b[0m';

/** A group with more passing checks than this shows only the first `SHOWN_PASSES` of them. */
const MAX_PASSES = 30;
const SHOWN_PASSES = 10;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The last line: the verdict with the counts. */
export function verdictLine(report: DoctorReport): string {
  const s = report.summary;
  const counts = [
    `${plural(s.failed, 'check')} failed`,
    plural(s.warnings, 'warning'),
    `${s.passed} passed`,
    ...(s.skipped > 0 ? [`${s.skipped} not checked`] : []),
  ].join(', ');
  const verdict =
    report.verdict === 'blocked'
      ? 'Blocked: fix the ✗ lines before the first apply'
      : report.verdict === 'warnings'
        ? 'Nothing blocks a first apply; read the ! lines'
        : 'Healthy: nothing blocks a first apply';
  return `${verdict} (${counts}).`;
}

/** Checks of a group split into those printed and the number of passes left out. */
function visible(checks: readonly DoctorCheck[]): { shown: DoctorCheck[]; hiddenPasses: number } {
  if (checks.filter((c) => c.status === 'ok').length <= MAX_PASSES) return { shown: [...checks], hiddenPasses: 0 };
  let passes = 0;
  const shown: DoctorCheck[] = [];
  for (const c of checks) {
    if (c.status === 'ok' && ++passes > SHOWN_PASSES) continue;
    shown.push(c);
  }
  return { shown, hiddenPasses: Math.max(0, passes - SHOWN_PASSES) };
}

export interface RenderTextOptions {
  /** ANSI colours. @default false */
  readonly color?: boolean;
}

export function renderDoctorText(report: DoctorReport, options: RenderTextOptions = {}): string {
  const paint = (status: CheckStatus, text: string): string =>
    options.color ? `${COLOUR[status]}${text}${RESET}` : text;
  const lines: string[] = [
    `mailpolicy doctor: ${report.stacks.length === 1 ? 'stack' : 'stacks'} ${report.stacks.join(', ')}`,
  ];
  let lastFix: string | undefined;
  let lastPaste: string | undefined;
  for (const group of report.groups) {
    lines.push('', group.title);
    for (const note of group.notes) lines.push(`  ${note}`);
    const { shown, hiddenPasses } = visible(report.checks.filter((c) => c.group === group.id));
    for (const c of shown) {
      lines.push(`  ${paint(c.status, TEXT_MARK[c.status])} ${c.title}: ${c.detail}`);
      if (c.fix !== undefined && c.status !== 'ok') {
        lines.push(`      fix: ${c.fix === lastFix ? 'as above' : c.fix}`);
        lastFix = c.fix;
      }
      if (c.paste !== undefined && c.paste !== lastPaste) {
        lines.push(`      paste: ${c.paste}`);
        lastPaste = c.paste;
      }
    }
    if (hiddenPasses > 0)
      lines.push(`  ${paint('ok', '✓')} ${hiddenPasses} more passed (all listed with --format json)`);
  }
  lines.push(
    '',
    paint(report.verdict === 'blocked' ? 'fail' : report.verdict === 'warnings' ? 'warn' : 'ok', verdictLine(report)),
  );
  return `${lines.join('\n')}\n`;
}

function cell(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|');
}

function table(checks: readonly DoctorCheck[]): string[] {
  const rows = checks.map(
    (c) =>
      `| ${MD_MARK[c.status]} | ${cell(c.title)} | ${cell(c.detail)} | ${c.fix !== undefined && c.status !== 'ok' ? cell(c.fix) : ''} |`,
  );
  return ['| | Check | Result | Fix |', '| :-: | --- | --- | --- |', ...rows];
}

export function renderDoctorMarkdown(report: DoctorReport): string {
  const s = report.summary;
  const icon = report.verdict === 'blocked' ? '❌' : report.verdict === 'warnings' ? '⚠️' : '✅';
  const headline =
    report.verdict === 'blocked'
      ? `${plural(s.failed, 'check')} block${s.failed === 1 ? 's' : ''} the first apply`
      : report.verdict === 'warnings'
        ? `nothing blocks the first apply, ${plural(s.warnings, 'warning')}`
        : 'nothing blocks the first apply';
  const out: string[] = [
    `## ${icon} mailpolicy doctor: ${headline}`,
    '',
    `**Target:** ${cell(report.target.description)} · **Stack${report.stacks.length === 1 ? '' : 's'}:** ${report.stacks.map((n) => `\`${n}\``).join(', ')}`,
    '',
    `${s.passed} passed · ${plural(s.warnings, 'warning')} · ${s.failed} failed${s.skipped ? ` · ${s.skipped} not checked` : ''}`,
  ];
  for (const group of report.groups) {
    const checks = report.checks.filter((c) => c.group === group.id);
    const worst = checks.some((c) => c.status === 'fail')
      ? ' ❌'
      : checks.some((c) => c.status === 'warn')
        ? ' ⚠️'
        : '';
    out.push('', `### ${cell(group.title)}${worst}`, '');
    for (const note of group.notes) out.push(`> ${cell(note)}`, '');
    const { shown, hiddenPasses } = visible(checks);
    out.push(...table(shown));
    if (hiddenPasses > 0) {
      const hidden = checks.filter((c) => c.status === 'ok').slice(SHOWN_PASSES);
      out.push('', `<details><summary>${hiddenPasses} more passed</summary>`, '', ...table(hidden), '', '</details>');
    }
    const paste = checks.find((c) => c.paste !== undefined)?.paste;
    if (paste !== undefined) {
      const client = report.delegation?.clientId ? ` of client ID \`${report.delegation.clientId}\`` : '';
      out.push(
        '',
        `OAuth scopes for the domain-wide delegation${client} (the whole list, to paste):`,
        '',
        '```text',
        paste,
        '```',
      );
    }
  }
  return `${out.join('\n')}\n`;
}

/** The report as JSON (`docs/doctor.md`), checked against its schema. */
export function renderDoctorJson(report: DoctorReport): string {
  return `${JSON.stringify(DoctorReportSchema.parse(report), null, 2)}\n`;
}
