import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { driftReport } from '../../lib/engine/drift';
import { renderJson, renderMarkdown, renderText } from '../../lib/engine/render';
import { digestObserved, readSavedPlan, writeSavedPlan } from '../../lib/engine/saved-plan';
import type { ObservedState } from '../../lib/engine/observed-state';
import { observedFrom, ok } from './helpers/converged';
import { emptyTenant, noState, partnerManifest, plan } from './helpers/scenario';

describe('saved plans', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mp-plan-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a saved plan reads back identical, with the digest of what was observed', () => {
    const manifest = partnerManifest();
    const observed = emptyTenant();
    const p = plan(manifest, observed);
    const file = join(dir, 'out', 'plan.json');
    writeSavedPlan(file, { plan: p, manifest, observedDigest: digestObserved(observed) });
    const back = readSavedPlan(file);
    expect(back.plan).toEqual(p);
    expect(back.manifest).toEqual(manifest);
    expect(back.observedDigest).toBe(digestObserved(observed));
  });

  test('the digest ignores key order and changes when the tenant changes', () => {
    const observed = emptyTenant();
    const reordered = Object.fromEntries(Object.entries(observed).reverse()) as unknown as ObservedState;
    expect(digestObserved(reordered)).toBe(digestObserved(observed));
    const moved = {
      ...observed,
      users: { 'alice@example.com': ok({ primaryEmail: 'alice@example.com', orgUnitPath: '/Sales' }) },
    };
    expect(digestObserved(moved)).not.toBe(digestObserved(observed));
  });

  test('fails with MP3001 on a file that is not a saved plan', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ savedPlanVersion: 1, plan: { formatVersion: 1 } }));
    expect(() => readSavedPlan(file)).toThrow(/MP3001|not a valid plan file/);
    writeFileSync(file, 'not json');
    expect(() => readSavedPlan(file)).toThrow(/is not JSON/);
    expect(() => readSavedPlan(join(dir, 'missing.json'))).toThrow(/cannot be read \(ENOENT\)/);
    try {
      readSavedPlan(file);
    } catch (error) {
      expect((error as { code: string }).code).toBe('MP3001');
    }
  });
});

describe('drift report', () => {
  test('reports changes made behind the code to objects the stack put in place, with current and desired values', () => {
    const m = partnerManifest();
    const { observed, state } = observedFrom(m);
    const sendAs = observed.sendAs['alice@example.com'];
    if (sendAs.status !== 'ok') throw new Error('fixture');
    const changed: ObservedState = {
      ...observed,
      sendAs: {
        'alice@example.com': ok(
          sendAs.value.map((s) =>
            s.isPrimary
              ? s
              : {
                  ...s,
                  displayName: 'Hacked',
                  smtpMsa: { host: 'evil.example.net', port: 465, securityMode: 'ssl' as const },
                },
          ),
        ),
      },
      gatewayPolicies: ok([]),
    };
    // The stack's last apply put the identity in place (not the policy, whose removal therefore reads as new code).
    const identity = 'sendAs:alice@example.com/alice@partner.com';
    const applied = { ...state, objects: { [identity]: state.objects[identity] } };
    const drift = driftReport(plan(m, changed, applied));
    expect(drift.mode).toBe('drift');
    expect(drift.changes.map((c) => c.id)).toEqual(['sendAs:alice@example.com/alice@partner.com']);
    expect(drift.changes[0].attributes).toEqual([
      { name: 'displayName', before: 'Hacked', after: 'Alice (Partner)' },
      { name: 'smtp.host', before: 'evil.example.net', after: 'smtp.partner.com' },
    ]);
    expect(renderText(drift, { color: false })).toMatch(/Drift report[\s\S]*Drift: 0 to create, 1 to update/);
    expect(renderMarkdown(drift)).toContain('Mail policy drift');
    expect(JSON.parse(renderJson(drift)).mode).toBe('drift');
  });

  test('an object the state records as in place and now missing is drift', () => {
    const m = partnerManifest();
    const { observed, state } = observedFrom(m);
    const removed: ObservedState = { ...observed, gatewayPolicies: ok([]) };
    const planned = plan(m, removed, state);
    const policyId = planned.changes.find((c) => c.kind === 'gatewayPolicy')?.id;
    expect(policyId).toBeDefined();

    const drift = driftReport(planned);

    expect(drift.changes.map((c) => `${c.action} ${c.id}`)).toEqual([`create ${policyId}`]);
    expect(drift.changes[0].reason).toMatch(/removed outside the code/);
    // Never applied by this stack: the missing policy is what the code adds, not drift.
    expect(driftReport(plan(m, removed, noState())).changes).toEqual([]);
  });

  test('a read error is never drift', () => {
    const m = partnerManifest();
    const { observed, state } = observedFrom(m);
    const drift = driftReport(
      plan(m, { ...observed, sendAs: { 'alice@example.com': { status: 'indeterminate', error: 'HTTP 503' } } }, state),
    );
    expect(drift.changes).toEqual([]);
    expect(drift.indeterminate).toHaveLength(1);
    expect(renderText(drift, { color: false })).toContain('could not be read: the plan is incomplete');
  });
});
