import { MultiBar, Presets, type SingleBar } from 'cli-progress';

import type { Change, ChangeAction } from '../change';
import type { ApplyEvent, ApplyResult } from './apply-options';

/**
 * Feedback while apply runs: a progress bar on a terminal (`cli-progress`), one plain line per change elsewhere
 * (CI logs), and the final summary. Nothing here ever prints a secret: changes carry references, and errors
 * raised on purpose never include values.
 */

const SYMBOL: Record<ChangeAction, string> = {
  create: '+',
  update: '~',
  delete: '-',
  replace: '±',
  manual: '!',
  forget: '·',
};

/** Most items listed per section of the summary; the rest are counted. */
const SUMMARY_LIST_LIMIT = 50;

/** A stream to report on; `isTTY` selects the progress bar. */
export interface ProgressStream extends NodeJS.WritableStream {
  readonly isTTY?: boolean;
}

/** Receives apply events; `stop()` ends the bar (call it before printing the summary). */
export interface ProgressReporter {
  readonly onEvent: (event: ApplyEvent) => void;
  stop(): void;
}

/** Options of {@link createProgressReporter}. */
export interface ProgressReporterOptions {
  /**
   * Draw a progress bar.
   * @default - when the stream is a TTY
   */
  readonly bar?: boolean;
}

/** One line describing a change: `+ sendAs alice@example.com → alice@partner.com`. */
export function describeChange(change: Change): string {
  return `${SYMBOL[change.action]} ${change.kind} ${change.subject}`;
}

/**
 * A reporter writing to `stream`: a bar with failures, pending changes and manual steps logged above it on a
 * TTY; one line per finished change otherwise.
 */
export function createProgressReporter(
  stream: ProgressStream,
  plan?: { readonly changes: readonly unknown[] },
  options: ProgressReporterOptions = {},
): ProgressReporter {
  const useBar = options.bar ?? stream.isTTY === true;
  let total = plan?.changes.length ?? 0;
  let finished = 0;
  let multi: MultiBar | undefined;
  let bar: SingleBar | undefined;
  const waitingShown = new Set<string>();

  const line = (text: string): void => {
    if (multi) {
      multi.log(`${text}\n`);
      multi.update(); // flush now: lines still buffered when the bar stops would be lost
    } else {
      stream.write(`${text}\n`);
    }
  };
  const tick = (): void => {
    finished++;
    bar?.update(finished);
  };
  const counter = (): string => `[${finished}/${total}]`;

  const onEvent = (event: ApplyEvent): void => {
    switch (event.type) {
      case 'started':
        total = event.total;
        if (useBar && total > 0) {
          multi = new MultiBar(
            {
              stream,
              format: 'Applying [{bar}] {percentage}% | {value}/{total} changes | {duration_formatted}',
              hideCursor: true,
              clearOnComplete: false,
              forceRedraw: true,
            },
            Presets.shades_classic,
          );
          bar = multi.create(total, 0);
        } else {
          line(`Applying ${total} change${total === 1 ? '' : 's'}…`);
        }
        return;
      case 'change-done':
        tick();
        if (!bar) line(`${counter()} done     ${describeChange(event.change)}${event.note ? ` (${event.note})` : ''}`);
        return;
      case 'change-failed':
        tick();
        line(`${counter()} FAILED   ${describeChange(event.change)}: ${event.error.message}`);
        return;
      case 'change-pending':
        tick();
        line(`${counter()} pending  ${describeChange(event.change)}: ${event.reason}`);
        return;
      case 'change-skipped':
        tick();
        if (!bar) line(`${counter()} skipped  ${describeChange(event.change)}: ${event.reason}`);
        return;
      case 'manual-step':
        line(`Manual step for ${event.change.subject}:`);
        event.steps.forEach((step, i) => line(`  ${i + 1}. ${step}`));
        return;
      case 'waiting':
        if (!bar && !waitingShown.has(event.change.id)) {
          waitingShown.add(event.change.id);
          line(`         waiting  ${describeChange(event.change)}: ${event.reason}; retrying`);
        }
        return;
      case 'change-started':
      case 'finished':
        return;
    }
  };

  return {
    onEvent,
    stop: () => {
      multi?.stop();
      multi = undefined;
      bar = undefined;
    },
  };
}

/**
 * The final summary: counts, then what failed, what is pending, what was skipped and why, manual steps left,
 * and, when not everything was done, what was.
 */
export function formatApplySummary(result: ApplyResult): string {
  const out: string[] = [];
  const counts = [
    `${result.done.length} done`,
    `${result.failed.length} failed`,
    `${result.pending.length} pending`,
    `${result.skipped.length} skipped`,
    `${result.manual.length} manual step${result.manual.length === 1 ? '' : 's'} left`,
  ];
  const complete = result.done.length === total(result);
  const verdict = result.aborted ? 'Apply aborted' : complete ? 'Apply complete' : 'Apply incomplete';
  out.push(`${verdict}: ${counts.join(', ')}.`);
  const section = <T>(title: string, items: readonly T[], render: (item: T) => string): void => {
    if (items.length === 0) return;
    out.push('', title);
    for (const item of items.slice(0, SUMMARY_LIST_LIMIT)) out.push(`  ${render(item)}`);
    if (items.length > SUMMARY_LIST_LIMIT) out.push(`  … and ${items.length - SUMMARY_LIST_LIMIT} more`);
  };
  section('Failed (not done):', result.failed, (f) => `${describeChange(f.change)}: ${f.error.message}`);
  section(
    'Pending (Gmail does not accept them yet; the reasons are above; apply again later):',
    result.pending,
    describeChange,
  );
  section(
    "Waiting for verification (usable once the address's owner clicks the link in Gmail's mail; `mailpolicy verify` sends it again):",
    result.awaitingVerification,
    (v) => `${v.userEmail} → ${v.sendAsEmail}`,
  );
  section('Manual steps left (do them in the Admin console, then apply again):', result.manual, describeChange);
  section('Skipped (not done):', result.skipped, (s) => `${describeChange(s.change)}: ${s.reason}`);
  if (!complete) section('Done:', result.done, describeChange);
  const calls = Object.values(result.calls).reduce((a, b) => a + b, 0);
  if (calls > 0) out.push('', `API calls: ${calls}.`);
  if (!complete) out.push('', 'Run plan and apply again to finish: every step is safe to repeat.');
  return `${out.join('\n')}\n`;
}

function total(result: ApplyResult): number {
  return (
    result.done.length + result.failed.length + result.pending.length + result.skipped.length + result.manual.length
  );
}
