/**
 * A real SMTP server on loopback standing in for a partner's outbound gateway (smtp-server from npm), in
 * `ssl` (implicit TLS), `starttls` or `none` mode, with fixed accounts. Used by tests and the quick-start demo.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createTestCertificate } from './test-certificate';

export interface SmtpStandInOptions {
  /** How the session is secured, as Gmail's `smtpMsa.securityMode`. */
  readonly mode: 'ssl' | 'starttls' | 'none';
  /** Accepted username → password pairs. */
  readonly accounts: Readonly<Record<string, string>>;
  /**
   * Certificate and key (PEM) for ssl/starttls.
   * @default - a fresh self-signed certificate from `createTestCertificate()` (pass its cert as `smtpCa`)
   */
  readonly tls?: { readonly key: string; readonly cert: string };
  /**
   * Interface to listen on.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * TCP port; 0 picks a free one.
   * @default 0
   */
  readonly port?: number;
}

export interface RunningSmtpStandIn {
  readonly host: string;
  readonly port: number;
  /** The certificate (PEM) served for ssl/starttls, to trust via `smtpCa`. */
  readonly cert: string | undefined;
  /** Messages received (DATA completed). */
  readonly received: number;
  /** Successful AUTH exchanges. */
  readonly authenticated: number;
  close(): Promise<void>;
}

export async function startSmtpStandIn(options: SmtpStandInOptions): Promise<RunningSmtpStandIn> {
  const tls = options.mode === 'none' ? undefined : (options.tls ?? createTestCertificate());
  let received = 0;
  let authenticated = 0;
  const server = new SMTPServer({
    secure: options.mode === 'ssl',
    ...(tls ? { key: tls.key, cert: tls.cert } : {}),
    hideSTARTTLS: options.mode === 'none',
    disabledCommands: options.mode === 'none' ? ['STARTTLS'] : [],
    allowInsecureAuth: options.mode === 'none',
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      const expected = auth.username !== undefined ? options.accounts[auth.username] : undefined;
      if (expected !== undefined && auth.password === expected) {
        authenticated++;
        callback(null, { user: auth.username });
      } else {
        callback(new Error('Authentication credentials invalid'));
      }
    },
    onData(stream, _session, callback) {
      stream.on('end', () => {
        received++;
        callback();
      });
      stream.resume();
    },
  });
  server.on('error', () => undefined);
  const host = options.host ?? '127.0.0.1';
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve(server.server.address() as AddressInfo));
  });
  return {
    host,
    port: address.port,
    cert: tls?.cert,
    get received() {
      return received;
    },
    get authenticated() {
      return authenticated;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
