/**
 * The Cloud Storage JSON API subset the gs state backend uses: buckets insert/get/list, objects insert (media and
 * multipart uploads), get (metadata or `alt=media`), list and delete, with generation and metageneration
 * preconditions. Routing, request checks and resources; the behaviour is described in BEHAVIOUR.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { boundaryOf, parseMultipart } from './multipart';
import { checkRead, checkWrite, parsePreconditions } from './preconditions';
import { StorageError, invalid, noSuchBucket, noSuchObject, required } from './storage-error';
import type { StorageState, StoredBucket, StoredObject } from './storage-state';

const MAX_BODY = 10 * 1024 * 1024;
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
const DEFAULT_PAGE = 1000;

interface Call {
  readonly state: StorageState;
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly body: Buffer;
  /** Base URL for selfLink/mediaLink. */
  readonly base: string;
}

interface Answer {
  readonly status: number;
  readonly json?: unknown;
  readonly media?: { readonly object: StoredObject };
}

/** Answers one HTTP request. */
export async function handleStorageRequest(
  state: StorageState,
  req: IncomingMessage,
  res: ServerResponse,
  base: string,
): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', base);
    const body = await readBody(req);
    send(res, route({ state, req, url, body, base }));
  } catch (error) {
    if (StorageError.isStorageError(error)) {
      send(res, { status: error.code, json: error.body() });
      return;
    }
    process.stderr.write(`storage emulator: ${(error as Error).stack ?? String(error)}\n`);
    send(res, { status: 500, json: new StorageError(500, 'backendError', 'Backend Error').body() });
  }
}

function route(call: Call): Answer {
  const method = call.req.method ?? 'GET';
  // The Node client sends metadata calls to `STORAGE_EMULATOR_HOST` without `/storage/v1`, so both forms are served.
  const path = call.url.pathname.replace(/^\/storage\/v1(?=\/)/, '');
  let m: RegExpExecArray | null;
  if ((m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path)) && method === 'POST')
    return objectsInsert(call, decode(m[1]));
  if ((m = /^\/download\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path)) && method === 'GET') {
    return objectsGet(call, decode(m[1]), decode(m[2]), true);
  }
  if (path === '/b' && method === 'POST') return bucketsInsert(call);
  if (path === '/b' && method === 'GET') return bucketsList(call);
  if ((m = /^\/b\/([^/]+)$/.exec(path)) && method === 'GET') return bucketsGet(call, decode(m[1]));
  if ((m = /^\/b\/([^/]+)\/o$/.exec(path)) && method === 'GET') return objectsList(call, decode(m[1]));
  if ((m = /^\/b\/([^/]+)\/o\/(.+)$/.exec(path))) {
    if (method === 'GET')
      return objectsGet(call, decode(m[1]), decode(m[2]), call.url.searchParams.get('alt') === 'media');
    if (method === 'DELETE') return objectsDelete(call, decode(m[1]), decode(m[2]));
  }
  throw new StorageError(404, 'notFound', 'Not Found');
}

function bucketsInsert(call: Call): Answer {
  const project = call.url.searchParams.get('project');
  if (!project) throw required('project');
  const resource = parseJson(call.body) as { name?: unknown } | undefined;
  const name = resource?.name;
  if (typeof name !== 'string' || name === '') throw required('resource.name');
  if (!BUCKET_NAME.test(name) || name.split('.').some((p) => p.length === 0 || p.length > 63)) {
    throw invalid(`Invalid bucket name: '${name}'`);
  }
  return { status: 200, json: bucketResource(call.state.createBucket(name, '0'), call.base) };
}

function bucketsGet(call: Call, name: string): Answer {
  return { status: 200, json: bucketResource(bucketOrThrow(call.state, name), call.base) };
}

function bucketsList(call: Call): Answer {
  if (!call.url.searchParams.get('project')) throw required('project');
  const items = call.state.bucketNames().map((n) => bucketResource(bucketOrThrow(call.state, n), call.base));
  return { status: 200, json: { kind: 'storage#buckets', ...(items.length ? { items } : {}) } };
}

function objectsList(call: Call, bucketName: string): Answer {
  const bucket = bucketOrThrow(call.state, bucketName);
  const q = call.url.searchParams;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const max = q.has('maxResults') ? Number(q.get('maxResults')) : DEFAULT_PAGE;
  if (!Number.isInteger(max) || max < 1) throw invalid(`Invalid value for maxResults: ${q.get('maxResults')}`);
  const after = q.get('pageToken')
    ? Buffer.from(q.get('pageToken') as string, 'base64url').toString('utf8')
    : undefined;
  const items: StoredObject[] = [];
  const prefixes = new Set<string>();
  let next: string | undefined;
  let last = '';
  for (const name of [...bucket.objects.keys()].sort()) {
    if (!name.startsWith(prefix) || (after !== undefined && name <= after)) continue;
    const cut = delimiter ? name.indexOf(delimiter, prefix.length) : -1;
    const folded = cut >= 0 ? name.slice(0, cut + delimiter.length) : undefined;
    if (folded !== undefined && prefixes.has(folded)) {
      last = name;
      continue;
    }
    if (items.length + prefixes.size >= max) {
      next = Buffer.from(last, 'utf8').toString('base64url');
      break;
    }
    if (folded !== undefined) prefixes.add(folded);
    else items.push(bucket.objects.get(name) as StoredObject);
    last = name;
  }
  return {
    status: 200,
    json: {
      kind: 'storage#objects',
      ...(next ? { nextPageToken: next } : {}),
      ...(prefixes.size ? { prefixes: [...prefixes] } : {}),
      ...(items.length ? { items: items.map((o) => objectResource(o, call.base)) } : {}),
    },
  };
}

function objectsGet(call: Call, bucketName: string, name: string, media: boolean): Answer {
  const live = call.state.bucket(bucketName)?.objects.get(name);
  const generation = call.url.searchParams.get('generation');
  if (!live || (generation !== null && generation !== String(live.generation))) throw noSuchObject(bucketName, name);
  if (checkRead(parsePreconditions(call.url.searchParams), live) === 'not-modified') return { status: 304 };
  return media ? { status: 200, media: { object: live } } : { status: 200, json: objectResource(live, call.base) };
}

function objectsDelete(call: Call, bucketName: string, name: string): Answer {
  const bucket = call.state.bucket(bucketName);
  const live = bucket?.objects.get(name);
  const generation = call.url.searchParams.get('generation');
  if (!bucket || !live || (generation !== null && generation !== String(live.generation))) {
    throw noSuchObject(bucketName, name);
  }
  checkWrite(parsePreconditions(call.url.searchParams), live);
  bucket.objects.delete(name);
  return { status: 204 };
}

function objectsInsert(call: Call, bucketName: string): Answer {
  const q = call.url.searchParams;
  const uploadType = q.get('uploadType');
  let name = q.get('name') ?? undefined;
  let contentType = call.req.headers['content-type'] ?? 'application/octet-stream';
  let data: Buffer;
  if (uploadType === 'media') {
    data = call.body;
  } else if (uploadType === 'multipart') {
    const boundary = boundaryOf(call.req.headers['content-type']);
    if (!boundary) throw invalid('Multipart upload needs a multipart/related body with a boundary.');
    const parts = parseMultipart(call.body, boundary);
    if (parts.length !== 2) throw invalid(`Multipart upload needs 2 parts (metadata, media), got ${parts.length}.`);
    const metadata = (parseJson(parts[0].body) ?? {}) as { name?: unknown; contentType?: unknown };
    if (name === undefined && typeof metadata.name === 'string') name = metadata.name;
    contentType = typeof metadata.contentType === 'string' ? metadata.contentType : parts[1].contentType;
    data = parts[1].body;
  } else if (uploadType === 'resumable') {
    throw new StorageError(
      400,
      'invalid',
      '((resumable uploads are not served by this emulator; use uploadType=media or multipart))',
    );
  } else {
    throw invalid(`Invalid upload type: ${uploadType ?? '(none)'}`);
  }
  if (!name) throw required('name');
  const bucket = bucketOrThrow(call.state, bucketName);
  checkWrite(parsePreconditions(q), bucket.objects.get(name));
  return { status: 200, json: objectResource(call.state.putObject(bucket, name, contentType, data), call.base) };
}

function bucketOrThrow(state: StorageState, name: string): StoredBucket {
  const bucket = state.bucket(name);
  if (!bucket) throw noSuchBucket();
  return bucket;
}

function bucketResource(bucket: StoredBucket, base: string): object {
  return {
    kind: 'storage#bucket',
    id: bucket.name,
    selfLink: `${base}/storage/v1/b/${encodeURIComponent(bucket.name)}`,
    projectNumber: bucket.projectNumber,
    name: bucket.name,
    timeCreated: bucket.timeCreated,
    updated: bucket.timeCreated,
    metageneration: '1',
    location: 'US',
    locationType: 'multi-region',
    storageClass: 'STANDARD',
    etag: 'CAE=',
  };
}

function objectResource(object: StoredObject, base: string): object {
  const path = `b/${encodeURIComponent(object.bucket)}/o/${encodeURIComponent(object.name)}`;
  const generation = String(object.generation);
  return {
    kind: 'storage#object',
    id: `${object.bucket}/${object.name}/${generation}`,
    selfLink: `${base}/storage/v1/${path}`,
    mediaLink: `${base}/download/storage/v1/${path}?generation=${generation}&alt=media`,
    name: object.name,
    bucket: object.bucket,
    generation,
    metageneration: String(object.metageneration),
    contentType: object.contentType,
    storageClass: 'STANDARD',
    size: String(object.data.length),
    md5Hash: object.md5Hash,
    crc32c: object.crc32c,
    etag: Buffer.from(`${generation}/${object.metageneration}`).toString('base64'),
    timeCreated: object.timeCreated,
    updated: object.timeCreated,
    timeStorageClassUpdated: object.timeCreated,
  };
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.headersSent || res.destroyed) return;
  if (answer.media) {
    const o = answer.media.object;
    res.writeHead(answer.status, {
      'Content-Type': o.contentType,
      'Content-Length': String(o.data.length),
      'x-goog-generation': String(o.generation),
      'x-goog-metageneration': String(o.metageneration),
      'x-goog-hash': `crc32c=${o.crc32c},md5=${o.md5Hash}`,
      'x-goog-stored-content-encoding': 'identity',
      'x-goog-stored-content-length': String(o.data.length),
    });
    res.end(o.data);
    return;
  }
  if (answer.json === undefined) {
    res.writeHead(answer.status);
    res.end();
    return;
  }
  res.writeHead(answer.status, { 'Content-Type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(answer.json));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () =>
      size > MAX_BODY
        ? reject(new StorageError(413, 'uploadTooLarge', '((this emulator accepts bodies up to 10 MiB))'))
        : resolve(Buffer.concat(chunks)),
    );
    req.on('error', reject);
  });
}

function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StorageError(400, 'parseError', 'Parse Error');
  }
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw invalid(`Invalid percent-encoding: ${value}`);
  }
}
