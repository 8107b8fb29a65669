import fc from 'fast-check';

import { diff } from '../../lib/engine/diff';
import { noState } from './helpers/scenario';
import type { ObservedState } from '../../lib/engine/observed-state';
import { manifestArb } from './helpers/arbitraries';
import { credentialsFor, observedFrom } from './helpers/converged';

const target = { kind: 'emulator' as const, description: 'test emulator' };

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

describe('diff properties', () => {
  test('a tenant that has converged to the manifest gives a plan without changes', () => {
    fc.assert(
      fc.property(manifestArb, (manifest) => {
        const { observed, state } = observedFrom(manifest);
        const plan = diff({ manifest, observed, state, credentials: credentialsFor(manifest), target });
        expect(plan.changes).toEqual([]);
        expect(plan.indeterminate).toEqual([]);
        expect(plan.notes).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  test('the same input gives a byte-identical plan, and the inputs are not mutated', () => {
    fc.assert(
      fc.property(manifestArb, manifestArb, (manifest, other) => {
        // Observe one manifest's tenant and plan another: lots of changes.
        const { observed, state } = observedFrom(other);
        const input = deepFreeze({ manifest, observed, state, credentials: credentialsFor(manifest), target });
        const before = JSON.stringify(input);
        const a = JSON.stringify(diff(input));
        const b = JSON.stringify(diff(structuredClone(input)));
        expect(a).toBe(b);
        expect(JSON.stringify(input)).toBe(before);
      }),
      { numRuns: 200 },
    );
  });

  test('diff never throws on arbitrary observed states, however odd', () => {
    const observedArb: fc.Arbitrary<ObservedState> = fc.record({
      orgUnits: fc.oneof(
        fc.constant({ status: 'indeterminate' as const, error: 'boom' }),
        fc
          .array(fc.record({ orgUnitId: fc.string(), orgUnitPath: fc.string(), name: fc.string() }))
          .map((value) => ({ status: 'ok' as const, value })),
      ),
      gatewayPolicies: fc.oneof(
        fc.constant({ status: 'indeterminate' as const, error: 'boom', permission: true }),
        fc
          .array(
            fc.record({
              name: fc.string(),
              orgUnitId: fc.string(),
              allowUsersToUseExternalSmtpServers: fc.boolean(),
              sortOrder: fc.integer(),
            }),
          )
          .map((value) => ({ status: 'ok' as const, value })),
      ),
      users: fc.dictionary(
        fc.string(),
        fc.oneof(
          fc.constant({ status: 'ok' as const, value: null }),
          fc
            .record({ primaryEmail: fc.string(), orgUnitPath: fc.string() })
            .map((value) => ({ status: 'ok' as const, value })),
        ),
      ),
      sendAs: fc.dictionary(
        fc.string(),
        fc
          .array(fc.record({ sendAsEmail: fc.string(), isPrimary: fc.boolean(), signature: fc.string() }))
          .map((value) => ({ status: 'ok' as const, value })),
      ),
      scopeMembers: fc.constant({}),
      policyWrites: fc.constantFrom('api' as const, 'manual' as const),
    });
    fc.assert(
      fc.property(manifestArb, observedArb, (manifest, observed) => {
        expect(() => diff({ manifest, observed, state: noState(), credentials: {}, target })).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
