import { promises as fs } from 'node:fs';

import { isValidEmail } from '../model/email';
import { ErrorCodes, MailPolicyError } from '../model/errors';
import type { ObjectIdentity } from './object-ids';
import { readLegacyLedgerFile, type LegacyLedger } from './private/legacy-ledger';
import {
  DEFAULT_REMOVAL_POLICIES,
  checkManagedObject,
  emptyStackState,
  isValidStackName,
  type ManagedObject,
  type StackState,
} from './stack-state';
import type { StateBackend } from './state-backend';
import type { ManagedObjectInput } from './state-store';

/**
 * Carrying `.mailpolicy/ledger.json` over into per-stack states, once. The ledger listed, per stack, the ids of the
 * objects in place after its last apply (`inPlace`), and globally the credential fingerprints per identity and
 * whether policy writes were refused. Each listed object becomes an `adopted` record of its stack; the
 * fingerprints go onto the matching send-as records; the fact goes to every stack.
 *
 * The ledger is renamed to `ledger.json.migrated` only after every stack it lists has a state, so a failure halfway
 * leaves it in place and the next run finishes the job; stacks that already have a state are never overwritten.
 */

export type { LegacyLedger } from './private/legacy-ledger';

/** What the code declares about an object: its fields and removal policy, without the store's bookkeeping. */
export type DeclaredObject = ManagedObjectInput extends infer O
  ? O extends ManagedObjectInput
    ? Omit<O, 'origin' | 'updatedAt' | 'appliedDigest' | 'credentials'>
    : never
  : never;

/** An object of the ledger that could not be carried over, and why. */
export interface DroppedObject {
  readonly stack: string;
  readonly objectId: string;
  readonly reason: string;
}

/** Options of {@link stateFromLedger}. */
export interface StateFromLedgerOptions {
  /**
   * The objects the stack's code declares, keyed by state key: a listed object found here takes its fields
   * (with their original case) and removal policy from it.
   * @default - none: fields come from the ledger's ids (lower-cased), removal policies from DEFAULT_REMOVAL_POLICIES
   */
  readonly declared?: ReadonlyMap<string, DeclaredObject>;
  /**
   * Clock stamping `updatedAt`.
   * @default () => new Date()
   */
  readonly now?: () => Date;
  /** Lineage of the new state. @default - a new UUID */
  readonly lineage?: string;
}

/** The initial state of `stack` made from a ledger (pure: nothing is read or written), and what was dropped. */
export function stateFromLedger(
  ledger: LegacyLedger,
  stack: string,
  options: StateFromLedgerOptions = {},
): { readonly state: StackState; readonly dropped: readonly DroppedObject[] } {
  const empty = emptyStackState(stack, options.lineage);
  const updatedAt = (options.now?.() ?? new Date()).toISOString();
  const objects: Record<string, ManagedObject> = {};
  const dropped: DroppedObject[] = [];
  for (const id of [...new Set(ledger.inPlace?.[stack] ?? [])].sort()) {
    const declared = options.declared?.get(id);
    const identity = declared ?? identityFromLedgerId(id);
    if (!identity) {
      dropped.push({ stack, objectId: id, reason: reasonFor(id) });
      continue;
    }
    const record: Record<string, unknown> = {
      ...identity,
      origin: 'adopted',
      removalPolicy: declared?.removalPolicy ?? DEFAULT_REMOVAL_POLICIES[identity.kind],
      updatedAt,
    };
    if (identity.kind === 'sendAs') {
      const credentials = ledger.identities[id.slice('sendAs:'.length)];
      if (credentials) record.credentials = { ...credentials };
    }
    try {
      objects[id] = checkManagedObject(id, record, `of stack '${stack}'`);
    } catch (error) {
      if (!MailPolicyError.isMailPolicyError(error)) throw error;
      dropped.push({
        stack,
        objectId: id,
        reason: 'its record would break the state format (for example a bad endpoint)',
      });
    }
  }
  const facts = ledger.policyWritesRefused ? { policyWritesRefused: true } : {};
  return { state: { ...empty, objects, facts }, dropped };
}

/** Options of {@link migrateLedger}. */
export interface MigrateLedgerOptions {
  /** Where the states go. */
  readonly backend: StateBackend;
  /** The ledger file (`.mailpolicy/ledger.json` of the app). */
  readonly ledgerPath: string;
  /**
   * Stacks to give a state besides those the ledger lists (the stack being applied, whose ledger entry may predate
   * `inPlace`).
   * @default []
   */
  readonly stacks?: readonly string[];
  /**
   * The declared objects of a stack (see {@link StateFromLedgerOptions.declared}).
   * @default - none
   */
  readonly declared?: (stack: string) => ReadonlyMap<string, DeclaredObject> | undefined;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** What {@link migrateLedger} did. */
export interface MigrationReport {
  /** Whether a ledger was found (nothing else happens without one). */
  readonly ledgerFound: boolean;
  /** Stacks whose state was created from the ledger. */
  readonly created: readonly string[];
  /** Stacks that already had a state, left as they were. */
  readonly kept: readonly string[];
  /** Ledger objects that could not be carried over. */
  readonly dropped: readonly DroppedObject[];
  /** Fingerprints of identities no migrated send-as record took (their credentials are sent on the next apply). */
  readonly unattachedCredentials: number;
  /** Where the ledger was moved once every stack had a state. */
  readonly renamedTo?: string;
}

/**
 * Reads the ledger once and writes the initial state of every stack it lists (and of `stacks`), each with a
 * create-only write (a state that exists, or appears meanwhile, is kept). Then renames the ledger to
 * `<ledger>.migrated`. An unreadable ledger → MP3002 before anything is written.
 */
export async function migrateLedger(options: MigrateLedgerOptions): Promise<MigrationReport> {
  const ledger = await readLegacyLedgerFile(options.ledgerPath);
  if (!ledger) return { ledgerFound: false, created: [], kept: [], dropped: [], unattachedCredentials: 0 };
  const listed = Object.keys(ledger.inPlace ?? {});
  const dropped: DroppedObject[] = [];
  for (const stack of listed.filter((s) => !isValidStackName(s))) {
    for (const objectId of ledger.inPlace?.[stack] ?? []) {
      dropped.push({ stack, objectId, reason: 'the stack name cannot name a state' });
    }
  }
  const stacks = [...new Set([...listed.filter(isValidStackName), ...(options.stacks ?? [])])].sort();
  const created: string[] = [];
  const kept: string[] = [];
  const attached = new Set<string>();
  for (const stack of stacks) {
    const made = stateFromLedger(ledger, stack, { declared: options.declared?.(stack), now: options.now });
    if ((await options.backend.read(stack)).found) {
      kept.push(stack);
      continue;
    }
    try {
      await options.backend.write(stack, { ...made.state, serial: 1 }, undefined);
      created.push(stack);
      dropped.push(...made.dropped);
      for (const [id, object] of Object.entries(made.state.objects)) {
        if (object.kind === 'sendAs' && object.credentials) attached.add(id.slice('sendAs:'.length));
      }
    } catch (error) {
      // Created by someone else between the read and the write: theirs is kept.
      if (MailPolicyError.isMailPolicyError(error) && error.code === ErrorCodes.STATE_CONFLICT) kept.push(stack);
      else throw error;
    }
  }
  const renamedTo = `${options.ledgerPath}.migrated`;
  await fs.rename(options.ledgerPath, renamedTo);
  const unattachedCredentials = Object.keys(ledger.identities).filter((key) => !attached.has(key)).length;
  return { ledgerFound: true, created, kept, dropped, unattachedCredentials, renamedTo };
}

/** Reads a ledger file without migrating it (for a plan, which never writes); undefined when there is none. */
export async function readLegacyLedger(path: string): Promise<LegacyLedger | undefined> {
  return readLegacyLedgerFile(path);
}

/**
 * The identifying fields recoverable from a ledger id (lower-cased, as the ledger kept them). User placements are
 * not: the ledger did not record the OU, so they come only from `declared`.
 */
function identityFromLedgerId(id: string): DeclaredObject | undefined {
  const colon = id.indexOf(':');
  const kind = id.slice(0, colon);
  const rest = id.slice(colon + 1);
  const placeholder = { removalPolicy: 'destroy' as const };
  if (kind === 'orgUnit' && rest.startsWith('/')) return { kind, path: rest, ...placeholder };
  if (kind === 'gatewayPolicy' && rest.startsWith('/')) return { kind, orgUnitPath: rest, ...placeholder };
  if (kind === 'sendAs' || kind === 'alias') {
    const pair = splitAddressPair(rest);
    if (!pair) return undefined;
    const identity: ObjectIdentity =
      kind === 'sendAs'
        ? { kind, userEmail: pair[0], sendAsEmail: pair[1] }
        : { kind, userEmail: pair[0], alias: pair[1] };
    return { ...identity, ...placeholder } as DeclaredObject;
  }
  return undefined;
}

/** `a@x.com/b@y.com` → both addresses; the first split whose halves are both addresses. */
function splitAddressPair(text: string): [string, string] | undefined {
  for (let i = text.indexOf('/'); i >= 0; i = text.indexOf('/', i + 1)) {
    const left = text.slice(0, i);
    const right = text.slice(i + 1);
    if (isValidEmail(left) && isValidEmail(right)) return [left, right];
  }
  return undefined;
}

function reasonFor(id: string): string {
  if (id.startsWith('userPlacement:')) {
    return 'the ledger did not record the OU of a user placement; the next apply records it from the code';
  }
  return 'the id is not one this version knows';
}
