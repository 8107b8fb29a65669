/**
 * The client's fetch over node:http: what gaxios sends and reads comes through as Node's fetch would give it
 * (status, headers, JSON and text bodies, form bodies, compressed answers), an aborted request fails as an
 * abort, a dropped connection as a network error the retry recognises, and what it does not cover goes to the
 * fallback. A loopback server on a free port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { Gaxios } from 'gaxios';
import { createHttpFetch, type FetchLike } from '../../lib/admin/private/http-fetch';
import { readFailure, retryVerdict } from '../../lib/admin/private/error-mapping';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
  const path = req.url ?? '';
  if (path === '/json') {
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'x-extra': 'one' });
    res.end(JSON.stringify({ hello: 'wörld' }));
  } else if (path === '/gzip') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(gzipSync(JSON.stringify({ packed: true })));
  } else if (path === '/quota') {
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' });
    res.end(JSON.stringify({ error: { code: 429, message: 'slow down', errors: [{ reason: 'rateLimitExceeded' }] } }));
  } else if (path === '/reset') {
    req.socket.destroy();
  } else if (path === '/slow') {
    setTimeout(() => res.end('late'), 10_000).unref();
  } else if (path === '/empty') {
    res.writeHead(204);
    res.end();
  } else {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`echo ${body}`);
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen.length = 0;
});

const gaxios = (fetchImpl: FetchLike = createHttpFetch()): Gaxios =>
  new Gaxios({ fetchImplementation: fetchImpl as typeof fetch, retry: false });

test('a JSON answer reaches gaxios parsed, with its status and headers', async () => {
  const res = await gaxios().request<{ hello: string }>({ url: `${base}/json`, headers: { 'x-mine': 'a' } });
  expect(res.status).toBe(200);
  expect(res.data).toEqual({ hello: 'wörld' });
  expect(res.headers.get('x-extra')).toBe('one');
  expect(seen[0].headers['x-mine']).toBe('a');
  expect(seen[0].headers['accept-encoding']).toContain('gzip');
});

test('a form body (the token exchange) is sent url-encoded with its content type and length', async () => {
  const data = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: 'a.b.c' });
  const res = await gaxios().request<string>({ url: `${base}/echo`, method: 'POST', data, responseType: 'text' });
  expect(res.data).toBe(`echo ${data.toString()}`);
  expect(seen[0].headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
  expect(seen[0].headers['content-length']).toBe(String(Buffer.byteLength(data.toString())));
});

test('a JSON body keeps the content type gaxios set', async () => {
  await gaxios().request({ url: `${base}/echo`, method: 'POST', data: { displayName: 'Zoë' } });
  expect(seen[0].headers['content-type']).toBe('application/json');
  expect(seen[0].body).toBe('{"displayName":"Zoë"}');
});

test('a gzip answer is decoded and an empty 204 reads as empty', async () => {
  expect((await gaxios().request({ url: `${base}/gzip` })).data).toEqual({ packed: true });
  expect((await gaxios().request({ url: `${base}/empty` })).data).toBe('');
});

test('an error status becomes a GaxiosError whose facts the retry reads (status, reason, Retry-After)', async () => {
  const error = await gaxios()
    .request({ url: `${base}/quota` })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  const facts = readFailure(error, 0);
  expect(facts).toMatchObject({ status: 429, reason: 'rateLimitExceeded', retryAfterMs: 3000 });
  expect(retryVerdict(facts)).toEqual({ retry: true, retryAfterMs: 3000 });
});

test('a dropped connection is a network failure the retry recognises', async () => {
  const error = await gaxios()
    .request({ url: `${base}/reset` })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  const facts = readFailure(error, 0);
  expect(facts?.network).toBe('ECONNRESET');
  expect(retryVerdict(facts)).toEqual({ retry: true });
});

test('an aborted request fails as a timeout and does not wait for the answer', async () => {
  const controller = new AbortController();
  const pending = createHttpFetch()(`${base}/slow`, { signal: controller.signal });
  setImmediate(() => controller.abort(new DOMException('The operation timed out', 'TimeoutError')));
  const error = await pending.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(readFailure(error, 0)).toMatchObject({ network: 'TIMEOUT' });
});

test('gaxios’ own timeout reaches the request', async () => {
  const error = await gaxios()
    .request({ url: `${base}/slow`, timeout: 50 })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(readFailure(error, 0)).toMatchObject({ network: 'TIMEOUT' });
});

test('a stream body or a stream answer goes to the fallback', async () => {
  const calls: string[] = [];
  const fallback: FetchLike = (input, init) => {
    calls.push(String(input));
    return globalThis.fetch(input, init as RequestInit);
  };
  const fetchImpl = createHttpFetch(fallback);
  await fetchImpl(`${base}/echo`, { method: 'POST', body: Readable.from(['x']), duplex: 'half' } as never);
  await fetchImpl(`${base}/json`, { responseType: 'stream' });
  await fetchImpl(`${base}/json`);
  expect(calls).toEqual([`${base}/echo`, `${base}/json`]);
});
