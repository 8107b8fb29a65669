import { driftReport } from '../../lib/engine/drift';
import { renderJson, renderMarkdown, renderText } from '../../lib/engine/render';
import { fingerprintCredentials } from '../../lib/engine/credentials';
import { diff } from '../../lib/engine/diff';
import type { Manifest } from '../../lib/model/manifest';
import { observedFrom, ok, TEST_KEY } from './helpers/converged';
import { emptyTenant, noState, partnerManifest, plan, TARGET } from './helpers/scenario';

const CANARY = 'Canary-Secret-Value-7f3a9c';

/** A plan with every kind of row: creates, a manual step, a delete, a replace, notes, findings, indeterminate. */
function richPlan() {
  const m: Manifest = partnerManifest();
  m.sendAs.push({
    userEmail: 'alice@example.com',
    sendAsEmail: 'billing@other.org',
    displayName: 'Billing',
    smtp: {
      host: 'mx.other.org',
      port: 25,
      securityMode: 'none',
      username: { ref: 'env:SMTP_USER' },
      password: { ref: 'env:SMTP_PASSWORD' },
    },
  });
  m.ownership.push({ kind: 'user', email: 'alice@example.com' });
  const observed = emptyTenant();
  const tenant = {
    ...observed,
    policyWrites: 'manual' as const,
    sendAs: {
      'alice@example.com': {
        status: 'ok' as const,
        value: [
          { sendAsEmail: 'alice@example.com', isPrimary: true },
          { sendAsEmail: 'old@legacy.com', displayName: 'Old' },
        ],
      },
    },
    users: {
      ...observed.users,
      'bob@example.com': {
        status: 'indeterminate' as const,
        error: 'admin.directory.users.get: retries exhausted (503)',
      },
    },
  };
  m.users.push({ email: 'bob@example.com', orgUnitPath: '/Partners' });
  const env = { SMTP_PASSWORD: CANARY, SMTP_USER: CANARY };
  return diff({
    manifest: m,
    observed: tenant,
    state: noState(),
    credentials: fingerprintCredentials(m, TEST_KEY, env, '/'),
    target: TARGET,
    findings: [
      {
        ruleId: 'MPR-SMTP-NO-TLS',
        level: 'warning',
        subject: 'sendAs:alice@example.com/billing@other.org',
        message: 'SMTP without TLS.',
        fix: 'Use ssl or starttls.',
      },
    ],
  });
}

describe('renderers', () => {
  test('text shows symbols per kind, attribute diffs, rows, findings and the summary line', () => {
    const text = renderText(richPlan(), { color: false });
    expect(text).toMatchSnapshot();
    expect(text).toContain('Plan: 3 to create, 1 to update, 1 to delete, 1 manual step.');
    expect(text).not.toContain('\u001b[');
    expect(renderText(richPlan(), { color: true })).toContain('\u001b[32m+ /Partners');
  });

  test('text says there is nothing to do when the tenant matches', () => {
    const m = partnerManifest();
    const { observed, state } = observedFrom(m);
    const text = renderText(plan(m, observed, state), { color: false });
    expect(text.trimEnd().split('\n').pop()).toBe('No changes. The tenant matches the code.');
  });

  test('the summary line counts plurals correctly', () => {
    const text = renderText(plan(partnerManifest(), emptyTenant()), { color: false });
    expect(text).toContain('Plan: 3 to create, 1 to update, 0 to delete, 0 manual steps.');
  });

  test('markdown puts destructive and security-relevant changes first and lists manual steps as a checklist', () => {
    const md = renderMarkdown(richPlan());
    expect(md).toMatchSnapshot();
    const review = md.indexOf('Review first');
    expect(review).toBeGreaterThan(0);
    expect(review).toBeLessThan(md.indexOf('### + Create'));
    expect(md).toMatch(/- \[ \] `\/Partners`/);
    expect(md).toContain('<details><summary>Full diff</summary>');
    expect(md).toContain('SMTP without TLS');
  });

  test('markdown never exceeds maxLength and says how much was cut', () => {
    const m = partnerManifest();
    for (let i = 0; i < 400; i++)
      m.sendAs.push({
        userEmail: 'alice@example.com',
        sendAsEmail: `alias${i}@example.com`,
        displayName: `Alias number ${i}`,
      });
    // In-domain send-as addresses are aliases of their user (Gmail refuses them otherwise).
    const aliases = m.sendAs.map((s) => s.sendAsEmail).filter((a) => a.endsWith('@example.com'));
    const tenant = emptyTenant();
    const big = plan(m, {
      ...tenant,
      users: { 'alice@example.com': ok({ primaryEmail: 'alice@example.com', orgUnitPath: '/', aliases }) },
    });
    const full = renderMarkdown(big, { maxLength: 10_000_000 });
    expect(full.length).toBeGreaterThan(20_000);
    for (const max of [65_536, 20_000, 3_000, 800]) {
      const md = renderMarkdown(big, { maxLength: max });
      expect(md.length).toBeLessThanOrEqual(max);
      if (full.length > max && max >= 3000)
        expect(md).toMatch(/Truncated to fit \d+ characters:\*\* \d+ characters cut/);
    }
    expect(renderMarkdown(big, { maxLength: 3000 })).toMatch(/\d+ of 404 changes not listed/);
    expect(renderMarkdown(big, { maxLength: 20_000 })).toMatchSnapshot();
  });

  test('json is versioned and carries the same facts', () => {
    const p = richPlan();
    const json = JSON.parse(renderJson(p));
    expect(json.formatVersion).toBe(1);
    expect(json.mode).toBe('plan');
    expect(json.summary).toEqual(p.summary);
    expect(json.changes.map((c: { id: string }) => c.id)).toEqual(p.changes.map((c) => c.id));
    expect(json.complete).toBe(false);
    expect(renderJson(p)).toMatchSnapshot();
  });

  test('no format ever contains a secret value (canary)', () => {
    const p = richPlan();
    const drift = driftReport(p);
    for (const out of [
      renderText(p, { color: true }),
      renderMarkdown(p),
      renderJson(p),
      JSON.stringify(p),
      renderText(drift, { color: false }),
      renderMarkdown(drift),
      renderJson(drift),
    ]) {
      expect(out).not.toContain(CANARY);
    }
    expect(renderText(p, { color: false })).toContain('smtp.password: (sensitive)');
  });
});
