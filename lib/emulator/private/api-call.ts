/**
 * One Google API call, from the request line to the answer: count → latency → injected fault → 401 → 403
 * scope → 403 identity → quota → body (JSON, unknown fields) → armed one-shot fault (`fail-before`) → handler
 * → armed one-shot fault (`lose-answer`) → partial response (`fields`). Used for plain HTTP requests and for
 * each part of a batch alike.
 */
import type { EmulatorControl, Knobs, ServiceAccountKey } from '../emulator-types';
import { authenticate, type TokenGrant } from './auth';
import type { Handler } from './call-context';
import { DOMAIN_HANDLERS } from './domains-api';
import { GMAIL_HANDLERS } from './gmail-api';
import { ApiError, forbidden, insufficientScopes } from './google-error';
import { GROUP_HANDLERS } from './groups-api';
import { METHODS, type ApiFamily, type MethodInfo } from './methods';
import { callTargets, type OneShotFaults } from './one-shot-faults';
import { ORGUNIT_HANDLERS } from './orgunits-api';
import { applyFields, parseFields } from './partial-response';
import { POLICY_HANDLERS } from './policy-api';
import { checkRequestBody } from './request-schemas';
import { familyOfPath, matchRoute } from './routes';
import type { Store } from './store';
import { delay, drawFault, type Quotas, type Random } from './traffic';
import { USER_HANDLERS } from './users-api';

export interface ServerDeps {
  readonly store: Store;
  knobs(): Knobs;
  readonly random: { faults: Random; jitter: Random };
  readonly quotas: Quotas;
  readonly counts: Map<string, number>;
  /** Armed one-shot faults (test controls). */
  readonly oneShots: OneShotFaults;
  readonly control: EmulatorControl;
  createKey(scopes?: readonly string[]): ServiceAccountKey;
  tokenUrl(): string;
  /** The `host:port` forms a control request's Host header may carry. */
  allowedHosts(): readonly string[];
}

/** An API request, from a socket or from a batch part. */
export interface ApiRequest {
  readonly verb: string;
  /** Path without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  readonly body: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** JSON body; undefined for an empty answer. */
  readonly body?: unknown;
}

const HANDLERS: Readonly<Record<string, Handler>> = {
  ...GMAIL_HANDLERS,
  ...ORGUNIT_HANDLERS,
  ...USER_HANDLERS,
  ...DOMAIN_HANDLERS,
  ...GROUP_HANDLERS,
  ...POLICY_HANDLERS,
};

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'parseError', 'Invalid JSON payload received. The body is not valid JSON.');
  }
}

/** Who may call: Gmail only for the token's own mailbox, Directory and Policy only for admins. */
function checkIdentity(deps: ServerDeps, info: MethodInfo, grant: TokenGrant, params: Record<string, string>): void {
  if (info.family === 'gmail') {
    if (!grant.sub)
      throw new ApiError(400, 'failedPrecondition', 'Precondition check failed.', { status: 'FAILED_PRECONDITION' });
    const userId = params.userId.toLowerCase();
    if (userId !== 'me' && userId !== grant.sub) throw forbidden(`Delegation denied for ${grant.sub}`);
    // A user without a Gmail mailbox (isMailboxSetup false): GAM maps this answer to serviceNotAvailable.
    if (deps.store.userByEmail(grant.sub)?.isMailboxSetup === false) {
      throw new ApiError(400, 'failedPrecondition', 'Mail service not enabled', { status: 'FAILED_PRECONDITION' });
    }
    return;
  }
  const admin = grant.sub ? deps.store.userByEmail(grant.sub)?.isAdmin === true : false;
  if (admin) return;
  if (info.family === 'directory') throw forbidden('Not Authorized to access this resource/api');
  throw new ApiError(403, 'forbidden', 'The caller does not have permission', { status: 'PERMISSION_DENIED' });
}

/** An error as the answer of a call of `family`. */
export function errorAnswer(err: ApiError, family: ApiFamily | undefined): HttpAnswer {
  return { status: err.code, headers: { ...err.options.headers }, body: err.body(family) };
}

/** What the client gets instead of a lost answer. */
function lost(answer: 'reset' | ApiError, family: ApiFamily): HttpAnswer | 'reset' {
  return answer === 'reset' ? 'reset' : errorAnswer(answer, family);
}

/** Runs one call; 'reset' when an injected fault drops the connection. Never throws for API errors. */
export async function runApiCall(deps: ServerDeps, request: ApiRequest): Promise<HttpAnswer | 'reset'> {
  let family: ApiFamily | undefined = familyOfPath(request.path);
  try {
    const hit = matchRoute(request.verb, request.path);
    const info = METHODS[hit.method];
    family = info.family;
    deps.counts.set(info.id, (deps.counts.get(info.id) ?? 0) + 1);
    const knobs = deps.knobs();
    await delay(knobs.latencyMs + (knobs.jitterMs > 0 ? deps.random.jitter.next() * knobs.jitterMs : 0));
    const fault = drawFault(knobs, info, deps.random.faults);
    if (fault === 'reset') return 'reset';
    if (fault !== 'none') throw fault;
    const grant = authenticate(deps.store, request.authorization, request.query.get('access_token'));
    if (!info.scopes.some((s) => grant.scopes.includes(s))) throw insufficientScopes();
    checkIdentity(deps, info, grant, hit.params);
    deps.quotas.take(knobs, info, grant.projectId, grant.sub ?? grant.clientEmail);
    const fieldsParam = request.query.get('fields');
    const fields = fieldsParam ? parseFields(fieldsParam) : undefined;
    const body = checkRequestBody(info.id, parseJson(request.body));
    const shot = deps.oneShots.take(info.id, grant.sub, callTargets(hit.params, body), info.family);
    if (shot?.kind === 'fail-before') throw shot.error;
    let answer: Awaited<ReturnType<Handler>>;
    try {
      answer = await HANDLERS[info.id]({
        store: deps.store,
        knobs,
        grant,
        params: hit.params,
        query: request.query,
        body,
        now: Date.now(),
      });
    } catch (err) {
      // Whatever the call answered, a lost answer never reaches the client.
      if (shot?.kind === 'lose-answer' && ApiError.isApiError(err)) return lost(shot.answer, info.family);
      throw err;
    }
    if (shot?.kind === 'lose-answer') return lost(shot.answer, info.family);
    if (answer.status === 204 || answer.body === undefined) return { status: answer.status, headers: {} };
    return { status: answer.status, headers: {}, body: fields ? applyFields(answer.body, fields) : answer.body };
  } catch (err) {
    if (ApiError.isApiError(err)) return errorAnswer(err, family);
    process.stderr.write(
      `[mailpolicy emulator] internal error on ${request.verb} ${request.path}: ${err instanceof Error ? err.stack : String(err)}\n`,
    );
    return errorAnswer(new ApiError(500, 'backendError', 'Internal error encountered.'), family);
  }
}
