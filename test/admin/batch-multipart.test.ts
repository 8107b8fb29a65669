/**
 * The batch wire format on its own: what we build is one `application/http` part per call with its own
 * headers, and what Google answers (its guide's example, bare LF line endings, parts out of order) is read
 * back per part; what is not a batch answer is refused rather than half read.
 */
import {
  BatchFormatError,
  boundaryOf,
  buildBatchRequest,
  parseBatchResponse,
} from '../../lib/admin/private/batch-multipart';

test('a request holds one application/http part per call, each with its own headers, and a closing delimiter', () => {
  const { contentType, body } = buildBatchRequest(
    [
      {
        id: 'item-0',
        method: 'GET',
        path: '/gmail/v1/users/a%40x.example/settings/sendAs',
        headers: { Authorization: 'Bearer A' },
      },
      {
        id: 'item-1',
        method: 'GET',
        path: '/gmail/v1/users/b%40x.example/settings/sendAs',
        headers: { Authorization: 'Bearer B' },
      },
    ],
    'b0und',
  );
  expect(contentType).toBe('multipart/mixed; boundary=b0und');
  expect(body).toBe(
    [
      '--b0und',
      'Content-Type: application/http',
      'Content-ID: <item-0>',
      '',
      'GET /gmail/v1/users/a%40x.example/settings/sendAs HTTP/1.1',
      'Authorization: Bearer A',
      '',
      '',
      '--b0und',
      'Content-Type: application/http',
      'Content-ID: <item-1>',
      '',
      'GET /gmail/v1/users/b%40x.example/settings/sendAs HTTP/1.1',
      'Authorization: Bearer B',
      '',
      '',
      '--b0und--',
      '',
    ].join('\r\n'),
  );
});

test('a header that would break the part (a line break in a value) is refused', () => {
  expect(() =>
    buildBatchRequest([
      { id: 'x', method: 'GET', path: '/gmail/v1/x', headers: { Authorization: 'Bearer A\r\nX: y' } },
    ]),
  ).toThrow(BatchFormatError);
  expect(() => buildBatchRequest([{ id: 'x y', method: 'GET', path: '/gmail/v1/x', headers: {} }])).toThrow(
    BatchFormatError,
  );
});

// The answer of the Gmail batch guide (developers.google.com/gmail/api/guides/batch), its parts' bodies shortened.
const GUIDE_ANSWER = [
  '--batch_foobarbaz',
  'Content-Type: application/http',
  'Content-ID: <response-item1:12930812@barnyard.example.com>',
  '',
  'HTTP/1.1 200 OK',
  'Content-Type application/json',
  'Content-Length: 45',
  'ETag: "etag/pony"',
  '',
  '{',
  '  "kind": "farm#animal",',
  '  "etag": "etag/pony"',
  '}',
  '',
  '--batch_foobarbaz',
  'Content-Type: application/http',
  'Content-ID: <response-item2:12930812@barnyard.example.com>',
  '',
  'HTTP/1.1 304 Not Modified',
  'ETag: "etag/animals"',
  '',
  '--batch_foobarbaz--',
  '',
].join('\r\n');

test('the guide’s example answer reads as its parts with their ids, statuses, headers and bodies', () => {
  const parts = parseBatchResponse('multipart/mixed; boundary=batch_foobarbaz', GUIDE_ANSWER);
  expect(parts).toHaveLength(2);
  expect(parts[0]).toMatchObject({ id: 'item1:12930812@barnyard.example.com', status: 200 });
  expect(parts[0].headers.etag).toBe('"etag/pony"');
  expect(JSON.parse(parts[0].body)).toEqual({ kind: 'farm#animal', etag: 'etag/pony' });
  expect(parts[1]).toMatchObject({ id: 'item2:12930812@barnyard.example.com', status: 304, body: '' });
});

test('bare LF line endings, a quoted boundary and a preamble read the same', () => {
  const lf = `preamble text\n${GUIDE_ANSWER.replace(/\r\n/g, '\n')}`;
  const parts = parseBatchResponse('multipart/mixed; boundary="batch_foobarbaz"', lf);
  expect(parts.map((p) => p.status)).toEqual([200, 304]);
  expect(JSON.parse(parts[0].body)).toMatchObject({ kind: 'farm#animal' });
});

test('a body line that only starts like the boundary does not split the part', () => {
  const text = [
    '--b',
    'Content-Type: application/http',
    '',
    'HTTP/1.1 200 OK',
    '',
    '{"signature":"--b is not a delimiter here"}',
    '--bb',
    '--b--',
  ].join('\r\n');
  const parts = parseBatchResponse('multipart/mixed; boundary=b', text);
  expect(parts).toHaveLength(1);
  expect(parts[0].body).toBe('{"signature":"--b is not a delimiter here"}\r\n--bb');
});

test('what is not a whole batch answer is refused', () => {
  expect(() => boundaryOf('application/json')).toThrow(/multipart\/mixed/);
  expect(() => boundaryOf('multipart/mixed')).toThrow(/boundary/);
  expect(() => parseBatchResponse('multipart/mixed; boundary=x', '<html>proxy error</html>')).toThrow(/delimiter/);
  const truncated = GUIDE_ANSWER.slice(0, GUIDE_ANSWER.indexOf('--batch_foobarbaz--'));
  expect(() => parseBatchResponse('multipart/mixed; boundary=batch_foobarbaz', truncated)).toThrow(/closing/);
  const noStatus = '--x\r\nContent-Type: application/http\r\n\r\nnot http\r\n--x--\r\n';
  expect(() => parseBatchResponse('multipart/mixed; boundary=x', noStatus)).toThrow(/status line/);
});
