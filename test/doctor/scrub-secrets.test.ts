/**
 * Secrets are scrubbed out of whatever a server sends back, whatever the secret and the text around it.
 */
import fc from 'fast-check';

import { scrubSecrets, WITHHELD } from '../../lib/doctor';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

test('a password in a server reply, raw, base64 or inside an AUTH PLAIN blob, becomes (sensitive)', () => {
  const pass = 'hunter2-canary';
  const user = 'user.name@partnerdomain.com';
  expect(scrubSecrets(`535 bad password ${pass} for you`, [pass])).toBe('535 bad password (sensitive) for you');
  expect(scrubSecrets(`334 ${b64(pass)}`, [pass])).toBe('334 (sensitive)');
  expect(scrubSecrets(`AUTH PLAIN ${b64(`\u0000${user}\u0000${pass}`)}`, [user, pass])).toBe('AUTH PLAIN (sensitive)');
  expect(scrubSecrets('nothing to hide', [pass])).toBe('nothing to hide');
  expect(scrubSecrets('no secrets given', [])).toBe('no secrets given');
});

test('a secret that would show through the marker gets another marker, or the text is withheld', () => {
  expect(scrubSecrets('x sens y', ['sens'])).toBe('x *** y');
  expect(scrubSecrets('a*b', ['*'])).not.toContain('*');
  expect(scrubSecrets('v * • y', ['v', '*', '•'])).toBe(WITHHELD);
  // Should even that spell a secret, nothing is said.
  expect(scrubSecrets('(sensitive)***•••', ['(', '*', '•'])).toBe('');
});

test('no secret survives scrubbing, in any text', () => {
  const secret = fc.string({
    minLength: 1,
    maxLength: 12,
    unit: fc.constantFrom('a', 'b', '(', ')', 's', 'e', '*', '•', 'x', '='),
  });
  fc.assert(
    fc.property(
      fc.array(secret, { minLength: 1, maxLength: 3 }),
      fc.array(fc.oneof(secret, fc.string({ maxLength: 6 }))),
      (secrets, parts) => {
        const text = [...parts, ...secrets, ...parts].join('');
        const out = scrubSecrets(text, secrets);
        for (const s of secrets) {
          expect(out).not.toContain(s);
          expect(out).not.toContain(b64(s));
        }
      },
    ),
    { numRuns: 500 },
  );
});
