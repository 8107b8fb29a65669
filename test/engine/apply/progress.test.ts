import { PassThrough } from 'node:stream';

import { createProgressReporter, formatApplySummary, type ApplyResult } from '../../../lib/engine/apply';
import { MailPolicyError } from '../../../lib/model/errors';
import { orgUnitChange, sendAsChange } from './helpers/plan-builder';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { stream, text: () => chunks.join('') };
}

const ou = orgUnitChange('/Sales');
const alias = sendAsChange('a@example.com', 'a@partner.com');
const broken = sendAsChange('b@example.com', 'b@partner.com');

describe('progress reporting', () => {
  test('prints one line per change when the stream is not a terminal', () => {
    const { stream, text } = capture();
    const reporter = createProgressReporter(stream, { changes: [ou, alias, broken] });
    reporter.onEvent({ type: 'started', total: 3 });
    reporter.onEvent({ type: 'change-done', change: ou });
    reporter.onEvent({ type: 'waiting', change: alias, reason: 'gateway setting not in effect yet', elapsedMs: 0 });
    reporter.onEvent({ type: 'waiting', change: alias, reason: 'gateway setting not in effect yet', elapsedMs: 5000 });
    reporter.onEvent({ type: 'change-pending', change: alias, reason: 'run apply again later' });
    reporter.onEvent({
      type: 'change-failed',
      change: broken,
      error: new MailPolicyError('MP1100', 'env:X does not resolve'),
    });
    reporter.stop();
    expect(text().split('\n')).toEqual([
      'Applying 3 changes…',
      '[1/3] done     + orgUnit /Sales',
      '         waiting  + sendAs a@example.com → a@partner.com: gateway setting not in effect yet; retrying',
      '[2/3] pending  + sendAs a@example.com → a@partner.com: run apply again later',
      '[3/3] FAILED   + sendAs b@example.com → b@partner.com: env:X does not resolve',
      '',
    ]);
  });

  test('draws a bar on a terminal and still logs failures', () => {
    const { stream, text } = capture();
    const tty = Object.assign(stream, {
      isTTY: true,
      columns: 80,
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
    });
    const reporter = createProgressReporter(tty, undefined);
    reporter.onEvent({ type: 'started', total: 2 });
    reporter.onEvent({ type: 'change-done', change: ou });
    reporter.onEvent({ type: 'change-failed', change: broken, error: new Error('boom') });
    reporter.stop();
    expect(text()).toMatch(/Applying \[/);
    expect(text()).toMatch(/FAILED {3}\+ sendAs b@example.com → b@partner.com: boom/);
  });

  test('the summary of a partial failure lists what was and was not done', () => {
    const result: ApplyResult = {
      done: [ou],
      failed: [{ change: broken, error: new Error('permission denied') }],
      pending: [],
      skipped: [{ change: alias, reason: 'depends on orgUnit:/sales, which failed' }],
      manual: [],
      awaitingVerification: [],
      calls: { createOrgUnit: 1, createSendAs: 2 },
      aborted: false,
    };
    expect(formatApplySummary(result)).toBe(
      [
        'Apply incomplete: 1 done, 1 failed, 0 pending, 1 skipped, 0 manual steps left.',
        '',
        'Failed (not done):',
        '  + sendAs b@example.com → b@partner.com: permission denied',
        '',
        'Skipped (not done):',
        '  + sendAs a@example.com → a@partner.com: depends on orgUnit:/sales, which failed',
        '',
        'Done:',
        '  + orgUnit /Sales',
        '',
        'API calls: 3.',
        '',
        'Run plan and apply again to finish: every step is safe to repeat.',
        '',
      ].join('\n'),
    );
  });

  test('the summary of a complete run is one line plus the call count', () => {
    const result: ApplyResult = {
      done: [ou],
      failed: [],
      pending: [],
      skipped: [],
      manual: [],
      awaitingVerification: [],
      calls: {},
      aborted: false,
    };
    expect(formatApplySummary(result)).toBe(
      'Apply complete: 1 done, 0 failed, 0 pending, 0 skipped, 0 manual steps left.\n',
    );
  });

  test('the summary lists identities Gmail created waiting for verification', () => {
    const result: ApplyResult = {
      done: [alias],
      failed: [],
      pending: [],
      skipped: [],
      manual: [],
      awaitingVerification: [{ userEmail: 'a@example.com', sendAsEmail: 'a@partner.com' }],
      calls: {},
      aborted: false,
    };
    const summary = formatApplySummary(result);
    expect(summary).toMatch(/^Apply complete: 1 done/);
    expect(summary).toMatch(/Waiting for verification .*mailpolicy verify.*:\n {2}a@example\.com → a@partner\.com\n/);
  });
});
