/**
 * The control API under `/emulator/v1/…` (test knobs; never on Google's paths). It has no authentication, so
 * it refuses what a web page could forge: a request whose `Host` is not the emulator's own loopback address
 * (DNS rebinding), one with a foreign `Origin`, and a POST or PATCH without a JSON content type (a browser
 * sends a cross-site form or `text/plain` POST without asking first).
 */
import type { IncomingMessage } from 'node:http';
import type { Knobs } from '../emulator-types';
import type { HttpAnswer, ServerDeps } from './api-call';

function refusal(status: number, message: string): HttpAnswer {
  return { status, headers: {}, body: { error: { code: status, message } } };
}

/** Why a control request is refused, or undefined when it may proceed. */
export function controlRefusal(deps: ServerDeps, req: IncomingMessage): HttpAnswer | undefined {
  const allowed = deps.allowedHosts();
  const host = (req.headers.host ?? '').toLowerCase();
  if (!allowed.includes(host)) {
    return refusal(
      403,
      `The control API answers only requests addressed to the emulator itself (Host ${allowed.join(' or ')}); got Host ${JSON.stringify(host)}.`,
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !allowed.some((h) => origin.toLowerCase() === `http://${h}`)) {
    return refusal(403, `The control API refuses requests from other origins; got Origin ${JSON.stringify(origin)}.`);
  }
  if (req.method === 'POST' || req.method === 'PATCH') {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      return refusal(
        415,
        `The control API needs Content-Type: application/json on ${req.method}; got ${JSON.stringify(req.headers['content-type'] ?? '')}.`,
      );
    }
  }
  return undefined;
}

function parseBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  const value = JSON.parse(body) as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('The control API expects a JSON object.');
  }
  return value as Record<string, unknown>;
}

/** Runs one control operation (after `controlRefusal`); errors become 400 with their message. */
export function handleControl(deps: ServerDeps, verb: string, path: string, body: string): HttpAnswer {
  const c = deps.control;
  const key = `${verb} ${path.slice('/emulator/v1/'.length)}`;
  const done = (value: unknown = {}): HttpAnswer => ({ status: 200, headers: {}, body: value });
  try {
    switch (key) {
      case 'POST reset':
        c.reset();
        return done();
      case 'POST seed':
        c.seed(parseBody(body) as never);
        return done();
      case 'GET snapshot':
        return done(c.snapshot());
      case 'GET outbox':
        return done({ messages: c.outbox() });
      case 'POST verifications:accept': {
        const b = parseBody(body);
        c.acceptVerification(String(b.userEmail ?? ''), String(b.sendAsEmail ?? ''));
        return done();
      }
      case 'GET knobs':
        return done(c.knobs());
      case 'PATCH knobs':
        c.setKnobs(parseBody(body) as Partial<Knobs>);
        return done(c.knobs());
      case 'GET callCounts':
        return done(c.callCounts());
      case 'GET oneShotFaults':
        return done({ armed: c.armedFaults() });
      case 'POST oneShotFaults':
        c.armFault(parseBody(body) as never);
        return done({ armed: c.armedFaults() });
      case 'POST oneShotFaults:clear':
        c.clearFaults();
        return done({ armed: [] });
      case 'POST tokens:expire':
        c.expireTokens();
        return done();
      case 'POST serviceAccountKeys': {
        const scopes = parseBody(body).scopes;
        return done(deps.createKey(Array.isArray(scopes) ? scopes.map(String) : undefined));
      }
      default:
        return refusal(404, `No control operation ${key}; see lib/emulator/BEHAVIOUR.md.`);
    }
  } catch (err) {
    return refusal(400, err instanceof Error ? err.message : String(err));
  }
}
