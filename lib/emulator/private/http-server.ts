/**
 * The HTTP front: the token endpoint, Google's API paths, the Gmail batch endpoint and the control API under
 * `/emulator/v1/…` only. A client that hangs up before its request body is complete gets no answer and no log
 * line: that is the client's doing, not an emulator fault.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorAnswer, runApiCall, type HttpAnswer, type ServerDeps } from './api-call';
import { issueToken, OAuthError } from './auth';
import { BATCH_PATH, runBatch } from './batch';
import { controlRefusal, handleControl } from './control-api';
import { ApiError } from './google-error';
import { delay } from './traffic';

export type { ServerDeps } from './api-call';

const MAX_BODY = 10 * 1024 * 1024;

/** The client went away mid-request (aborted upload, reset socket). */
class ClientGone extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () =>
      tooLarge
        ? reject(new ApiError(413, 'badRequest', 'Request body too large.'))
        : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('aborted', () => reject(new ClientGone()));
    req.on('error', () => reject(new ClientGone()));
    req.on('close', () => {
      if (!req.complete) reject(new ClientGone());
    });
  });
}

function send(res: ServerResponse, answer: HttpAnswer): void {
  if (res.headersSent || res.destroyed) return;
  if (answer.status === 204 || answer.body === undefined) {
    res.writeHead(answer.status, answer.headers);
    res.end();
    return;
  }
  res.writeHead(answer.status, { 'Content-Type': 'application/json; charset=UTF-8', ...answer.headers });
  res.end(JSON.stringify(answer.body));
}

async function handleToken(deps: ServerDeps, req: IncomingMessage, body: string): Promise<HttpAnswer> {
  deps.counts.set('oauth2.token', (deps.counts.get('oauth2.token') ?? 0) + 1);
  const noStore = { 'Cache-Control': 'no-store' };
  try {
    if (req.method !== 'POST') throw new OAuthError(405, 'invalid_request', 'The token endpoint accepts POST only.');
    await delay(deps.knobs().latencyMs);
    const form = new URLSearchParams(body);
    return {
      status: 200,
      headers: noStore,
      body: issueToken(deps.store, form, deps.tokenUrl(), deps.knobs().tokenLifetimeSeconds),
    };
  } catch (err) {
    if (err instanceof OAuthError) return { status: err.status, headers: noStore, body: err.body() };
    throw err;
  }
}

async function handleBatch(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
  if (req.method !== 'POST') {
    send(
      res,
      errorAnswer(new ApiError(405, 'badRequest', `Method ${req.method} is not allowed on ${BATCH_PATH}.`), 'gmail'),
    );
    return;
  }
  let result: Awaited<ReturnType<typeof runBatch>>;
  try {
    result = await runBatch(deps, req.headers, body);
  } catch (err) {
    if (ApiError.isApiError(err)) return send(res, errorAnswer(err, 'gmail'));
    throw err;
  }
  if (result === 'reset') {
    req.socket.destroy();
    return;
  }
  if (res.headersSent || res.destroyed) return;
  res.writeHead(200, { 'Content-Type': result.contentType });
  res.end(result.text);
}

/** The request listener of the emulator's HTTP server. */
export function createListener(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const path = url.pathname;
    const run = async (): Promise<void> => {
      if (path.startsWith('/emulator/v1/')) {
        const refused = controlRefusal(deps, req);
        if (refused) {
          req.resume();
          return send(res, refused);
        }
        const body = await readBody(req);
        return send(res, handleControl(deps, req.method ?? 'GET', path, body));
      }
      const body = await readBody(req);
      if (path === '/token') return send(res, await handleToken(deps, req, body));
      if (path === BATCH_PATH) return handleBatch(deps, req, res, body);
      const answer = await runApiCall(deps, {
        verb: req.method ?? 'GET',
        path,
        query: url.searchParams,
        authorization: req.headers.authorization,
        body,
      });
      if (answer === 'reset') {
        req.socket.destroy();
        return;
      }
      send(res, answer);
    };
    run().catch((err: unknown) => {
      if (err instanceof ClientGone) return;
      if (ApiError.isApiError(err)) return send(res, errorAnswer(err, undefined));
      process.stderr.write(
        `[mailpolicy emulator] internal error on ${req.method} ${path}: ${err instanceof Error ? err.stack : String(err)}\n`,
      );
      send(res, errorAnswer(new ApiError(500, 'backendError', 'Internal error encountered.'), undefined));
    });
  };
}
