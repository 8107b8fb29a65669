/**
 * Every SMTP endpoint the code declares, checked from this machine the way Gmail checks it when it saves a send-as
 * address with `smtpMsa`: the name resolves, the port accepts a connection, the session is secured as
 * `securityMode` says, the certificate is trusted and names the host, EHLO offers AUTH — and, with
 * `checkCredentials`, the declared credentials log in. Secret values are resolved only for that last step and
 * never appear in a check: any text that came back from the server is scrubbed of them.
 */
import { isIP } from 'node:net';

import { ErrorCodes } from '../model/errors';
import type { Manifest, SecretRef } from '../model/manifest';
import { resolveSecret } from '../model/secret-ref';
import { mapLimited } from '../util/concurrency';
import type { DoctorCheck } from './doctor-report';
import { scrubSecrets } from './scrub-secrets';
import {
  plainGreeting,
  resolveHost,
  smtpLogin,
  smtpSession,
  speaksTls,
  tcpConnect,
  type Endpoint,
  type ProbeOptions,
  type SessionFacts,
} from './private/smtp-probe';

/** What Gmail sees differs from what this machine sees: printed under the group's heading. */
export const SMTP_VANTAGE_NOTE =
  "Gmail connects to these servers from Google's network, not from here: a firewall, an allow-list or split DNS " +
  'may treat Google differently, so a pass here is necessary, not sufficient.';

export interface SmtpCheckOptions {
  readonly timeoutMs: number;
  /** Certificates to trust besides Node's roots, and where they came from (for messages). */
  readonly extraCa: readonly string[];
  readonly extraCaSource?: string;
  /** Log in with the declared credentials. */
  readonly checkCredentials: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** Folder `file:` secret references resolve from (the app's). */
  readonly secretBaseDir: string;
  readonly targetKind: 'google' | 'emulator';
  /** Endpoints checked at the same time. */
  readonly limit: number;
}

interface Identity {
  readonly userEmail: string;
  readonly sendAsEmail: string;
  readonly username: string | SecretRef;
  readonly password: SecretRef;
}

interface DeclaredEndpoint extends Endpoint {
  readonly identities: Identity[];
}

/** The distinct endpoints of the manifests (host case-insensitive), with the identities that use each. */
export function declaredEndpoints(manifests: readonly Manifest[]): DeclaredEndpoint[] {
  const byKey = new Map<string, DeclaredEndpoint>();
  for (const m of manifests) {
    for (const s of m.sendAs) {
      if (!s.smtp) continue;
      const host = s.smtp.host.trim();
      const key = `${host.toLowerCase()}:${s.smtp.port}/${s.smtp.securityMode}`;
      let entry = byKey.get(key);
      if (!entry) {
        entry = { host, port: s.smtp.port, securityMode: s.smtp.securityMode, identities: [] };
        byKey.set(key, entry);
      }
      entry.identities.push({
        userEmail: s.userEmail,
        sendAsEmail: s.sendAsEmail,
        username: s.smtp.username,
        password: s.smtp.password,
      });
    }
  }
  return [...byKey.values()];
}

const PRIVATE = [
  /^127\./,
  /^10\./,
  /^192\.168\./,
  /^172\.(1[6-9]|2\d|3[01])\./,
  /^169\.254\./,
  /^::1$/,
  /^f[cd]/i,
  /^fe80:/i,
];

const CHAIN_ERRORS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its chain ends in a self-signed certificate that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    'its issuer is not trusted, or the server does not send the intermediate certificates',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    'its issuer is not trusted, or the server does not send the intermediate certificates',
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet',
};

type Check = Omit<DoctorCheck, 'group'>;

function label(e: Endpoint): string {
  return `${e.host}:${e.port} (${e.securityMode})`;
}

export async function checkSmtpEndpoints(
  manifests: readonly Manifest[],
  options: SmtpCheckOptions,
): Promise<DoctorCheck[]> {
  const endpoints = declaredEndpoints(manifests);
  const probe: ProbeOptions = { timeoutMs: options.timeoutMs, extraCa: options.extraCa };
  const perEndpoint = await mapLimited(endpoints, options.limit, (e) => checkEndpoint(e, probe, options));
  return perEndpoint.flat().map((c) => ({ ...c, group: 'smtp' as const }));
}

async function checkEndpoint(e: DeclaredEndpoint, probe: ProbeOptions, options: SmtpCheckOptions): Promise<Check[]> {
  const name = label(e);
  const id = (step: string): string => `smtp.${e.host.toLowerCase()}:${e.port}:${e.securityMode}.${step}`;
  const out: Check[] = [];
  const skipRest = (why: string): Check[] => {
    const steps = ['dns', 'tcp', 'tls', ...(e.securityMode === 'none' ? [] : ['certificate']), 'auth-offered'];
    const done = new Set(out.map((c) => c.id));
    const rest = steps
      .filter((s) => !done.has(id(s)))
      .map((s): Check => ({
        id: id(s),
        status: 'skipped',
        title: `${name} · ${stepTitle(s)}`,
        detail: `not checked: ${why}`,
      }));
    return [...out, ...rest, ...authSkipped(e, id, name, options, why)];
  };
  const fail = (step: string, detail: string, fix?: string): Check => ({
    id: id(step),
    status: 'fail',
    title: `${name} · ${stepTitle(step)}`,
    detail,
    ...(fix ? { fix } : {}),
    code: ErrorCodes.SMTP_ENDPOINT_FAILED,
  });
  const ok = (step: string, detail: string): Check => ({
    id: id(step),
    status: 'ok',
    title: `${name} · ${stepTitle(step)}`,
    detail,
  });
  const warn = (step: string, detail: string, fix?: string): Check => ({
    id: id(step),
    status: 'warn',
    title: `${name} · ${stepTitle(step)}`,
    detail,
    ...(fix ? { fix } : {}),
  });
  const seconds = `${Math.round(probe.timeoutMs / 100) / 10} s`;

  // DNS
  const dns = await resolveHost(e.host, probe.timeoutMs);
  if (!dns.ok) {
    out.push(
      fail(
        'dns',
        `${e.host} does not resolve (${dns.message})`,
        'correct the host name in the code; Gmail resolves it with public DNS, so a name only an internal DNS knows fails there too',
      ),
    );
    return skipRest('the name does not resolve');
  }
  const addresses = dns.addresses.join(', ');
  const privateOnly = dns.addresses.every((a) => PRIVATE.some((p) => p.test(a)));
  if (isIP(e.host)) out.push(ok('dns', `${e.host} is an IP address`));
  else if (privateOnly && options.targetKind === 'google') {
    out.push(
      warn(
        'dns',
        `${e.host} resolves to ${addresses}, private addresses only here`,
        "Gmail connects from Google's network: the host must resolve, in public DNS, to an address Google can reach",
      ),
    );
  } else out.push(ok('dns', `${e.host} resolves to ${addresses}`));

  // TCP
  const tcp = await tcpConnect(e.host, e.port, probe.timeoutMs);
  if (!tcp.ok) {
    const refused = tcp.code === 'ECONNREFUSED';
    out.push(
      fail(
        'tcp',
        refused
          ? `connection refused (ECONNREFUSED): nothing listens on port ${e.port}`
          : `no connection (${tcp.message}): a firewall may drop it, or the host is down`,
        refused
          ? 'start the SMTP service, or correct the port in the code (587 for STARTTLS, 465 for implicit TLS, 25 for none)'
          : `open port ${e.port} to the internet (Gmail connects from Google's network) and check the host is up`,
      ),
    );
    return skipRest('no TCP connection');
  }
  out.push(ok('tcp', `connected${tcp.address ? ` to ${tcp.address}` : ''} in ${tcp.ms} ms`));

  // The SMTP session as declared
  const session = await smtpSession(e, probe);
  if (!session.ok) {
    const diagnosis = await diagnoseSession(e, probe, session, seconds);
    out.push(fail('tls', diagnosis.detail, diagnosis.fix));
    return skipRest('the SMTP session failed');
  }
  const facts = session.facts;
  out.push(...tlsChecks(e, facts, options, { ok, warn, fail }));
  const certificateOk = e.securityMode === 'none' || facts.certificate?.authorized === true;
  out.push(
    facts.authOffered
      ? ok('auth-offered', `EHLO offers AUTH${facts.mechanisms.length ? ` ${facts.mechanisms.join(' ')}` : ''}`)
      : fail(
          'auth-offered',
          `EHLO offers no AUTH${e.securityMode === 'starttls' ? ' after STARTTLS' : ''}: Gmail must log in with the declared user name and password`,
          'enable SMTP AUTH (submission with authentication) on this port',
        ),
  );
  if (options.checkCredentials) {
    if (!certificateOk)
      out.push(...authSkipped(e, id, name, options, 'the certificate failed, so no credential is sent'));
    else if (!facts.authOffered) out.push(...authSkipped(e, id, name, options, 'the server offers no AUTH'));
    else out.push(...(await authChecks(e, probe, options, id, name)));
  }
  return out;
}

function stepTitle(step: string): string {
  return (
    { dns: 'DNS', tcp: 'TCP connect', tls: 'TLS', certificate: 'certificate', 'auth-offered': 'AUTH offered' }[step] ??
    step
  );
}

type Makers = {
  ok: (step: string, detail: string) => Check;
  warn: (step: string, detail: string, fix?: string) => Check;
  fail: (step: string, detail: string, fix?: string) => Check;
};

function tlsChecks(e: Endpoint, facts: SessionFacts, options: SmtpCheckOptions, make: Makers): Check[] {
  if (e.securityMode === 'none') {
    const checks = [
      make.warn(
        'tls',
        'none, as declared (securityMode none): the session and the password go unencrypted',
        'prefer starttls (port 587) or ssl (port 465) if the server offers them',
      ),
    ];
    if (e.port !== 25) {
      checks.push(
        make.fail(
          'port',
          `securityMode none on port ${e.port}: Gmail accepts none only on port 25 (Gmail API, SmtpMsa.securityMode)`,
          'use port 25 for none, or starttls / ssl',
        ),
      );
    }
    return checks;
  }
  const how = e.securityMode === 'ssl' ? 'implicit TLS' : 'STARTTLS, then';
  const checks = [make.ok('tls', `${how} ${facts.protocol ?? 'TLS'}`)];
  const cert = facts.certificate;
  const names = cert?.altNames ? ` (names: ${cert.altNames})` : '';
  const trustHint =
    options.targetKind === 'emulator'
      ? 'for the emulator, pass doctor the CA file the emulator trusts (--smtp-ca, as the emulator’s --smtp-ca or MAILPOLICY_EMULATOR_SMTP_CA)'
      : 'Gmail trusts publicly trusted CAs only: use such a certificate, with its intermediate certificates';
  if (!cert || (!cert.authorized && cert.nameMismatch === undefined && cert.error === undefined)) {
    checks.push(make.fail('certificate', 'the server sent no usable certificate', trustHint));
  } else if (cert.nameMismatch !== undefined) {
    checks.push(
      make.fail(
        'certificate',
        `is not valid for ${e.host}: it names ${cert.altNames ?? (cert.subject ? `CN ${cert.subject}` : 'no host')} (${cert.nameMismatch.replace(/[:\s]+$/, '')})`,
        `serve a certificate that names ${e.host}, or declare the host name the certificate names`,
      ),
    );
  } else if (!cert.authorized) {
    const why = CHAIN_ERRORS[cert.error ?? ''] ?? `verification failed (${cert.error})`;
    checks.push(make.fail('certificate', `is not trusted: ${why}${names}`, trustHint));
  } else {
    const issued = `${cert.subject ? `CN ${cert.subject}` : 'certificate'}${cert.issuer ? `, issued by ${cert.issuer}` : ''}`;
    const until = cert.validTo ? `, valid until ${cert.validTo}` : '';
    const soon = cert.validTo !== undefined && Date.parse(cert.validTo) - Date.now() < 21 * 86_400_000;
    const throughExtra = options.extraCa.length > 0 && options.targetKind === 'google';
    if (soon) {
      checks.push(
        make.warn('certificate', `valid for ${e.host} (${issued}) but expires on ${cert.validTo}`, 'renew it'),
      );
    } else if (throughExtra) {
      checks.push(
        make.warn(
          'certificate',
          `valid for ${e.host} (${issued}${until}) with ${options.extraCaSource ?? 'the extra CA'} trusted as well`,
          'Gmail trusts publicly trusted CAs only: check without --smtp-ca to see what Gmail will see',
        ),
      );
    } else checks.push(make.ok('certificate', `valid for ${e.host} (${issued}${until})`));
  }
  return checks;
}

async function diagnoseSession(
  e: Endpoint,
  probe: ProbeOptions,
  failure: { code?: string; message: string },
  seconds: string,
): Promise<{ detail: string; fix?: string }> {
  const said = failure.message;
  if (e.securityMode === 'ssl') {
    const greeting = await plainGreeting(e, probe);
    if (greeting !== undefined && /^220[ -]/.test(greeting)) {
      return {
        detail: `no TLS handshake (securityMode ssl): the port speaks plain SMTP first ("${greeting}"), so it is a STARTTLS or plain port`,
        fix: 'declare securityMode starttls for this port, or use the server’s implicit-TLS port (usually 465)',
      };
    }
    return { detail: `the TLS handshake failed (securityMode ssl): ${said}` };
  }
  if (/Greeting never received/i.test(said) || failure.code === 'ETIMEDOUT') {
    if (await speaksTls(e, probe)) {
      return {
        detail: `no SMTP greeting within ${seconds} (securityMode ${e.securityMode}): the port waits for TLS from the first byte (implicit TLS)`,
        fix: 'declare securityMode ssl for this port, or use the server’s STARTTLS port (usually 587)',
      };
    }
    return {
      detail: `no SMTP greeting within ${seconds} (${said})`,
      fix: 'check that an SMTP server listens on this port',
    };
  }
  if (e.securityMode === 'starttls' && /upgrading connection with STARTTLS/i.test(said)) {
    return {
      detail: `the server does not do STARTTLS (${said})`,
      fix: 'enable STARTTLS on the server, or declare securityMode ssl if the port is implicit TLS',
    };
  }
  return { detail: `the SMTP session failed (securityMode ${e.securityMode}): ${said}` };
}

function credentialsOf(e: DeclaredEndpoint): Array<Identity & { label: string }> {
  const seen = new Map<string, Identity & { label: string }>();
  for (const i of e.identities) {
    const user = typeof i.username === 'string' ? i.username : `ref ${i.username.ref}`;
    const key = `${user}\u0000${i.password.ref}`;
    if (!seen.has(key))
      seen.set(key, {
        ...i,
        label: `${i.sendAsEmail} (user ${typeof i.username === 'string' ? i.username : '(sensitive)'})`,
      });
  }
  return [...seen.values()];
}

function authSkipped(
  e: DeclaredEndpoint,
  id: (step: string) => string,
  name: string,
  options: SmtpCheckOptions,
  why: string,
): Check[] {
  if (!options.checkCredentials) return [];
  return credentialsOf(e).map((c) => ({
    id: id(`auth:${c.sendAsEmail.toLowerCase()}`),
    status: 'skipped' as const,
    title: `${name} · AUTH as ${c.label}`,
    detail: `not checked: ${why}`,
  }));
}

async function authChecks(
  e: DeclaredEndpoint,
  probe: ProbeOptions,
  options: SmtpCheckOptions,
  id: (step: string) => string,
  name: string,
): Promise<Check[]> {
  const out: Check[] = [];
  for (const c of credentialsOf(e)) {
    const base = { id: id(`auth:${c.sendAsEmail.toLowerCase()}`), title: `${name} · AUTH as ${c.label}` };
    const problems: string[] = [];
    const secrets: string[] = [];
    const resolveRef = (ref: SecretRef): string | undefined => {
      const r = resolveSecret(ref, options.env, options.secretBaseDir);
      if (r.ok) {
        secrets.push(r.value);
        return r.value;
      }
      problems.push(r.reason);
      return undefined;
    };
    const user = typeof c.username === 'string' ? c.username : resolveRef(c.username);
    const pass = resolveRef(c.password);
    if (user === undefined || pass === undefined) {
      out.push({
        ...base,
        status: 'fail',
        detail: `cannot log in: ${problems.join('; ')}`,
        fix: 'make the secret available where doctor and apply run (apply sends it to Gmail)',
        code: ErrorCodes.SECRET_UNRESOLVED,
      });
      continue;
    }
    const login = await smtpLogin(e, probe, user, pass);
    if (login.ok) {
      out.push({ ...base, status: 'ok', detail: 'the server accepted the declared credentials' });
    } else {
      out.push({
        ...base,
        status: 'fail',
        detail: `AUTH failed: ${scrubSecrets(login.message, secrets)}`,
        fix: `correct the password behind ${c.password.ref}${typeof c.username === 'string' ? ` or the user name ${c.username}` : ` or the user name behind ${c.username.ref}`}; Gmail refuses the send-as with the same answer`,
        code: ErrorCodes.SMTP_ENDPOINT_FAILED,
      });
    }
  }
  return out;
}
