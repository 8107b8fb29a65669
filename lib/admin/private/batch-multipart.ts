/**
 * The wire format of Google's batch requests (developers.google.com/gmail/api/guides/batch): a
 * `multipart/mixed` body whose parts are `application/http`, each holding one HTTP request; the answer is
 * `multipart/mixed` again, one `application/http` part per request holding its HTTP response, matched by
 * `Content-ID: response-<id>`. Built and read here without a library: the format is small, and the parser is
 * strict about what it needs (the boundary, each part's status line) and lenient about line endings.
 */
import { randomBytes } from 'node:crypto';

/** One call inside a batch. */
export interface BatchRequestPart {
  /** Unique within the batch; the answer names it as `response-<id>`. */
  readonly id: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path and query, `/gmail/v1/users/…`. */
  readonly path: string;
  /** Headers of this call only (its `Authorization`). Never logged: they hold bearer tokens. */
  readonly headers: Readonly<Record<string, string>>;
  /** A JSON body. @default - none */
  readonly body?: string;
}

/** One answer inside a batch response. */
export interface BatchResponsePart {
  /** The request's id (`response-` and angle brackets removed), when the part carried a `Content-ID`. */
  readonly id?: string;
  readonly status: number;
  /** Header names lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body text (JSON for the Gmail API). */
  readonly body: string;
}

/** Thrown when a batch answer cannot be read; the batch is then treated as failed as a whole. */
export class BatchFormatError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'BatchFormatError';
  }
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function checkHeader(name: string, value: string): void {
  if (!HEADER_NAME.test(name) || /[\r\n]/.test(value)) {
    throw new BatchFormatError(`a batch part header cannot be written: ${JSON.stringify(name)}`);
  }
}

/** The body and `Content-Type` of a batch request. */
export function buildBatchRequest(
  parts: readonly BatchRequestPart[],
  boundary = `batch_${randomBytes(16).toString('hex')}`,
): { contentType: string; body: string } {
  const out: string[] = [];
  for (const part of parts) {
    if (/[\s<>]/.test(part.id)) throw new BatchFormatError(`a batch part id cannot hold spaces or <>: ${part.id}`);
    if (/[\s]/.test(part.path) || !part.path.startsWith('/')) {
      throw new BatchFormatError(`a batch part path must start with / and hold no spaces`);
    }
    const headers = Object.entries(part.headers);
    for (const [name, value] of headers) checkHeader(name, value);
    const body = part.body ?? '';
    const lines = [
      `--${boundary}`,
      'Content-Type: application/http',
      `Content-ID: <${part.id}>`,
      '',
      `${part.method} ${part.path} HTTP/1.1`,
      ...headers.map(([name, value]) => `${name}: ${value}`),
      ...(body ? ['Content-Type: application/json; charset=UTF-8'] : []),
      '',
      body,
    ];
    out.push(lines.join('\r\n'));
  }
  out.push(`--${boundary}--`, '');
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: out.join('\r\n') };
}

/** The boundary parameter of a `multipart/mixed` content type. */
export function boundaryOf(contentType: string | null | undefined): string {
  const type = (contentType ?? '').trim();
  if (!/^multipart\/mixed\b/i.test(type)) {
    throw new BatchFormatError(`a batch answer must be multipart/mixed, not ${JSON.stringify(type.slice(0, 80))}`);
  }
  const m = /;\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(type);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw new BatchFormatError('the multipart/mixed batch answer names no boundary');
  return boundary;
}

/** Splits at the first empty line: header lines, and the rest. */
function splitHead(text: string): { head: string[]; rest: string } {
  const m = /\r?\n\r?\n/.exec(text);
  if (!m) return { head: text.split(/\r?\n/).filter((l) => l !== ''), rest: '' };
  return { head: text.slice(0, m.index).split(/\r?\n/), rest: text.slice(m.index + m[0].length) };
}

function headerMap(lines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

/** `<response-item1>` or `response-item1` → `item1`. */
function requestId(contentId: string | undefined): string | undefined {
  if (contentId === undefined) return undefined;
  const bare = /^<(.*)>$/.exec(contentId.trim())?.[1] ?? contentId.trim();
  return bare.startsWith('response-') ? bare.slice('response-'.length) : bare;
}

/**
 * The parts of a batch answer, in order. A delimiter is `--boundary` at the start of a line (RFC 2046 §5.1.1);
 * the line break before it belongs to the delimiter, not to the part. Throws `BatchFormatError` when the
 * answer is not a batch answer (no delimiter, a part without an HTTP status line).
 */
export function parseBatchResponse(contentType: string | null | undefined, text: string): BatchResponsePart[] {
  const boundary = boundaryOf(contentType);
  const delimiter = new RegExp(
    `(?:^|\\r?\\n)--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(--)?[ \\t]*(?=\\r?\\n|$)`,
    'g',
  );
  const parts: BatchResponsePart[] = [];
  let previousEnd = -1;
  let closed = false;
  for (let m = delimiter.exec(text); m; m = delimiter.exec(text)) {
    if (previousEnd >= 0) parts.push(readPart(text.slice(previousEnd, m.index), parts.length + 1));
    if (m[1] === '--') {
      closed = true;
      break;
    }
    previousEnd = m.index + m[0].length;
  }
  if (previousEnd < 0) throw new BatchFormatError('the batch answer holds no part delimiter');
  if (!closed) throw new BatchFormatError('the batch answer ends before its closing delimiter');
  return parts;
}

function readPart(raw: string, index: number): BatchResponsePart {
  const piece = raw.replace(/^\r?\n/, '');
  const outer = splitHead(piece);
  const partHeaders = headerMap(outer.head);
  const inner = splitHead(outer.rest);
  const statusLine = /^HTTP\/\d(?:\.\d)?\s+(\d{3})\b/.exec(inner.head[0] ?? '');
  if (!statusLine) throw new BatchFormatError(`part ${index} of the batch answer holds no HTTP status line`);
  return {
    id: requestId(partHeaders['content-id']),
    status: Number(statusLine[1]),
    headers: headerMap(inner.head.slice(1)),
    body: inner.rest,
  };
}
