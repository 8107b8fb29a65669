/**
 * A loopback HTTP forwarder in front of the emulator that can hold requests: a command pointed at it runs
 * normally until it sends a request matching the gate, which waits until `release()`. Tests use it to stop a
 * command at a known point (for example holding its state lock mid-apply) without relying on timing.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GateProxy {
  /** The proxy's base URL (use it as MAILPOLICY_EMULATOR_URL). */
  readonly url: string;
  /** Resolves once a request matching the gate is being held. */
  held(): Promise<void>;
  /** Lets held requests (and later ones) through. */
  release(): void;
  close(): Promise<void>;
}

/** Starts a forwarder to `target` that holds requests whose `METHOD path` matches `gate`. */
export async function startGateProxy(target: string, gate: RegExp): Promise<GateProxy> {
  const upstream = new URL(target);
  let open = false;
  const waiting: Array<() => void> = [];
  let notifyHeld: () => void = () => undefined;
  const heldOnce = new Promise<void>((resolve) => (notifyHeld = resolve));

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    out.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (open || !gate.test(`${req.method} ${req.url}`)) return forward(req, res, body);
      waiting.push(() => forward(req, res, body));
      notifyHeld();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    held: () => heldOnce,
    release() {
      open = true;
      for (const go of waiting.splice(0)) go();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
