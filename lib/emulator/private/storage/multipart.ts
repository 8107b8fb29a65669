import { invalid } from './storage-error';

/** One part of a `multipart/related` body. */
export interface BodyPart {
  readonly contentType: string;
  readonly body: Buffer;
}

/** The boundary of a `multipart/related; boundary=…` content type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/related\b/i.test(contentType)) return undefined;
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : undefined;
}

/** Splits a `multipart/related` body into its parts (RFC 2046 framing: `--boundary` lines, `--boundary--` at the end). */
export function parseMultipart(body: Buffer, boundary: string): BodyPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: BodyPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw invalid('Multipart body has no boundary delimiter.');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, at);
    if (next < 0) throw invalid('Multipart body is not terminated.');
    let part = body.subarray(at, next);
    part = part.subarray(part.indexOf('\n') + 1); // the rest of the delimiter line
    const headerEnd = part.indexOf('\r\n\r\n');
    const [headerLength, gap] = headerEnd >= 0 ? [headerEnd, 4] : [part.indexOf('\n\n'), 2];
    if (headerLength < 0) throw invalid('Multipart part has no header end.');
    const headers = part.subarray(0, headerLength).toString('utf8');
    let content = part.subarray(headerLength + gap);
    if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2);
    else if (content.subarray(-1).toString() === '\n') content = content.subarray(0, -1);
    const type = /^content-type:\s*(.+)$/im.exec(headers)?.[1]?.trim() ?? 'application/octet-stream';
    parts.push({ contentType: type, body: content });
    at = next;
  }
  return parts;
}
