import { conditionNotMet, invalid } from './storage-error';
import type { StoredObject } from './storage-state';

/** The generation and metageneration preconditions of the JSON API (query parameters). */
export interface Preconditions {
  readonly ifGenerationMatch?: bigint;
  readonly ifGenerationNotMatch?: bigint;
  readonly ifMetagenerationMatch?: bigint;
  readonly ifMetagenerationNotMatch?: bigint;
}

const NAMES = [
  'ifGenerationMatch',
  'ifGenerationNotMatch',
  'ifMetagenerationMatch',
  'ifMetagenerationNotMatch',
] as const;

/** Reads the preconditions of a request; a value that is not a non-negative integer → 400. */
export function parsePreconditions(query: URLSearchParams): Preconditions {
  const out: Record<string, bigint> = {};
  for (const name of NAMES) {
    const value = query.get(name);
    if (value === null) continue;
    if (!/^[0-9]{1,19}$/.test(value)) throw invalid(`Invalid value for ${name}: ${value}`);
    out[name] = BigInt(value);
  }
  return out;
}

/**
 * Checks preconditions for a write (insert, delete) against the live object, if any: any failure → 412.
 * `ifGenerationMatch: 0` holds only when there is no live object; the other three fail when there is none.
 */
export function checkWrite(pre: Preconditions, live: StoredObject | undefined): void {
  if (pre.ifGenerationMatch !== undefined && pre.ifGenerationMatch !== (live?.generation ?? 0n))
    throw conditionNotMet();
  if (pre.ifGenerationNotMatch !== undefined && (!live || live.generation === pre.ifGenerationNotMatch)) {
    throw conditionNotMet();
  }
  if (pre.ifMetagenerationMatch !== undefined && (!live || live.metageneration !== pre.ifMetagenerationMatch)) {
    throw conditionNotMet();
  }
  if (pre.ifMetagenerationNotMatch !== undefined && (!live || live.metageneration === pre.ifMetagenerationNotMatch)) {
    throw conditionNotMet();
  }
}

/** Checks preconditions for a read of an existing object: a failed Match → 412; a failed NotMatch → 304. */
export function checkRead(pre: Preconditions, live: StoredObject): 'ok' | 'not-modified' {
  if (pre.ifGenerationMatch !== undefined && pre.ifGenerationMatch !== live.generation) throw conditionNotMet();
  if (pre.ifMetagenerationMatch !== undefined && pre.ifMetagenerationMatch !== live.metageneration)
    throw conditionNotMet();
  if (pre.ifGenerationNotMatch !== undefined && pre.ifGenerationNotMatch === live.generation) return 'not-modified';
  if (pre.ifMetagenerationNotMatch !== undefined && pre.ifMetagenerationNotMatch === live.metageneration) {
    return 'not-modified';
  }
  return 'ok';
}
