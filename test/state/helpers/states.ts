/**
 * Building blocks for state tests: valid fingerprints, sample records, a temporary folder, and fast-check
 * generators of valid states.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  emptyStackState,
  stateObjectId,
  type ManagedObject,
  type SendAsCredentials,
  type StackState,
} from '../../../lib/state';

/** A well-formed keyed fingerprint whose digest repeats `hexDigit`. */
export function fingerprint(hexDigit = 'a', keyId = '0123abcd'): string {
  return `hmac-sha256:${keyId}:${hexDigit.repeat(64)}`;
}

export const CREDENTIALS: SendAsCredentials = {
  passwordFingerprint: fingerprint('a'),
  usernameFingerprint: fingerprint('b'),
  endpoint: 'smtp.partner.com:465/ssl',
};

export const AT = '2026-12-01T10:00:00.000Z';

export function sendAs(user: string, address: string, extra: Partial<ManagedObject> = {}): ManagedObject {
  return {
    kind: 'sendAs',
    userEmail: user,
    sendAsEmail: address,
    origin: 'created',
    removalPolicy: 'destroy',
    updatedAt: AT,
    ...extra,
  } as ManagedObject;
}

export function orgUnit(path: string): ManagedObject {
  return { kind: 'orgUnit', path, origin: 'created', removalPolicy: 'destroy', updatedAt: AT };
}

/** A state holding `objects`, keyed as the state keys them. */
export function stateWith(stack: string, objects: readonly ManagedObject[], serial = 1): StackState {
  const base = emptyStackState(stack, '6f1c7a8e-2b4d-4c3e-9f10-1a2b3c4d5e6f');
  return { ...base, serial, objects: Object.fromEntries(objects.map((o) => [stateObjectId(o), o])) };
}

/** A fresh temporary folder, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
const email = fc
  .tuple(label, fc.constantFrom('example.com', 'partner.com', 'other.org'))
  .map(([local, domain]) => `${local}@${domain}`);
const ouPath = fc
  .array(fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,7}[A-Za-z0-9]$/), { minLength: 1, maxLength: 4 })
  .map((names) => `/${names.join('/')}`);
const hex = (n: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const fingerprintArb = fc.tuple(hex(8), hex(64)).map(([id, digest]) => `hmac-sha256:${id}:${digest}`);
const when = fc
  .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) })
  .map((ms) => new Date(ms).toISOString());
const common = fc.record(
  {
    origin: fc.constantFrom('created' as const, 'adopted' as const),
    removalPolicy: fc.constantFrom('destroy' as const, 'retain' as const),
    appliedDigest: hex(64).map((h) => `sha256:${h}`),
    updatedAt: when,
  },
  { requiredKeys: ['origin', 'removalPolicy', 'updatedAt'] },
);

/** Any valid managed object. */
export const managedObjectArb: fc.Arbitrary<ManagedObject> = fc.oneof(
  fc
    .tuple(
      fc.record({
        path: ouPath,
        orgUnitId: fc.option(
          label.map((l) => `id:${l}`),
          { nil: undefined },
        ),
      }),
      common,
    )
    .map(([f, c]) => ({ kind: 'orgUnit' as const, ...strip(f), ...c })),
  fc
    .tuple(
      fc.record({
        orgUnitPath: ouPath,
        policyName: fc.option(
          label.map((l) => `policies/${l}`),
          { nil: undefined },
        ),
      }),
      common,
    )
    .map(([f, c]) => ({ kind: 'gatewayPolicy' as const, ...strip(f), ...c })),
  fc
    .tuple(fc.record({ email, orgUnitPath: ouPath }), common)
    .map(([f, c]) => ({ kind: 'userPlacement' as const, ...f, ...c })),
  fc
    .tuple(
      fc.record({
        userEmail: email,
        sendAsEmail: email,
        credentials: fc.option(
          fc.record({
            passwordFingerprint: fingerprintArb,
            usernameFingerprint: fingerprintArb,
            endpoint: fc
              .tuple(label, fc.integer({ min: 1, max: 65535 }), fc.constantFrom('ssl', 'starttls', 'none'))
              .map(([h, p, m]) => `${h}.example.net:${p}/${m}`),
          }),
          { nil: undefined },
        ),
      }),
      common,
    )
    .map(([f, c]) => ({ kind: 'sendAs' as const, ...strip(f), ...c })),
  fc
    .tuple(fc.record({ userEmail: email, alias: email }), common)
    .map(([f, c]) => ({ kind: 'alias' as const, ...f, ...c })),
);

/** Any valid state of one stack. */
export const stackStateArb: fc.Arbitrary<StackState> = fc
  .record({
    stack: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/),
    lineage: fc.uuid({ version: 4 }),
    serial: fc.nat(1_000_000),
    objects: fc.array(managedObjectArb, { maxLength: 12 }),
    refused: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map(({ stack, lineage, serial, objects, refused }) => ({
    version: 1 as const,
    stack,
    lineage,
    serial,
    objects: Object.fromEntries(objects.map((o) => [stateObjectId(o), o])),
    facts: refused === undefined ? {} : { policyWritesRefused: refused },
  }));

function strip<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
