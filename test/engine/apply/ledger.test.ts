import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { LedgerStore, ledgerEndpoint } from '../../../lib/engine/ledger';
import { fingerprintKeyFrom, fingerprintSecret } from '../../../lib/model/secret-ref';

const KEY = fingerprintKeyFrom('ledger test key material');
const entry = (password: string) => ({
  passwordFingerprint: fingerprintSecret(password, KEY),
  usernameFingerprint: fingerprintSecret('user', KEY),
  endpoint: ledgerEndpoint('SMTP.Partner.example', 465, 'ssl'),
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ledger-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('LedgerStore', () => {
  test('reads a missing ledger as empty and writes .mailpolicy/ledger.json by default', async () => {
    const store = new LedgerStore({ cwd: dir });
    expect(store.load()).toEqual({ version: 1, identities: {} });
    await store.recordCredentials('A@Example.com', 'B@Partner.com', entry('pw'));
    const written = JSON.parse(readFileSync(join(dir, '.mailpolicy/ledger.json'), 'utf8'));
    expect(written.identities['a@example.com/b@partner.com'].endpoint).toBe('smtp.partner.example:465/ssl');
  });

  test('records per stack which declared objects are in place, sorted and without duplicates', async () => {
    const store = new LedgerStore({ cwd: dir });
    await store.recordInPlace('sales', ['sendAs:b@x.com/c@y.com', 'orgUnit:/sales', 'orgUnit:/sales']);
    await store.recordInPlace('support', ['orgUnit:/support']);
    await store.recordInPlace('sales', ['orgUnit:/sales']);

    const reread = new LedgerStore({ cwd: dir }).load();

    expect(reread.inPlace).toEqual({ sales: ['orgUnit:/sales'], support: ['orgUnit:/support'] });
  });

  test('keeps every record when many are written at once, and leaves no temporary file', async () => {
    const store = new LedgerStore({ cwd: dir, path: 'l.json' });
    store.load();
    const writes = [];
    for (let i = 0; i < 200; i++)
      writes.push(store.recordCredentials(`u${i}@example.com`, `a${i}@p.com`, entry(`pw${i}`)));
    await Promise.all(writes);
    await store.removeIdentity('u7@example.com', 'a7@p.com');
    await store.markPolicyWritesRefused();

    const reread = new LedgerStore({ cwd: dir, path: 'l.json' }).load();
    expect(Object.keys(reread.identities)).toHaveLength(199);
    expect(reread.policyWritesRefused).toBe(true);
    expect(readdirSync(dir)).toEqual(['l.json']);
  });

  test('fails on a ledger that is not JSON, naming the file and what to do', () => {
    writeFileSync(join(dir, 'l.json'), '{ not json');
    expect(() => new LedgerStore(join(dir, 'l.json')).load()).toThrow(
      /apply ledger .*l\.json is not valid JSON; nothing was changed\. Restore it from a backup, or delete it/,
    );
  });

  test('fails on a ledger holding something other than a fingerprint', () => {
    writeFileSync(
      join(dir, 'l.json'),
      JSON.stringify({
        version: 1,
        identities: { 'a/b': { passwordFingerprint: 'hunter2', usernameFingerprint: 'x', endpoint: 'e' } },
      }),
    );
    expect(() => new LedgerStore(join(dir, 'l.json')).load()).toThrow(
      /identities\.a\/b\.passwordFingerprint must be a keyed fingerprint/,
    );
  });

  test('fails to record anything that is not a fingerprint', async () => {
    const store = new LedgerStore({ cwd: dir });
    await expect(
      store.recordCredentials('a@example.com', 'b@p.com', {
        passwordFingerprint: 'plain-secret',
        usernameFingerprint: 'x',
        endpoint: 'e',
      }),
    ).rejects.toMatchObject({ code: 'MP3002' });
  });
});
