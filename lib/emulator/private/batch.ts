/**
 * Gmail batch requests (`POST /batch/gmail/v1`), as Google's Gmail batch guide documents them: a
 * `multipart/mixed` body of at most 100 parts, each `Content-Type: application/http` holding one HTTP request
 * (request line with the path, headers, body). Headers of the outer request other than `Content-*` apply to
 * every part; an `Authorization` header inside a part applies only to that part. Each part runs as its own
 * call (counted, authorised, quota-charged, fault-injected), in order. The answer is `multipart/mixed` with one
 * `application/http` part per request, in the same order, `Content-ID: response-<id>`.
 */
import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { errorAnswer, runApiCall, type HttpAnswer, type ServerDeps } from './api-call';
import { ApiError } from './google-error';

export const BATCH_PATH = '/batch/gmail/v1';
const MAX_PARTS = 100;

interface Part {
  readonly contentId?: string;
  readonly verb: string;
  readonly target: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

function badBatch(message: string): ApiError {
  return new ApiError(400, 'badRequest', message);
}

/** Splits `text` at its first empty line into header lines and the rest. */
function splitHead(text: string): { head: string[]; rest: string } {
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const rest = m ? text.slice(m.index + m[0].length) : '';
  return { head: head.split(/\r?\n/).filter((l) => l !== ''), rest };
}

function headerMap(lines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

function boundaryOf(contentType: string | undefined): string {
  const type = contentType ?? '';
  if (!/^multipart\/mixed\b/i.test(type.trim())) {
    throw badBatch('A batch request must have Content-Type multipart/mixed with a boundary.');
  }
  const m = /;\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(type);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw badBatch('The multipart/mixed Content-Type of a batch request needs a boundary parameter.');
  return boundary;
}

function parseParts(body: string, boundary: string): Part[] {
  const delimiter = `--${boundary}`;
  const pieces = body.split(delimiter);
  // pieces[0] is the preamble; the piece after the closing delimiter starts with "--".
  const parts: Part[] = [];
  for (const raw of pieces.slice(1)) {
    if (raw.startsWith('--')) break;
    const piece = raw.replace(/^[ \t]*\r?\n/, '').replace(/\r?\n$/, '');
    const outer = splitHead(piece);
    const partHeaders = headerMap(outer.head);
    if (!/^application\/http\b/i.test(partHeaders['content-type'] ?? '')) {
      throw badBatch(
        `Each part of a batch request must have Content-Type application/http (part ${parts.length + 1}).`,
      );
    }
    const inner = splitHead(outer.rest);
    const requestLine = /^([A-Z]+)\s+(\S+)(?:\s+HTTP\/\d(?:\.\d)?)?$/.exec(inner.head[0] ?? '');
    if (!requestLine) throw badBatch(`Part ${parts.length + 1} of the batch request holds no HTTP request line.`);
    const cid = partHeaders['content-id'];
    parts.push({
      contentId: cid,
      verb: requestLine[1],
      target: requestLine[2],
      headers: headerMap(inner.head.slice(1)),
      body: inner.rest,
    });
  }
  return parts;
}

/** `<item1@x>` → `<response-item1@x>`, `item1` → `response-item1`. */
function responseId(contentId: string): string {
  const m = /^<(.*)>$/.exec(contentId);
  return m ? `<response-${m[1]}>` : `response-${contentId}`;
}

function renderPart(answer: HttpAnswer, contentId: string | undefined): string {
  const json = answer.body === undefined ? '' : JSON.stringify(answer.body);
  const head = [
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}`.trimEnd(),
    ...(json ? ['Content-Type: application/json; charset=UTF-8'] : []),
    ...Object.entries(answer.headers).map(([k, v]) => `${k}: ${v}`),
    `Content-Length: ${Buffer.byteLength(json)}`,
  ];
  const partHead = ['Content-Type: application/http', ...(contentId ? [`Content-ID: ${responseId(contentId)}`] : [])];
  return `${partHead.join('\r\n')}\r\n\r\n${head.join('\r\n')}\r\n\r\n${json}\r\n`;
}

/** Runs a batch; the multipart answer, or 'reset' when an injected fault drops the connection. */
export async function runBatch(
  deps: ServerDeps,
  headers: Record<string, string | string[] | undefined>,
  body: string,
): Promise<{ contentType: string; text: string } | 'reset'> {
  const parts = parseParts(body, boundaryOf(headers['content-type'] as string | undefined));
  if (parts.length === 0) throw badBatch('A batch request must contain at least one part.');
  if (parts.length > MAX_PARTS) {
    throw badBatch(`A batch request may contain at most ${MAX_PARTS} calls; this one contains ${parts.length}.`);
  }
  const outerAuthorization = headers.authorization as string | undefined;
  const rendered: string[] = [];
  for (const part of parts) {
    const url = new URL(part.target, 'http://emulator.invalid');
    let answer: HttpAnswer | 'reset';
    if (!url.pathname.startsWith('/gmail/v1/')) {
      answer = errorAnswer(
        new ApiError(404, 'notFound', `The Gmail batch endpoint serves Gmail calls only, not ${url.pathname}.`),
        'gmail',
      );
    } else {
      answer = await runApiCall(deps, {
        verb: part.verb,
        path: url.pathname,
        query: url.searchParams,
        authorization: part.headers.authorization ?? outerAuthorization,
        body: part.body,
      });
    }
    if (answer === 'reset') return 'reset';
    rendered.push(renderPart(answer, part.contentId));
  }
  const boundary = `batch_${randomBytes(12).toString('hex')}`;
  const text = `${rendered.map((p) => `--${boundary}\r\n${p}`).join('')}--${boundary}--\r\n`;
  return { contentType: `multipart/mixed; boundary=${boundary}`, text };
}
