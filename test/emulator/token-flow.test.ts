import { startEmulator, type RunningEmulator, type ServiceAccountKey } from '../../lib/emulator';
import { clientsFor } from './emulator-clients';

describe('the official clients against the emulator', () => {
  let emulator: RunningEmulator;
  let key: ServiceAccountKey;
  beforeAll(async () => {
    emulator = await startEmulator();
    key = emulator.createServiceAccountKey();
  });
  afterAll(() => emulator.close());

  test('a JWT with subject gets a token from the emulator through the redirecting transporter', async () => {
    const { auth } = clientsFor(emulator, key, 'admin@example.com');
    const token = await auth.getAccessToken();
    expect(token.token).toMatch(/^ya29\.emu-/);
  });

  test('gmail sendAs.list works with only rootUrl and the token redirect changed', async () => {
    const { gmail } = clientsFor(emulator, key, 'user@example.com');
    const res = await gmail.users.settings.sendAs.list({ userId: 'user@example.com' });
    expect(res.data.sendAs).toEqual([
      expect.objectContaining({ sendAsEmail: 'user@example.com', isPrimary: true, isDefault: true }),
    ]);
  });
});
