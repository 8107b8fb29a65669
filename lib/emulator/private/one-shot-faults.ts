/**
 * One-shot faults: test controls, not Google behaviour. A test arms a fault for the next `times` calls of one
 * method (optionally only for one impersonated user and one target object); each matching call consumes one
 * shot. `fail-before` answers an error before the handler runs, so nothing is committed; `lose-answer` runs
 * the call (the write is committed) and then drops the connection or answers 5xx instead, as a network failure
 * after Google committed would.
 */
import { z } from 'zod';
import type { ArmedFault, OneShotFault } from '../emulator-types';
import { ApiError } from './google-error';
import { METHODS, type ApiFamily } from './methods';
import { rateLimited } from './traffic';

const methodId = z.string().refine((id) => Object.hasOwn(METHODS, id), {
  message: 'must be a method id the emulator serves, e.g. gmail.users.settings.sendAs.create (see GET callCounts)',
});

const common = {
  method: methodId,
  user: z.string().min(1).optional(),
  target: z.string().min(1).optional(),
  times: z.number().int().positive().optional(),
};

export const OneShotFaultSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...common,
    kind: z.literal('lose-answer'),
    answer: z.union([z.literal('reset'), z.literal(500), z.literal(503)]).optional(),
  }),
  z.strictObject({
    ...common,
    kind: z.literal('fail-before'),
    status: z.number().int().min(400).max(599).optional(),
    reason: z.string().min(1).optional(),
    message: z.string().min(1).optional(),
  }),
]);

/** Validates a fault to arm, throwing an Error that lists every problem. */
export function parseOneShotFault(input: unknown): OneShotFault {
  const result = OneShotFaultSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(fault)'}: ${i.message}`);
    throw new Error(`Emulator fault is invalid: ${problems.join('; ')}`);
  }
  return result.data;
}

/** Google's reason and message per status for a `fail-before` that names none (429, 500, 503 as the random faults). */
const DEFAULTS: Readonly<Record<number, readonly [string, string]>> = {
  400: ['badRequest', 'Bad Request'],
  401: ['authError', 'Invalid Credentials'],
  403: ['forbidden', 'The caller does not have permission'],
  404: ['notFound', 'Requested entity was not found.'],
  409: ['alreadyExists', 'Requested entity already exists.'],
  412: ['conditionNotMet', 'Precondition check failed.'],
  500: ['backendError', 'Internal error encountered.'],
  503: ['backendError', 'The service is currently unavailable.'],
};

/** The error a `fail-before` answers, in the shape of the call's API family. */
function failure(fault: Extract<OneShotFault, { kind: 'fail-before' }>, family: ApiFamily): ApiError {
  const status = fault.status ?? 503;
  if (status === 429 && fault.reason === undefined && fault.message === undefined) {
    return rateLimited(family, 'user', 1, true);
  }
  const [reason, message] = DEFAULTS[status] ?? ['backendError', 'Backend Error'];
  return new ApiError(status, fault.reason ?? reason, fault.message ?? message);
}

/** What a matching call does instead of (or after) its normal run. */
export type Shot =
  | { readonly kind: 'fail-before'; readonly error: ApiError }
  | { readonly kind: 'lose-answer'; readonly answer: 'reset' | ApiError };

/** `Sales/Partners`, `/Sales/Partners` and `/sales/partners` name the same object. */
function key(value: string): string {
  return value.trim().replace(/^\/+/, '').toLowerCase();
}

/**
 * The objects a call names, for `target`: its path parameters (the send-as address, OU path or `id:…`, user
 * key, alias, policy id, group, member; not `userId`, `customerId` or the API version) and, for a create, the
 * new object's `sendAsEmail`, `alias` or OU `name` and full path from its JSON body.
 */
export function callTargets(params: Readonly<Record<string, string>>, body: unknown): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (name !== 'userId' && name !== 'customerId' && name !== 'version') out.push(value);
  }
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    for (const field of ['sendAsEmail', 'alias', 'name']) if (typeof b[field] === 'string') out.push(b[field]);
    if (typeof b.name === 'string' && typeof b.parentOrgUnitPath === 'string') {
      out.push(`${b.parentOrgUnitPath.replace(/\/+$/, '')}/${b.name}`);
    }
  }
  return out.map(key);
}

/** The armed one-shot faults of one emulator, in arming order (the first match is used). */
export class OneShotFaults {
  private armed: Array<{ fault: OneShotFault; remaining: number }> = [];

  public arm(fault: OneShotFault): void {
    const valid = parseOneShotFault(fault);
    this.armed.push({ fault: valid, remaining: valid.times ?? 1 });
  }

  public list(): ArmedFault[] {
    return this.armed.map(({ fault, remaining }) => ({ ...fault, remaining }));
  }

  public clear(): void {
    this.armed = [];
  }

  /**
   * Consumes one shot of the first armed fault that matches a call of `method` made as `user` (the token's
   * subject) naming `targets`; undefined when none matches.
   */
  public take(method: string, user: string | null, targets: readonly string[], family: ApiFamily): Shot | undefined {
    const index = this.armed.findIndex(
      ({ fault }) =>
        fault.method === method &&
        (fault.user === undefined || (user !== null && key(fault.user) === key(user))) &&
        (fault.target === undefined || targets.includes(key(fault.target))),
    );
    if (index === -1) return undefined;
    const entry = this.armed[index];
    entry.remaining--;
    if (entry.remaining <= 0) this.armed.splice(index, 1);
    const { fault } = entry;
    if (fault.kind === 'fail-before') return { kind: 'fail-before', error: failure(fault, family) };
    const answer = fault.answer ?? 'reset';
    return {
      kind: 'lose-answer',
      answer:
        answer === 'reset' ? 'reset' : failure({ kind: 'fail-before', method: fault.method, status: answer }, family),
    };
  }
}
