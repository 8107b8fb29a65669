import fc from 'fast-check';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ErrorCodes } from '../../lib/model/errors';
import {
  FileStateBackend,
  migrateLedger,
  readLegacyLedger,
  stateFromLedger,
  stateObjectId,
  type DeclaredObject,
  type LegacyLedger,
} from '../../lib/state';
import { AT, fingerprint, stateWith, tempDir } from './helpers/states';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir('mp-state-ledger-')));
afterEach(() => tmp.remove());

const credentials = {
  passwordFingerprint: fingerprint('1'),
  usernameFingerprint: fingerprint('2'),
  endpoint: 'smtp.partner.com:465/ssl',
};

const LEDGER: LegacyLedger = {
  version: 1,
  identities: {
    'sales@example.com/sales@partner.com': credentials,
    'gone@example.com/old@partner.com': { ...credentials, endpoint: 'smtp.other.org:587/starttls' },
  },
  policyWritesRefused: true,
  inPlace: {
    prod: [
      'orgUnit:/sales/partners',
      'gatewayPolicy:/sales/partners',
      'userPlacement:sales@example.com',
      'sendAs:sales@example.com/sales@partner.com',
    ],
    staging: ['orgUnit:/engineering'],
  },
};

const now = () => new Date(AT);

describe('the state of a stack made from a ledger', () => {
  test('listed objects become adopted records with their fields; fingerprints go onto the send-as; facts carry', () => {
    const { state, dropped } = stateFromLedger(LEDGER, 'prod', { now });
    expect(state).toMatchObject({ version: 1, stack: 'prod', serial: 0, facts: { policyWritesRefused: true } });
    expect(state.objects).toEqual({
      'orgUnit:/sales/partners': {
        kind: 'orgUnit',
        path: '/sales/partners',
        origin: 'adopted',
        // An OU the stack did not (knowingly) create is only forgotten when it leaves the code.
        removalPolicy: 'retain',
        updatedAt: AT,
      },
      'gatewayPolicy:/sales/partners': {
        kind: 'gatewayPolicy',
        orgUnitPath: '/sales/partners',
        origin: 'adopted',
        removalPolicy: 'destroy',
        updatedAt: AT,
      },
      'sendAs:sales@example.com/sales@partner.com': {
        kind: 'sendAs',
        userEmail: 'sales@example.com',
        sendAsEmail: 'sales@partner.com',
        credentials,
        origin: 'adopted',
        removalPolicy: 'destroy',
        updatedAt: AT,
      },
    });
    expect(dropped).toEqual([
      {
        stack: 'prod',
        objectId: 'userPlacement:sales@example.com',
        reason: expect.stringContaining('did not record the OU'),
      },
    ]);
  });

  test('what the code declares gives the fields their case, the placement its OU, and the removal policy', () => {
    const declared = new Map<string, DeclaredObject>([
      ['orgUnit:/sales/partners', { kind: 'orgUnit', path: '/Sales/Partners', removalPolicy: 'retain' }],
      [
        'userPlacement:sales@example.com',
        { kind: 'userPlacement', email: 'sales@example.com', orgUnitPath: '/Sales/Partners', removalPolicy: 'destroy' },
      ],
    ]);
    const { state, dropped } = stateFromLedger(LEDGER, 'prod', { now, declared });
    expect(state.objects['orgUnit:/sales/partners']).toMatchObject({
      path: '/Sales/Partners',
      removalPolicy: 'retain',
      origin: 'adopted',
    });
    expect(state.objects['userPlacement:sales@example.com']).toMatchObject({ orgUnitPath: '/Sales/Partners' });
    expect(dropped).toEqual([]);
  });

  test('any ledger gives a valid state: every listed id is either a record under that id or reported dropped', () => {
    const email = fc
      .tuple(fc.stringMatching(/^[a-z]{1,6}$/), fc.constantFrom('example.com', 'partner.com'))
      .map(([l, d]) => `${l}@${d}`);
    const id = fc.oneof(
      fc.stringMatching(/^\/[a-z]{1,6}(\/[a-z]{1,6}){0,2}$/).map((p) => `orgUnit:${p}`),
      fc.stringMatching(/^\/[a-z]{1,6}$/).map((p) => `gatewayPolicy:${p}`),
      email.map((e) => `userPlacement:${e}`),
      fc.tuple(email, email).map(([u, s]) => `sendAs:${u}/${s}`),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(id, { maxLength: 10 }), fc.boolean(), (ids, refused) => {
        const ledger: LegacyLedger = {
          version: 1,
          identities: {},
          policyWritesRefused: refused,
          inPlace: { prod: ids },
        };
        const { state, dropped } = stateFromLedger(ledger, 'prod', { now });
        for (const [key, object] of Object.entries(state.objects)) expect(stateObjectId(object)).toBe(key);
        const accounted = new Set([...Object.keys(state.objects), ...dropped.map((d) => d.objectId)]);
        expect([...accounted].sort()).toEqual([...new Set(ids)].sort());
        expect(state.facts.policyWritesRefused === true).toBe(refused);
      }),
    );
  });
});

describe('migrating ledger.json', () => {
  function writeLedger(ledger: unknown): string {
    const path = join(tmp.dir, 'ledger.json');
    writeFileSync(path, JSON.stringify(ledger));
    return path;
  }

  test('every listed stack gets its state, then the ledger is renamed; a second run finds nothing to do', async () => {
    const ledgerPath = writeLedger(LEDGER);
    const backend = new FileStateBackend({ folder: join(tmp.dir, 'state') });
    const report = await migrateLedger({ backend, ledgerPath, stacks: ['prod', 'fresh'], now });
    expect(report).toEqual({
      ledgerFound: true,
      created: ['fresh', 'prod', 'staging'],
      kept: [],
      dropped: [expect.objectContaining({ stack: 'prod', objectId: 'userPlacement:sales@example.com' })],
      unattachedCredentials: 1,
      renamedTo: `${ledgerPath}.migrated`,
    });
    expect(existsSync(ledgerPath)).toBe(false);
    expect(JSON.parse(readFileSync(`${ledgerPath}.migrated`, 'utf8'))).toEqual(LEDGER);
    const prod = await backend.read('prod');
    expect(prod.found && prod.state.serial).toBe(1);
    expect(prod.found && prod.state.objects['sendAs:sales@example.com/sales@partner.com']).toMatchObject({
      credentials,
    });
    const fresh = await backend.read('fresh');
    expect(fresh.found && fresh.state).toMatchObject({ objects: {}, facts: { policyWritesRefused: true } });
    expect(await migrateLedger({ backend, ledgerPath })).toMatchObject({ ledgerFound: false, created: [] });
  });

  test('a stack that already has a state keeps it', async () => {
    const ledgerPath = writeLedger(LEDGER);
    const backend = new FileStateBackend({ folder: join(tmp.dir, 'state') });
    const existing = stateWith('staging', []);
    await backend.write('staging', existing, undefined);
    const report = await migrateLedger({ backend, ledgerPath, now });
    expect(report.kept).toEqual(['staging']);
    const staging = await backend.read('staging');
    expect(staging.found && staging.state).toEqual(existing);
  });

  test('a corrupt ledger is refused before anything is written, and stays where it is', async () => {
    const ledgerPath = writeLedger({
      version: 1,
      identities: { 'a@example.com/b@partner.com': { ...credentials, passwordFingerprint: 'plain-password' } },
    });
    const backend = new FileStateBackend({ folder: join(tmp.dir, 'state') });
    const error = await migrateLedger({ backend, ledgerPath, stacks: ['prod'] }).catch(
      (e: { code?: string; message: string }) => e,
    );
    expect(error).toMatchObject({ code: ErrorCodes.LEDGER_CORRUPT });
    expect((error as Error).message).not.toContain('plain-password');
    expect(existsSync(ledgerPath)).toBe(true);
    expect((await backend.read('prod')).found).toBe(false);
    expect(await readLegacyLedger(join(tmp.dir, 'none.json'))).toBeUndefined();
  });
});
