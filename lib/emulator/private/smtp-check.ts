/**
 * Real SMTP validation, as Gmail does before saving an `smtpMsa`: connect to host:port, secure the session the
 * way `securityMode` says (implicit TLS, STARTTLS or none) and authenticate. Each failing step has its own
 * message; no message ever contains the password.
 */
import { connect as netConnect } from 'node:net';
import { rootCertificates } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { ApiError } from './google-error';

export interface SmtpTarget {
  readonly host: string;
  readonly port: number;
  readonly securityMode: 'ssl' | 'starttls' | 'none';
  readonly username: string;
  readonly password: string;
}

function refused(message: string): ApiError {
  return new ApiError(400, 'invalidArgument', `SMTP validation failed: ${message}`);
}

function probe(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve('timed out');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** Validates the SMTP service; resolves when it accepts the credentials, else throws a 400 `ApiError`. */
export async function validateSmtp(target: SmtpTarget, ca: string | undefined, timeoutMs: number): Promise<void> {
  const where = `${target.host}:${target.port}`;
  const problem = await probe(target.host, target.port, timeoutMs);
  if (problem) throw refused(`could not connect to ${where} (${problem}).`);
  const connection = new SMTPConnection({
    host: target.host,
    port: target.port,
    secure: target.securityMode === 'ssl',
    ignoreTLS: target.securityMode === 'none',
    requireTLS: target.securityMode === 'starttls',
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    tls: { rejectUnauthorized: true, ...(ca ? { ca: [...rootCertificates, ca] } : {}) },
  });
  // nodemailer reports connection and TLS failures through 'error' events, not through callbacks.
  let failStep: ((err: Error) => void) | undefined;
  connection.on('error', (err: Error) => failStep?.(err));
  const step = (run: (done: (err?: Error | null) => void) => void): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      failStep = reject;
      run((err) => (err ? reject(err) : resolve()));
    });
  try {
    await step((done) => connection.connect(() => done())).catch((err: Error) => {
      const reason = err.message || 'unknown error';
      if (target.securityMode === 'none')
        throw refused(`no usable SMTP greeting from ${where} without TLS (securityMode none): ${reason}`);
      throw refused(`TLS negotiation with ${where} failed (securityMode ${target.securityMode}): ${reason}`);
    });
    await step((done) => connection.login({ user: target.username, pass: target.password }, (err) => done(err))).catch(
      (err: Error) => {
        throw refused(`${where} rejected the SMTP authentication (AUTH): ${err.message}`);
      },
    );
  } finally {
    connection.quit();
    connection.close();
  }
}
