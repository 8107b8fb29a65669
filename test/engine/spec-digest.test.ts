/**
 * The digest that tells drift from new code identifies a declaration, not the secret values synth happened to
 * see: an app synthesised without its secrets (CI's synth job) and with them (a laptop) declare the same thing.
 */
import { specDigest } from '../../lib/engine/managed-objects';
import type { SendAsSpec } from '../../lib/model';

const identity = (fingerprint?: string, ref = 'env:PARTNER_PASSWORD'): SendAsSpec => ({
  userEmail: 'ana@example.com',
  sendAsEmail: 'ana@partner.test',
  displayName: 'Ana',
  smtp: {
    host: 'smtp.partner.test',
    port: 587,
    securityMode: 'starttls',
    username: 'ana',
    password: { ref, ...(fingerprint ? { fingerprint } : {}) },
  },
});

test('secret fingerprints do not change the digest; the reference and every declared field do', () => {
  const base = specDigest(identity());
  expect(specDigest(identity('hmac-sha256:aaaa'))).toBe(base);
  expect(specDigest(identity('hmac-sha256:bbbb'))).toBe(base);
  expect(specDigest(identity(undefined, 'env:OTHER'))).not.toBe(base);
  expect(specDigest({ ...identity(), displayName: 'Ana B' })).not.toBe(base);
  expect(specDigest({ ...identity(), constructPath: 'app/stack/Ana' })).toBe(base);
});
