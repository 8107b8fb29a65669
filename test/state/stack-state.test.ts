import fc from 'fast-check';

import { gatewayPolicyChangeId, orgUnitChangeId, placementChangeId, sendAsChangeId } from '../../lib/engine/change-ids';
import { ErrorCodes } from '../../lib/model/errors';
import { emptyStackState, parseStackState, serialiseStackState, stateObjectId } from '../../lib/state';
import { CREDENTIALS, sendAs, stackStateArb, stateWith } from './helpers/states';

const WHERE = '/tmp/prod.json';

function errorOf(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected an error');
}

describe('the state document', () => {
  test('any valid state survives a write and a read unchanged, and its text is canonical', () => {
    fc.assert(
      fc.property(stackStateArb, (state) => {
        const text = serialiseStackState(state, WHERE);
        const back = parseStackState(text, WHERE, state.stack);
        expect(back).toEqual(JSON.parse(JSON.stringify(state)));
        expect(serialiseStackState(back, WHERE)).toBe(text);
      }),
    );
  });

  test('object keys are the plan change ids of the same objects', () => {
    expect(stateObjectId({ kind: 'orgUnit', path: '/Sales/Partners' })).toBe(orgUnitChangeId('/Sales/Partners'));
    expect(stateObjectId({ kind: 'gatewayPolicy', orgUnitPath: '/Sales' })).toBe(gatewayPolicyChangeId('/Sales'));
    expect(stateObjectId({ kind: 'userPlacement', email: 'Bob@Example.com' })).toBe(
      placementChangeId('bob@example.com'),
    );
    expect(stateObjectId({ kind: 'sendAs', userEmail: 'U@example.com', sendAsEmail: 'A@Partner.com' })).toBe(
      sendAsChangeId('u@example.com', 'a@partner.com'),
    );
    expect(stateObjectId({ kind: 'alias', userEmail: 'u@example.com', alias: 'News@example.com' })).toBe(
      'alias:u@example.com/news@example.com',
    );
  });

  test('a new state has serial 0, a UUID lineage and nothing in it', () => {
    const a = emptyStackState('prod');
    const b = emptyStackState('prod');
    expect(a).toMatchObject({ version: 1, stack: 'prod', serial: 0, objects: {}, facts: {} });
    expect(a.lineage).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.lineage).not.toBe(b.lineage);
  });

  test('fails for a stack name that cannot name a file or an object', () => {
    for (const bad of ['', 'a.b', '../x', 'a/b', '-x', 'x'.repeat(129), 'with space']) {
      expect(errorOf(() => emptyStackState(bad)).code).toBe(ErrorCodes.STATE_BACKEND);
    }
  });
});

describe('no secret in the state', () => {
  const SECRET = 'S3cret-pa55word-value';

  test('fails to write a credential that is not a fingerprint, without echoing it', () => {
    const state = stateWith('prod', [
      sendAs('u@example.com', 'a@partner.com', {
        credentials: { ...CREDENTIALS, passwordFingerprint: SECRET },
      } as never),
    ]);
    const error = errorOf(() => serialiseStackState(state, WHERE));
    expect(error.code).toBe(ErrorCodes.STATE_UNREADABLE);
    expect(error.message).toContain('credentials.passwordFingerprint: must be a keyed fingerprint');
    expect(error.message).not.toContain(SECRET);
  });

  test('fails to write or read an unknown field (a place a secret could hide), naming only the field', () => {
    const state = stateWith('prod', [sendAs('u@example.com', 'a@partner.com', { password: SECRET } as never)]);
    const write = errorOf(() => serialiseStackState(state, WHERE));
    expect(write.message).toMatch(/Unrecognized key.*password/);
    expect(write.message).not.toContain(SECRET);
    const read = errorOf(() => parseStackState(JSON.stringify(state), WHERE));
    expect(read.code).toBe(ErrorCodes.STATE_UNREADABLE);
    expect(read.message).not.toContain(SECRET);
  });

  test('no string but a fingerprint is accepted in any fingerprint field, and none is echoed', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 80 }).map((s) => `S3cret-${s}`),
        fc.constantFrom('passwordFingerprint', 'usernameFingerprint'),
        (secret, field) => {
          const object = sendAs('u@example.com', 'a@partner.com', {
            credentials: { ...CREDENTIALS, [field]: secret },
          } as never);
          const text = JSON.stringify(stateWith('prod', [object]));
          const error = errorOf(() => parseStackState(text, WHERE));
          expect(error.code).toBe(ErrorCodes.STATE_UNREADABLE);
          expect(error.message).not.toContain(secret);
        },
      ),
    );
  });
});

describe('a corrupt state is refused', () => {
  test('not JSON', () => {
    const error = errorOf(() => parseStackState('{"version": 1, "stack"', WHERE));
    expect(error.code).toBe(ErrorCodes.STATE_UNREADABLE);
    expect(error.message).toContain(`${WHERE} is not valid JSON`);
    expect(error.message).toContain('Nothing was changed');
  });

  test('every broken rule is listed at once', () => {
    const text = JSON.stringify({ version: 2, stack: 'prod', lineage: 'x', serial: -1, objects: {}, facts: {} });
    const error = errorOf(() => parseStackState(text, WHERE));
    expect(error.message).toContain('- version:');
    expect(error.message).toContain('- lineage: must be a UUID');
    expect(error.message).toContain('- serial:');
  });

  test('a record filed under a key its fields do not make', () => {
    const state = stateWith('prod', [sendAs('u@example.com', 'a@partner.com')]);
    const text = JSON.stringify({
      ...state,
      objects: { 'sendAs:other@example.com/a@partner.com': state.objects['sendAs:u@example.com/a@partner.com'] },
    });
    expect(errorOf(() => parseStackState(text, WHERE)).message).toContain(
      "is keyed 'sendAs:other@example.com/a@partner.com' but its fields make the key 'sendAs:u@example.com/a@partner.com'",
    );
  });

  test("another stack's state", () => {
    const text = serialiseStackState(stateWith('staging', []), WHERE);
    expect(errorOf(() => parseStackState(text, WHERE, 'prod')).message).toContain(
      "belongs to stack 'staging', not 'prod'",
    );
  });
});
