/** What a handler gets and returns: plain `(ctx) => answer` functions keyed by method id. */
import type { Knobs } from '../emulator-types';
import type { TokenGrant } from './auth';
import { ApiError } from './google-error';
import type { Store } from './store';

export interface CallContext {
  readonly store: Store;
  readonly knobs: Knobs;
  readonly grant: TokenGrant;
  /** Percent-decoded path parameters. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** Parsed JSON body (undefined when empty). */
  readonly body: unknown;
  /** Epoch milliseconds of the call. */
  readonly now: number;
}

export interface Answer {
  readonly status: number;
  readonly body?: unknown;
}

export type Handler = (ctx: CallContext) => Answer | Promise<Answer>;

export const ok = (body: unknown): Answer => ({ status: 200, body });
export const noContent = (): Answer => ({ status: 204 });

/** The body as an object, or a 400 naming what was received. */
export function bodyObject(ctx: CallContext): Record<string, unknown> {
  const b = ctx.body;
  if (b === undefined) return {};
  if (typeof b !== 'object' || b === null || Array.isArray(b)) {
    throw new ApiError(
      400,
      'badRequest',
      `Invalid JSON payload received. Expected an object, got ${Array.isArray(b) ? 'an array' : typeof b}.`,
    );
  }
  return b as Record<string, unknown>;
}

/** Reads an optional field of a given JSON type, or throws 400 naming the field and the value. */
export function optionalField<T extends 'string' | 'boolean' | 'number' | 'object'>(
  obj: Record<string, unknown>,
  name: string,
  type: T,
  where = '',
):
  | (T extends 'string'
      ? string
      : T extends 'boolean'
        ? boolean
        : T extends 'number'
          ? number
          : Record<string, unknown>)
  | undefined {
  const v = obj[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== type || (type === 'object' && Array.isArray(v))) {
    throw new ApiError(
      400,
      'invalidArgument',
      `Invalid value at '${where}${name}' (${type} expected): ${JSON.stringify(v)}`,
    );
  }
  return v as never;
}
