/**
 * One SMTP endpoint, step by step, from this machine: DNS, TCP connect, the SMTP session as `securityMode`
 * declares it (implicit TLS, STARTTLS or none) with the certificate checked for the host name, what EHLO offers,
 * and on request the AUTH itself. The session is nodemailer's SMTP client; the TLS handshake is allowed to finish
 * with an untrusted certificate so that the certificate can be described, and no credential is ever sent over
 * such a session. Every step is limited by `timeoutMs`.
 */
import { lookup } from 'node:dns/promises';
import { connect as netConnect, isIP } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, rootCertificates, type TLSSocket } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly securityMode: 'ssl' | 'starttls' | 'none';
}

export interface ProbeOptions {
  readonly timeoutMs: number;
  /** Certificates (PEM) to trust besides Node's bundled roots and NODE_EXTRA_CA_CERTS. */
  readonly extraCa: readonly string[];
}

export type Outcome<T> =
  ({ readonly ok: true } & T) | { readonly ok: false; readonly code?: string; readonly message: string };

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} timed out`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The addresses the host name resolves to (the system resolver, as every client on this machine). */
export async function resolveHost(host: string, timeoutMs: number): Promise<Outcome<{ addresses: string[] }>> {
  if (isIP(host)) return { ok: true, addresses: [host] };
  try {
    const found = await withTimeout(lookup(host, { all: true }), timeoutMs, 'DNS lookup');
    return { ok: true, addresses: [...new Set(found.map((a) => a.address))] };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return { ok: false, code: e.code, message: e.code ?? e.message };
  }
}

/** A TCP connection to host:port, closed at once. */
export function tcpConnect(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<Outcome<{ ms: number; address?: string }>> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve({ ok: false, code: 'ETIMEDOUT', message: `no answer within ${Math.round(timeoutMs / 1000)} s` });
    });
    socket.once('connect', () => {
      const address = socket.remoteAddress;
      socket.destroy();
      resolve({ ok: true, ms: Date.now() - started, ...(address ? { address } : {}) });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.destroy();
      resolve({ ok: false, code: err.code, message: err.code ?? err.message });
    });
  });
}

/** The server's certificate as the session saw it. */
export interface CertificateFacts {
  /** Trusted (chain to a trusted root) and valid for the host name. */
  readonly authorized: boolean;
  /** Node's verification error code (`ERR_TLS_CERT_ALTNAME_INVALID`, `DEPTH_ZERO_SELF_SIGNED_CERT`, …). */
  readonly error?: string;
  /** Node's message for a host-name mismatch (names the certificate's names). */
  readonly nameMismatch?: string;
  readonly subject?: string;
  readonly issuer?: string;
  readonly altNames?: string;
  /** Expiry, ISO date. */
  readonly validTo?: string;
}

/** What an SMTP session established. */
export interface SessionFacts {
  /** The session is encrypted (implicit TLS or after STARTTLS). */
  readonly secure: boolean;
  readonly protocol?: string;
  readonly certificate?: CertificateFacts;
  /** EHLO offers AUTH. */
  readonly authOffered: boolean;
  /** The AUTH mechanisms EHLO lists. */
  readonly mechanisms: readonly string[];
}

function tlsOptions(endpoint: Endpoint, options: ProbeOptions): Record<string, unknown> {
  return {
    rejectUnauthorized: false,
    ...(isIP(endpoint.host) ? {} : { servername: endpoint.host }),
    ...(options.extraCa.length > 0 ? { ca: [...rootCertificates, ...options.extraCa] } : {}),
  };
}

function connection(endpoint: Endpoint, options: ProbeOptions): SMTPConnection {
  return new SMTPConnection({
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.securityMode === 'ssl',
    requireTLS: endpoint.securityMode === 'starttls',
    ignoreTLS: endpoint.securityMode === 'none',
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    dnsTimeout: options.timeoutMs,
    tls: tlsOptions(endpoint, options),
  });
}

function certificateOf(socket: TLSSocket, host: string): CertificateFacts {
  const cert = socket.getPeerCertificate();
  const error = socket.authorizationError ? String(socket.authorizationError) : undefined;
  let nameMismatch: string | undefined;
  if (cert && Object.keys(cert).length > 0) {
    nameMismatch = checkServerIdentity(host, cert)?.message;
  }
  const validTo = cert?.valid_to ? new Date(cert.valid_to) : undefined;
  return {
    authorized: socket.authorized === true,
    ...(error ? { error } : {}),
    ...(nameMismatch ? { nameMismatch } : {}),
    ...(cert?.subject?.CN ? { subject: String(cert.subject.CN) } : {}),
    ...(cert?.issuer ? { issuer: String(cert.issuer.O ?? cert.issuer.CN ?? '') || undefined } : {}),
    ...(cert?.subjectaltname ? { altNames: cert.subjectaltname } : {}),
    ...(validTo && !Number.isNaN(validTo.getTime()) ? { validTo: validTo.toISOString().slice(0, 10) } : {}),
  };
}

function mechanismsOf(ehlo: string | false): string[] {
  if (!ehlo) return [];
  for (const line of ehlo.split(/\r?\n/)) {
    const m = /^\d{3}[ -]AUTH[ =](.*)$/i.exec(line.trim());
    if (m)
      return m[1]
        .split(/[\s=]+/)
        .filter((x) => x !== '')
        .map((x) => x.toUpperCase());
  }
  return [];
}

/** Runs `body` on a connected session and always closes it. */
async function withSession<T>(
  endpoint: Endpoint,
  options: ProbeOptions,
  body: (c: SMTPConnection) => Promise<T>,
): Promise<Outcome<{ value: T }>> {
  const c = connection(endpoint, options);
  // nodemailer reports connection and TLS failures through 'error' events rather than the callbacks.
  let fail: ((error: Error) => void) | undefined;
  c.on('error', (error: Error) => fail?.(error));
  try {
    await new Promise<void>((resolve, reject) => {
      fail = reject;
      c.connect(() => resolve());
    });
    const value = await new Promise<T>((resolve, reject) => {
      fail = reject;
      body(c).then(resolve, reject);
    });
    return { ok: true, value };
  } catch (error) {
    const e = error as Error & { code?: string };
    return { ok: false, code: e.code, message: (e.message || String(error)).replace(/\s+/g, ' ').trim() };
  } finally {
    try {
      c.quit();
    } catch {
      // already closed
    }
    c.close();
  }
}

/** Connects as `securityMode` says, reads EHLO and the certificate, and hangs up without logging in. */
export async function smtpSession(
  endpoint: Endpoint,
  options: ProbeOptions,
): Promise<Outcome<{ facts: SessionFacts }>> {
  const result = await withSession(endpoint, options, async (c): Promise<SessionFacts> => {
    const socket = c._socket;
    const secure = c.secure === true;
    const tlsSocket = secure && socket ? (socket as TLSSocket) : undefined;
    return {
      secure,
      ...(tlsSocket
        ? { protocol: tlsSocket.getProtocol() ?? undefined, certificate: certificateOf(tlsSocket, endpoint.host) }
        : {}),
      authOffered: c.allowsAuth === true,
      mechanisms: mechanismsOf(c.lastServerResponse),
    };
  });
  return result.ok ? { ok: true, facts: result.value } : result;
}

/**
 * Logs in with `user` / `pass` on a fresh session. Refuses to send them unless the session is encrypted with a
 * certificate trusted for the host name, or `securityMode` is `none` (which sends them in clear by declaration).
 */
export async function smtpLogin(
  endpoint: Endpoint,
  options: ProbeOptions,
  user: string,
  pass: string,
): Promise<Outcome<Record<never, never>>> {
  const result = await withSession(endpoint, options, (c) => {
    const socket = c._socket as TLSSocket | false | null;
    if (endpoint.securityMode !== 'none' && !(c.secure && socket && socket.authorized)) {
      return Promise.reject(
        Object.assign(new Error('not sent: the session is not secured by a trusted certificate'), { code: 'ENOTSENT' }),
      );
    }
    return new Promise<void>((resolve, reject) => c.login({ user, pass }, (err) => (err ? reject(err) : resolve())));
  });
  return result.ok ? { ok: true } : result;
}

/** Whether the port completes a TLS handshake right away (implicit TLS). */
export function speaksTls(endpoint: Endpoint, options: ProbeOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: endpoint.host, port: endpoint.port, ...tlsOptions(endpoint, options) });
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(options.timeoutMs, () => done(false));
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The first line the server sends on a plain connection, if any within the timeout. */
export function plainGreeting(endpoint: Endpoint, options: ProbeOptions): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: endpoint.host, port: endpoint.port });
    let text = '';
    const done = (answer: string | undefined): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(options.timeoutMs, () => done(text ? text.split(/\r?\n/)[0] : undefined));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.includes('\n')) done(text.split(/\r?\n/)[0].slice(0, 200));
    });
    socket.once('error', () => done(undefined));
    socket.once('end', () => done(text ? text.split(/\r?\n/)[0] : undefined));
  });
}
