/**
 * The test certificate is read by OpenSSL every time: its serial number is a positive INTEGER in minimal DER.
 * (A random serial whose first byte was 0x00 made about one certificate in 180 unreadable.)
 */
import { X509Certificate } from 'node:crypto';

import { createTestCertificate } from '../../lib/emulator';

test('every certificate parses, with a positive serial and the requested names', () => {
  for (let i = 0; i < 500; i++) {
    const { cert } = createTestCertificate(['smtp.partnerdomain.test']);
    const parsed = new X509Certificate(cert);
    expect(parsed.serialNumber).toMatch(/^[0-7][0-9A-F]/);
    expect(parsed.checkHost('smtp.partnerdomain.test')).toBe('smtp.partnerdomain.test');
  }
});
