/**
 * The HTTP front: Google's paths (token endpoint, Gmail, Directory, Policy) and the control API under
 * `/emulator/v1/…` only. Order per API call: count → latency → injected fault → 401 → 403 scope →
 * 403 identity → quota → handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorControl, Knobs, ServiceAccountKey } from '../emulator-types';
import { authenticate, issueToken, OAuthError, type TokenGrant } from './auth';
import type { Handler } from './call-context';
import { DIRECTORY_HANDLERS } from './directory-api';
import { GMAIL_HANDLERS } from './gmail-api';
import { ApiError, forbidden, insufficientScopes } from './google-error';
import { METHODS, type MethodInfo } from './methods';
import { POLICY_HANDLERS } from './policy-api';
import type { Store } from './store';
import { delay, drawFault, type Quotas, type Random } from './traffic';

export interface ServerDeps {
  readonly store: Store;
  knobs(): Knobs;
  readonly random: { faults: Random; jitter: Random };
  readonly quotas: Quotas;
  readonly counts: Map<string, number>;
  readonly control: EmulatorControl;
  createKey(scopes?: readonly string[]): ServiceAccountKey;
  tokenUrl(): string;
}

interface Route {
  readonly verb: string;
  readonly pattern: RegExp;
  readonly method: string;
  readonly params: readonly string[];
}

const HANDLERS: Readonly<Record<string, Handler>> = { ...GMAIL_HANDLERS, ...DIRECTORY_HANDLERS, ...POLICY_HANDLERS };

const SEND_AS = '^/gmail/v1/users/([^/]+)/settings/sendAs';
const OUS = '^/admin/directory/v1/customer/([^/]+)/orgunits';
const POLICIES = '^/(v1|v1beta1)/policies';

function route(verb: string, pattern: string, method: string, params: string[]): Route {
  return { verb, pattern: new RegExp(pattern), method, params };
}

const ROUTES: readonly Route[] = [
  route('GET', `${SEND_AS}$`, 'gmail.users.settings.sendAs.list', ['userId']),
  route('POST', `${SEND_AS}$`, 'gmail.users.settings.sendAs.create', ['userId']),
  route('GET', `${SEND_AS}/([^/]+)$`, 'gmail.users.settings.sendAs.get', ['userId', 'sendAsEmail']),
  route('PATCH', `${SEND_AS}/([^/]+)$`, 'gmail.users.settings.sendAs.patch', ['userId', 'sendAsEmail']),
  route('PUT', `${SEND_AS}/([^/]+)$`, 'gmail.users.settings.sendAs.update', ['userId', 'sendAsEmail']),
  route('DELETE', `${SEND_AS}/([^/]+)$`, 'gmail.users.settings.sendAs.delete', ['userId', 'sendAsEmail']),
  route('POST', `${SEND_AS}/([^/]+)/verify$`, 'gmail.users.settings.sendAs.verify', ['userId', 'sendAsEmail']),
  route('GET', `${OUS}$`, 'directory.orgunits.list', ['customerId']),
  route('POST', `${OUS}$`, 'directory.orgunits.insert', ['customerId']),
  route('GET', `${OUS}/(.+)$`, 'directory.orgunits.get', ['customerId', 'orgUnitPath']),
  route('PATCH', `${OUS}/(.+)$`, 'directory.orgunits.patch', ['customerId', 'orgUnitPath']),
  route('PUT', `${OUS}/(.+)$`, 'directory.orgunits.update', ['customerId', 'orgUnitPath']),
  route('DELETE', `${OUS}/(.+)$`, 'directory.orgunits.delete', ['customerId', 'orgUnitPath']),
  route('GET', '^/admin/directory/v1/users$', 'directory.users.list', []),
  route('GET', '^/admin/directory/v1/users/([^/]+)$', 'directory.users.get', ['userKey']),
  route('PATCH', '^/admin/directory/v1/users/([^/]+)$', 'directory.users.patch', ['userKey']),
  route('PUT', '^/admin/directory/v1/users/([^/]+)$', 'directory.users.update', ['userKey']),
  route('GET', `${POLICIES}$`, 'cloudidentity.policies.list', ['version']),
  route('POST', `${POLICIES}$`, 'cloudidentity.policies.create', ['version']),
  route('GET', `${POLICIES}/([^/]+)$`, 'cloudidentity.policies.get', ['version', 'policyId']),
  route('PATCH', `${POLICIES}/([^/]+)$`, 'cloudidentity.policies.patch', ['version', 'policyId']),
  route('DELETE', `${POLICIES}/([^/]+)$`, 'cloudidentity.policies.delete', ['version', 'policyId']),
];

const MAX_BODY = 10 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new ApiError(413, 'badRequest', 'Request body too large.'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'parseError', 'Invalid JSON payload received.');
  }
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ApiError(400, 'badRequest', `Invalid percent-encoding in the path: ${value}`);
  }
}

/** Who may call: Gmail only for the token's own mailbox, Directory and Policy only for admins. */
function checkIdentity(deps: ServerDeps, info: MethodInfo, grant: TokenGrant, params: Record<string, string>): void {
  if (info.family === 'gmail') {
    if (!grant.sub)
      throw new ApiError(400, 'failedPrecondition', 'Precondition check failed.', { status: 'FAILED_PRECONDITION' });
    const userId = params.userId.toLowerCase();
    if (userId !== 'me' && userId !== grant.sub) throw forbidden(`Delegation denied for ${grant.sub}`);
    return;
  }
  const admin = grant.sub ? deps.store.userByEmail(grant.sub)?.isAdmin === true : false;
  if (admin) return;
  if (info.family === 'directory') throw forbidden('Not Authorized to access this resource/api');
  throw new ApiError(403, 'forbidden', 'The caller does not have permission', { status: 'PERMISSION_DENIED' });
}

async function handleApi(
  deps: ServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
): Promise<void> {
  const path = url.pathname;
  const candidates = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).filter((x) => x.m);
  const hit = candidates.find((x) => x.r.verb === req.method);
  if (!hit || !hit.m) {
    const code = candidates.length ? 405 : 404;
    throw new ApiError(
      code,
      code === 404 ? 'notFound' : 'badRequest',
      code === 404
        ? `The requested URL ${path} was not found on this server.`
        : `Method ${req.method} is not allowed on ${path}.`,
    );
  }
  const info = METHODS[hit.r.method];
  deps.counts.set(info.id, (deps.counts.get(info.id) ?? 0) + 1);
  const knobs = deps.knobs();
  await delay(knobs.latencyMs + (knobs.jitterMs > 0 ? deps.random.jitter.next() * knobs.jitterMs : 0));
  const fault = drawFault(knobs, info, deps.random.faults);
  if (fault === 'reset') {
    req.socket.destroy();
    return;
  }
  if (fault !== 'none') throw fault;
  const grant = authenticate(deps.store, req.headers.authorization, url.searchParams.get('access_token'));
  if (!info.scopes.some((s) => grant.scopes.includes(s))) throw insufficientScopes();
  const params: Record<string, string> = {};
  hit.r.params.forEach((name, i) => (params[name] = decode(hit.m![i + 1])));
  checkIdentity(deps, info, grant, params);
  deps.quotas.take(knobs, info, grant.projectId, grant.sub ?? grant.clientEmail);
  const answer = await HANDLERS[info.id]({
    store: deps.store,
    knobs,
    grant,
    params,
    query: url.searchParams,
    body: parseJson(body),
    now: Date.now(),
  });
  send(res, answer.status, answer.body);
}

async function handleToken(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
  deps.counts.set('oauth2.token', (deps.counts.get('oauth2.token') ?? 0) + 1);
  if (req.method !== 'POST') throw new OAuthError(405, 'invalid_request', 'The token endpoint accepts POST only.');
  const knobs = deps.knobs();
  await delay(knobs.latencyMs);
  const form = new URLSearchParams(body);
  send(res, 200, issueToken(deps.store, form, deps.tokenUrl(), knobs.tokenLifetimeSeconds), {
    'Cache-Control': 'no-store',
  });
}

function handleControl(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, path: string, body: string): void {
  const c = deps.control;
  const json = (): Record<string, unknown> => (parseJson(body) ?? {}) as Record<string, unknown>;
  const key = `${req.method} ${path.slice('/emulator/v1/'.length)}`;
  switch (key) {
    case 'POST reset':
      c.reset();
      return send(res, 200, {});
    case 'POST seed':
      c.seed(json() as never);
      return send(res, 200, {});
    case 'GET snapshot':
      return send(res, 200, c.snapshot());
    case 'GET outbox':
      return send(res, 200, { messages: c.outbox() });
    case 'POST verifications:accept': {
      const b = json();
      c.acceptVerification(String(b.userEmail ?? ''), String(b.sendAsEmail ?? ''));
      return send(res, 200, {});
    }
    case 'GET knobs':
      return send(res, 200, c.knobs());
    case 'PATCH knobs':
      c.setKnobs(json() as Partial<Knobs>);
      return send(res, 200, c.knobs());
    case 'GET callCounts':
      return send(res, 200, c.callCounts());
    case 'POST tokens:expire':
      c.expireTokens();
      return send(res, 200, {});
    case 'POST serviceAccountKeys': {
      const scopes = json().scopes;
      return send(res, 200, deps.createKey(Array.isArray(scopes) ? scopes.map(String) : undefined));
    }
    default:
      return send(res, 404, {
        error: { code: 404, message: `No control operation ${key}; see lib/emulator/BEHAVIOUR.md.` },
      });
  }
}

/** The request listener of the emulator's HTTP server. */
export function createListener(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const run = async (): Promise<void> => {
      const body = await readBody(req);
      if (url.pathname.startsWith('/emulator/v1/')) {
        try {
          handleControl(deps, req, res, url.pathname, body);
        } catch (err) {
          send(res, 400, { error: { code: 400, message: err instanceof Error ? err.message : String(err) } });
        }
        return;
      }
      if (url.pathname === '/token') return handleToken(deps, req, res, body);
      return handleApi(deps, req, res, url, body);
    };
    run().catch((err: unknown) => {
      if (err instanceof OAuthError) return send(res, err.status, err.body(), { 'Cache-Control': 'no-store' });
      if (ApiError.isApiError(err)) return send(res, err.code, err.body(), err.options.headers);
      process.stderr.write(
        `[mailpolicy emulator] internal error on ${req.method} ${url.pathname}: ${err instanceof Error ? err.stack : String(err)}\n`,
      );
      send(res, 500, new ApiError(500, 'backendError', 'Internal error encountered.').body());
    });
  };
}
