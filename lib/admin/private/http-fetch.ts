/**
 * A `fetch` for gaxios over `node:http`/`node:https` with keep-alive agents. Node's own `fetch` (undici, WHATWG
 * streams, a wasm HTTP parser) spent about 2 ms of CPU per request in a large plan's profile, more than the RS256
 * signature of the token exchange; this path does the same requests for a fraction of it. It covers what the
 * client sends (no body, a string, a Buffer, URLSearchParams; JSON, text or binary answers); anything else
 * (stream bodies or answers, FormData, Blob) goes to `fallback`, Node's fetch. Redirects are not followed (the
 * Google APIs we call do not redirect; a 3xx comes back as it is). gzip, deflate and br answers are decoded.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** What gaxios hands its `fetchImplementation` (the prepared options, gaxios' own fields included). */
export interface FetchInit {
  readonly method?: string;
  readonly headers?: ConstructorParameters<typeof Headers>[0];
  readonly body?: unknown;
  readonly signal?: AbortSignal | null;
  /** gaxios' agent (a proxy or mTLS agent it built): used instead of ours when present. */
  readonly agent?: unknown;
  readonly responseType?: string;
}

export type FetchLike = (input: string | URL, init?: FetchInit) => Promise<Response>;

/** The subset of `Response` gaxios and the client read; `text()`, `json()` and `arrayBuffer()` read one buffer. */
class BufferedResponse {
  public readonly ok: boolean;
  public readonly redirected = false;
  public readonly type = 'basic';
  public bodyUsed = false;

  public constructor(
    public readonly status: number,
    public readonly statusText: string,
    public readonly headers: Headers,
    public readonly url: string,
    private readonly buffer: Buffer,
  ) {
    this.ok = status >= 200 && status < 300;
  }

  public text(): Promise<string> {
    this.bodyUsed = true;
    return Promise.resolve(this.buffer.toString('utf8'));
  }

  public async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  public arrayBuffer(): Promise<ArrayBuffer> {
    this.bodyUsed = true;
    const b = this.buffer;
    return Promise.resolve(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  }

  public blob(): Promise<Blob> {
    this.bodyUsed = true;
    return Promise.resolve(new Blob([this.buffer]));
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException('This operation was aborted', 'AbortError');
}

/** The request body as bytes or text, its implied content type, or `undefined` when this path cannot send it. */
function plainBody(body: unknown): { data?: string | Buffer; contentType?: string } | undefined {
  if (body === undefined || body === null) return {};
  if (typeof body === 'string') return { data: body, contentType: 'text/plain;charset=UTF-8' };
  if (Buffer.isBuffer(body)) return { data: body };
  if (body instanceof URLSearchParams) {
    return { data: body.toString(), contentType: 'application/x-www-form-urlencoded;charset=UTF-8' };
  }
  if (ArrayBuffer.isView(body)) return { data: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
  if (body instanceof ArrayBuffer) return { data: Buffer.from(body) };
  return undefined;
}

function decoded(res: IncomingMessage): NodeJS.ReadableStream {
  const encoding = String(res.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') return res.pipe(createGunzip());
  if (encoding === 'deflate') return res.pipe(createInflate());
  if (encoding === 'br') return res.pipe(createBrotliDecompress());
  return res;
}

function responseHeaders(res: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  return headers;
}

/** Creates the fetch; `fallback` serves the requests this path does not cover. */
export function createHttpFetch(fallback: FetchLike = globalThis.fetch as FetchLike): FetchLike {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true }),
    'https:': new HttpsAgent({ keepAlive: true }),
  };
  return (input, init = {}) => {
    const url = typeof input === 'string' ? new URL(input) : input;
    const body = plainBody(init.body);
    const protocol = url.protocol as 'http:' | 'https:';
    if (body === undefined || init.responseType === 'stream' || !(protocol in agents)) return fallback(input, init);
    const headers = new Headers(init.headers);
    if (body.contentType && !headers.has('content-type')) headers.set('content-type', body.contentType);
    if (!headers.has('accept-encoding')) headers.set('accept-encoding', 'gzip, deflate, br');
    const outgoing: Record<string, string> = {};
    headers.forEach((value, name) => {
      outgoing[name] = value;
    });
    if (body.data !== undefined) outgoing['content-length'] = String(Buffer.byteLength(body.data));
    const options: RequestOptions = {
      method: init.method ?? 'GET',
      headers: outgoing,
      agent: (init.agent as HttpAgent | undefined) ?? agents[protocol],
    };
    const signal = init.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const send = protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(url, options, (res) => {
        const chunks: Buffer[] = [];
        const stream = decoded(res);
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', (error) => finish(error));
        stream.on('end', () => {
          const status = res.statusCode ?? 0;
          const response = new BufferedResponse(
            status,
            res.statusMessage ?? '',
            responseHeaders(res),
            url.href,
            chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
          );
          finish(undefined, response as unknown as Response);
        });
        res.on('error', (error) => finish(error));
      });
      const onAbort = (): void => {
        req.destroy(abortReason(signal!));
      };
      function finish(error: Error | undefined, response?: Response): void {
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(response!);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error) => finish(error));
      req.end(body.data);
    });
  };
}
