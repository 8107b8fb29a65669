/**
 * `POST /batch/gmail/v1`, exactly as Google's Gmail batch guide (developers.google.com/gmail/api/guides/batch)
 * documents it. The Node clients have no batch support (google-api-nodejs-client #2530), so the requests are
 * written by hand here, as the guide shows them.
 */
import { startEmulator, type RunningEmulator } from '../../lib/emulator';
import { clientsFor } from './emulator-clients';

interface InnerRequest {
  readonly id?: string;
  readonly line: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

/** A multipart/mixed batch body in the guide's format. */
function batchBody(boundary: string, parts: readonly InnerRequest[]): string {
  const out = parts.map((p) => {
    const json = p.body === undefined ? '' : JSON.stringify(p.body);
    const inner = [
      p.line,
      ...Object.entries({ ...(json ? { 'Content-Type': 'application/json' } : {}), ...p.headers }).map(
        ([k, v]) => `${k}: ${v}`,
      ),
    ];
    const head = ['Content-Type: application/http', ...(p.id ? [`Content-ID: ${p.id}`] : [])];
    return `--${boundary}\r\n${head.join('\r\n')}\r\n\r\n${inner.join('\r\n')}\r\n\r\n${json}\r\n`;
  });
  return `${out.join('')}--${boundary}--\r\n`;
}

interface InnerResponse {
  readonly contentId?: string;
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
}

/** Parses the multipart/mixed answer into its parts. */
function parseAnswer(contentType: string, text: string): InnerResponse[] {
  const boundary = /boundary=([^;\s]+)/.exec(contentType)![1];
  return text
    .split(`--${boundary}`)
    .slice(1)
    .filter((p) => !p.startsWith('--'))
    .map((p) => {
      const [partHead, http] = p.replace(/^\r\n/, '').split('\r\n\r\n', 2);
      const rest = p.slice(p.indexOf('\r\n\r\n') + 4);
      const statusLine = /^HTTP\/1\.1 (\d+)/.exec(http)!;
      const body = rest.slice(rest.indexOf('\r\n\r\n') + 4).trim();
      return {
        contentId: /Content-ID: (.*)/.exec(partHead)?.[1].trim(),
        status: Number(statusLine[1]),
        body: body ? (JSON.parse(body) as Record<string, unknown>) : undefined,
      };
    });
}

describe('Gmail batch endpoint', () => {
  let emulator: RunningEmulator;
  let tokens: { ann: string; bob: string };
  const boundary = 'batch_foobarbaz';
  beforeAll(async () => {
    emulator = await startEmulator({ randomSeed: 3 });
  });
  beforeEach(async () => {
    emulator.control.seed({
      customerId: 'C01demo00',
      domains: ['example.com'],
      users: [
        { primaryEmail: 'admin@example.com', isAdmin: true },
        { primaryEmail: 'ann@example.com', aliases: ['ann.sales@example.com', 'ann.2@example.com'] },
        { primaryEmail: 'bob@example.com', aliases: ['bob.sales@example.com'] },
      ],
    });
    const key = emulator.createServiceAccountKey();
    const token = async (user: string) => (await clientsFor(emulator, key, user).auth.getAccessToken()).token!;
    tokens = { ann: await token('ann@example.com'), bob: await token('bob@example.com') };
  });
  afterAll(() => emulator.close());

  const post = async (parts: readonly InnerRequest[], authorization?: string, body?: string) => {
    const res = await fetch(`${emulator.url}/batch/gmail/v1`, {
      method: 'POST',
      headers: {
        'Content-Type': `multipart/mixed; boundary=${boundary}`,
        ...(authorization ? { Authorization: authorization } : {}),
      },
      body: body ?? batchBody(boundary, parts),
    });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, type, parts: type.startsWith('multipart/mixed') ? parseAnswer(type, text) : [], text };
  };

  // Guide: "if you provide an Authorization header for a specific call, then that header applies only to that
  // call" (quoted in google-api-php-client #2418); outer headers apply to every other part; the response keeps
  // the order and answers each part with Content-ID response-<id>.
  test('runs each part as its own call, with per-part Authorization, in order', async () => {
    const before = emulator.control.callCounts();
    const res = await post(
      [
        { id: '<item1:12930812@barnyard.example.com>', line: 'GET /gmail/v1/users/me/settings/sendAs HTTP/1.1' },
        {
          id: 'item2',
          line: 'POST /gmail/v1/users/me/settings/sendAs',
          headers: { Authorization: `Bearer ${tokens.bob}` },
          body: { sendAsEmail: 'bob.sales@example.com', displayName: 'Bob Sales' },
        },
        { id: 'item3', line: 'GET /gmail/v1/users/ann@example.com/settings/sendAs/nobody@example.com' },
      ],
      `Bearer ${tokens.ann}`,
    );
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^multipart\/mixed; boundary=/);
    expect(res.parts.map((p) => [p.contentId, p.status])).toEqual([
      ['<response-item1:12930812@barnyard.example.com>', 200],
      ['response-item2', 200],
      ['response-item3', 404],
    ]);
    expect(res.parts[0].body).toEqual({ sendAs: [expect.objectContaining({ sendAsEmail: 'ann@example.com' })] });
    expect(res.parts[1].body).toMatchObject({ sendAsEmail: 'bob.sales@example.com', verificationStatus: 'accepted' });
    expect(res.parts[2].body).toMatchObject({ error: { code: 404, errors: [{ reason: 'notFound' }] } });
    const bob = clientsFor(emulator, emulator.createServiceAccountKey(), 'bob@example.com').gmail;
    expect((await bob.users.settings.sendAs.list({ userId: 'me' })).data.sendAs).toHaveLength(2);
    const after = emulator.control.callCounts();
    expect(after['gmail.users.settings.sendAs.list'] - (before['gmail.users.settings.sendAs.list'] ?? 0)).toBe(2);
    expect(after['gmail.users.settings.sendAs.get'] - (before['gmail.users.settings.sendAs.get'] ?? 0)).toBe(1);
  });

  // Each part is authorised on its own: a part without any credential gets the 401 a plain call would get.
  test('authorises each part: a part with no credential is answered 401 alone', async () => {
    const res = await post([
      { id: 'a', line: 'GET /gmail/v1/users/me/settings/sendAs', headers: { Authorization: `Bearer ${tokens.ann}` } },
      { id: 'b', line: 'GET /gmail/v1/users/me/settings/sendAs' },
      {
        id: 'c',
        line: 'GET /gmail/v1/users/ann@example.com/settings/sendAs',
        headers: { Authorization: `Bearer ${tokens.bob}` },
      },
    ]);
    expect(res.parts.map((p) => p.status)).toEqual([200, 401, 403]);
    expect(res.parts[1].body).toMatchObject({ error: { errors: [{ reason: 'required' }] } });
    expect(res.parts[2].body).toMatchObject({ error: { message: 'Delegation denied for bob@example.com' } });
  });

  // Guide: "A set of n requests batched together counts toward your usage limit as n requests"; each part is
  // charged to its own user.
  test('charges each part to its user quota', async () => {
    emulator.control.setKnobs({ quotaUserPerMinute: 150 });
    try {
      const create = (sendAsEmail: string, token: string): InnerRequest => ({
        line: 'POST /gmail/v1/users/me/settings/sendAs',
        headers: { Authorization: `Bearer ${token}` },
        body: { sendAsEmail },
      });
      const res = await post([
        create('ann.sales@example.com', tokens.ann),
        create('ann.2@example.com', tokens.ann),
        create('bob.sales@example.com', tokens.bob),
      ]);
      expect(res.parts.map((p) => p.status)).toEqual([200, 429, 200]);
      expect(res.parts[1].body).toMatchObject({ error: { errors: [{ reason: 'userRateLimitExceeded' }] } });
    } finally {
      emulator.control.setKnobs({ quotaUserPerMinute: undefined });
    }
  });

  // Each part is fault-injected as its own call (the emulator's fault knobs, per method id).
  test('injects faults per part', async () => {
    emulator.control.setKnobs({ faults: { methods: { 'gmail.users.settings.sendAs.get': { '503': 1 } } } });
    try {
      const res = await post(
        [
          { line: 'GET /gmail/v1/users/me/settings/sendAs' },
          { line: 'GET /gmail/v1/users/me/settings/sendAs/ann@example.com' },
        ],
        `Bearer ${tokens.ann}`,
      );
      expect(res.parts.map((p) => p.status)).toEqual([200, 503]);
    } finally {
      emulator.control.setKnobs({ faults: {} });
    }
  });

  // Guide: "You're limited to 100 calls in a single batch request."
  test('fails on more than 100 parts and on a body that is not multipart/mixed', async () => {
    const many = Array.from({ length: 101 }, () => ({ line: 'GET /gmail/v1/users/me/settings/sendAs' }));
    const tooMany = await post(many, `Bearer ${tokens.ann}`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.text).toMatch(/at most 100 calls/);
    expect((await post(many.slice(0, 100), `Bearer ${tokens.ann}`)).parts).toHaveLength(100);
    const res = await fetch(`${emulator.url}/batch/gmail/v1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(400);
  });
});
