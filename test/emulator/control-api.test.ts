/**
 * The control API refuses what a web page could forge, and the emulator command tells people how to use it.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEmulatorCommand, startEmulator, type RunningEmulator } from '../../lib/emulator';

/** A raw HTTP request (fetch cannot set Host), resolving with the status. */
function raw(url: string, method: string, headers: Record<string, string>, body = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('control API hardening', () => {
  let emulator: RunningEmulator;
  let port: string;
  beforeAll(async () => {
    emulator = await startEmulator();
    port = new URL(emulator.url).port;
  });
  afterAll(() => emulator.close());
  const reset = `/emulator/v1/reset`;

  // A cross-site form or text/plain POST needs no CORS preflight; a JSON content type does.
  test('fails a POST or PATCH without a JSON content type, and takes one with it', async () => {
    expect(await raw(emulator.url + reset, 'POST', {})).toBe(415);
    expect(await raw(emulator.url + reset, 'POST', { 'Content-Type': 'text/plain' })).toBe(415);
    expect(
      await raw(
        `${emulator.url}/emulator/v1/knobs`,
        'PATCH',
        { 'Content-Type': 'application/x-www-form-urlencoded' },
        'latencyMs=5',
      ),
    ).toBe(415);
    expect(await raw(emulator.url + reset, 'POST', { 'Content-Type': 'application/json; charset=utf-8' })).toBe(200);
    expect(emulator.control.knobs().latencyMs).toBe(0);
  });

  test('fails a request from a foreign Origin', async () => {
    const json = { 'Content-Type': 'application/json' };
    expect(await raw(emulator.url + reset, 'POST', { ...json, Origin: 'https://evil.example' })).toBe(403);
    expect(await raw(`${emulator.url}/emulator/v1/snapshot`, 'GET', { Origin: 'http://localhost:1' })).toBe(403);
    expect(await raw(emulator.url + reset, 'POST', { ...json, Origin: emulator.url })).toBe(200);
  });

  // DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 still sends Host: evil.example.
  test('fails a request whose Host is not the emulator on loopback', async () => {
    expect(await raw(`${emulator.url}/emulator/v1/snapshot`, 'GET', { Host: `evil.example:${port}` })).toBe(403);
    expect(await raw(`${emulator.url}/emulator/v1/snapshot`, 'GET', { Host: `localhost:${port}` })).toBe(200);
    expect(await raw(`${emulator.url}/emulator/v1/snapshot`, 'GET', { Host: `127.0.0.1:${port}` })).toBe(200);
  });

  test('does not log a client that hangs up mid-body as an internal error', async () => {
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      for (const path of ['/gmail/v1/users/me/settings/sendAs', '/emulator/v1/seed']) {
        await new Promise<void>((resolve) => {
          const socket = connect(Number(port), '127.0.0.1', () => {
            socket.write(
              `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":`,
            );
            setTimeout(() => socket.destroy(), 20);
          });
          socket.on('close', () => resolve());
        });
      }
      // The server is still there and answers.
      expect((await fetch(`${emulator.url}/emulator/v1/callCounts`)).status).toBe(200);
      expect(err.mock.calls.map((c) => String(c[0])).join('')).not.toMatch(/internal error/);
    } finally {
      err.mockRestore();
    }
  });
});

describe('mailpolicy emulator command', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailpolicy-emulator-cmd-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('prints the exports that point mailpolicy at it and writes a default key file (0600)', async () => {
    const lines: string[] = [];
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (lines.push(String(s)), true));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const running = runEmulatorCommand([]);
      while (!lines.join('').includes('Press Ctrl+C')) await new Promise((r) => setTimeout(r, 10));
      const text = lines.join('');
      const url = /export MAILPOLICY_EMULATOR_URL=(\S+)/.exec(text)![1];
      const keyFile = /export GOOGLE_APPLICATION_CREDENTIALS=(\S+)/.exec(text)![1];
      expect(text).toContain('export MAILPOLICY_ADMIN=admin@example.com');
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(keyFile).toBe(join(dir, '.mailpolicy', 'emulator-key.json'));
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(keyFile, 'utf8'))).toMatchObject({
        type: 'service_account',
        token_uri: `${url}/token`,
      });
      process.emit('SIGINT');
      expect(await running).toBe(0);
    } finally {
      process.chdir(cwd);
      out.mockRestore();
    }
  });

  test('warns when --host is not a loopback address', async () => {
    const errors: string[] = [];
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (errors.push(String(s)), true));
    try {
      // 192.0.2.1 (TEST-NET-1) is never a local address: the warning comes first, then listening fails.
      expect(await runEmulatorCommand(['--host', '192.0.2.1', '--write-credentials', join(dir, 'k.json')])).toBe(1);
      expect(errors.join('')).toMatch(/warning: --host 192\.0\.2\.1 is not a loopback address/);
      expect(errors.join('')).toMatch(/cannot start on 192\.0\.2\.1/);
    } finally {
      err.mockRestore();
    }
  });

  test('--allow-insecure-smtp-any-port sets the knob', async () => {
    const lines: string[] = [];
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (lines.push(String(s)), true));
    try {
      const running = runEmulatorCommand([
        '--allow-insecure-smtp-any-port',
        '--write-credentials',
        join(dir, 'k2.json'),
      ]);
      while (!lines.join('').includes('Press Ctrl+C')) await new Promise((r) => setTimeout(r, 10));
      const url = /listening on (\S+)/.exec(lines.join(''))![1];
      const knobs = (await (await fetch(`${url}/emulator/v1/knobs`)).json()) as { allowInsecureSmtpAnyPort: boolean };
      expect(knobs.allowInsecureSmtpAnyPort).toBe(true);
      process.emit('SIGINT');
      expect(await running).toBe(0);
    } finally {
      out.mockRestore();
    }
  });
});
