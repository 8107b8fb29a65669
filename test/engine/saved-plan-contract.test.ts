import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';

import { diff } from '../../lib/engine/diff';
import { PlanSchema, type Plan } from '../../lib/engine/plan';
import { readSavedPlan, writeSavedPlan } from '../../lib/engine/saved-plan';
import type { Manifest } from '../../lib/model/manifest';
import { manifestArb } from './helpers/arbitraries';
import { credentialsFor, observedFrom } from './helpers/converged';

const target = { kind: 'emulator' as const, description: 'test emulator' };
const DIGEST = `sha256:${'0'.repeat(64)}`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'saved-plan-contract-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A plan with many changes of every kind: one manifest planned against another manifest's tenant. */
const planArb = fc.tuple(manifestArb, manifestArb).map(([manifest, other]) => {
  const { observed, state } = observedFrom(other);
  return { manifest, plan: diff({ manifest, observed, state, credentials: credentialsFor(manifest), target }) };
});

describe('the change contract', () => {
  test('every planned change round-trips through the saved plan schema unchanged', () => {
    let file = 0;
    fc.assert(
      fc.property(planArb, ({ manifest, plan }) => {
        expect(PlanSchema.safeParse(plan).success).toBe(true);
        const path = join(dir, `plan-${file++}.json`);
        writeSavedPlan(path, { plan, manifest, observedDigest: DIGEST });
        const read = readSavedPlan(path);
        expect(read.plan).toEqual(JSON.parse(JSON.stringify(plan)));
        expect(read.manifest).toEqual(JSON.parse(JSON.stringify(manifest)));
      }),
      { numRuns: 150 },
    );
  });

  test('a saved plan whose change does not fit the contract is refused, naming where', () => {
    const broken: Array<[string, (plan: Plan) => unknown]> = [
      // A desired value that breaks the manifest schema.
      [
        'desired port',
        (p) => withChange(p, 'sendAs', (c) => ({ ...c, desired: { ...c.desired, smtp: { port: 'x' } } })),
      ],
      // An action the kind does not have.
      ['action', (p) => withChange(p, 'userPlacement', (c) => ({ ...c, action: 'delete' }))],
      // A field no write may send.
      ['write field', (p) => withChange(p, 'sendAs', (c) => ({ ...c, write: { fields: ['password'] } }))],
      // An unknown key smuggled into a change.
      ['extra key', (p) => withChange(p, 'orgUnit', (c) => ({ ...c, command: 'rm -rf /' }))],
      // A dependency on a change that is not in the plan.
      ['dependency', (p) => withChange(p, 'sendAs', (c) => ({ ...c, dependsOn: ['sendAs:nobody/none'] }))],
    ];
    const { manifest, plan } = kitchenSink();
    for (const [what, edit] of broken) {
      const path = join(dir, `broken-${what.replace(/ /g, '-')}.json`);
      writeSavedPlan(path, { plan, manifest, observedDigest: DIGEST });
      const doc = JSON.parse(readFileSync(path, 'utf8')) as { plan: Plan };
      writeFileSync(path, JSON.stringify({ ...doc, plan: edit(doc.plan) }));
      expect(() => readSavedPlan(path)).toThrow(/\[?MP3001|not a valid plan file/);
      try {
        readSavedPlan(path);
      } catch (error) {
        expect((error as Error).message).toMatch(/plan\.changes\.\d+/);
      }
    }
  });
});

/** A plan that has at least one change of every kind (found by search over the arbitrary). */
function kitchenSink(): { manifest: Manifest; plan: Plan } {
  const samples = fc.sample(planArb, { numRuns: 2000, seed: 7 });
  const kinds = ['orgUnit', 'userPlacement', 'sendAs'] as const;
  const found = samples.find((s) => kinds.every((k) => s.plan.changes.some((c) => c.kind === k)));
  if (!found) throw new Error('no sample plan holds a change of every kind');
  return found;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test that breaks the types on purpose
function withChange(plan: Plan, kind: string, edit: (change: any) => unknown): unknown {
  const index = plan.changes.findIndex((c) => c.kind === kind);
  if (index < 0) throw new Error(`no ${kind} change`);
  return { ...plan, changes: plan.changes.map((c, i) => (i === index ? edit(c) : c)) };
}
