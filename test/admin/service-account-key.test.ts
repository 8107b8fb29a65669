import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServiceAccountKey } from '../../lib/admin/service-account-key';

describe('loadServiceAccountKey', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mp-key-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const key = {
    type: 'service_account',
    client_email: 'sa@project.iam.gserviceaccount.com',
    private_key: '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n',
    client_id: '1234',
  };

  test('reads the file named by GOOGLE_APPLICATION_CREDENTIALS', () => {
    const file = join(dir, 'key.json');
    writeFileSync(file, JSON.stringify(key));
    expect(loadServiceAccountKey(undefined, { GOOGLE_APPLICATION_CREDENTIALS: file }).client_email).toBe(
      key.client_email,
    );
  });

  test('fails with MP2000 when no key is configured', () => {
    expect(() => loadServiceAccountKey(undefined, {})).toThrow(
      /no service-account key: pass --credentials FILE or set GOOGLE_APPLICATION_CREDENTIALS/,
    );
  });

  test('fails naming the file when it cannot be read', () => {
    expect(() => loadServiceAccountKey(join(dir, 'missing.json'), {})).toThrow(
      /cannot read the service-account key file '.*missing\.json' \(ENOENT\)/,
    );
  });

  test('fails when the file is not JSON or not a service-account key, without echoing the key', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, 'not json');
    expect(() => loadServiceAccountKey(bad, {})).toThrow(/is not valid JSON/);
    const user = join(dir, 'user.json');
    writeFileSync(user, JSON.stringify({ type: 'authorized_user', refresh_token: 'SECRET-TOKEN' }));
    expect(() => loadServiceAccountKey(user, {})).toThrow(/has 'authorized_user'; expected "type": "service_account"/);
    const partial = join(dir, 'partial.json');
    writeFileSync(partial, JSON.stringify({ type: 'service_account', client_email: 'a@b' }));
    expect(() => loadServiceAccountKey(partial, {})).toThrow(/lacks private_key/);
    try {
      loadServiceAccountKey(user, {});
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('SECRET-TOKEN');
      expect((error as { code?: string }).code).toBe('MP2000');
    }
  });
});
