import { effectiveGateway } from '../effective-gateway';
import { isInDomains, isValidEmail, normaliseEmail } from '../email';
import type { ValidationIssue } from '../findings';
import type { Manifest } from '../manifest';

import { declaredAt, issueAt, laterDuplicates, type ValidationRule } from './issue';
import { secretRefProblem } from './reference-rules';
import { isValidPort, isValidSmtpHost } from './smtp-host';

/** SMTP endpoints: port 1–65535, a host name or IP literal, `none` only on port 25, well-formed secret refs. */
export const smtpEndpointRule: ValidationRule = {
  code: 'MPV-SMTP',
  description: "SMTP endpoints have a valid port and host, use 'none' only on port 25, and reference secrets properly.",
  check(manifest: Manifest): ValidationIssue[] {
    const out: ValidationIssue[] = [];
    manifest.sendAs.forEach((s, i) => {
      if (!s.smtp) return;
      const site = { jsonPath: `$.sendAs[${i}]`, entry: s };
      const { host, port, securityMode, username, password } = s.smtp;
      if (!isValidPort(port)) {
        out.push(
          issueAt(
            'MPV-SMTP-PORT',
            site,
            'smtp.port',
            port,
            'an integer 1–65535 (usually 465 or 587)',
            'not a TCP port',
          ),
        );
      }
      if (!isValidSmtpHost(host)) {
        out.push(
          issueAt(
            'MPV-SMTP-HOST',
            site,
            'smtp.host',
            host,
            'a host name like smtp.partnerdomain.com or an IP literal; no scheme, port, path, spaces or shell metacharacters',
            'not a host name or IP address',
          ),
        );
      }
      if (securityMode === 'none' && port !== 25) {
        out.push(
          issueAt(
            'MPV-SMTP-NONE-PORT',
            site,
            'smtp.securityMode',
            securityMode,
            "'none' only with port 25 (Gmail's rule); 'ssl' or 'starttls' on other ports",
            `securityMode 'none' on port ${port}`,
          ),
        );
      }
      const passwordProblem = secretRefProblem(password);
      if (passwordProblem) {
        out.push(
          issueAt(
            'MPV-SECRET-REF',
            site,
            'smtp.password',
            password.ref,
            passwordProblem.allowed,
            passwordProblem.message,
          ),
        );
      }
      if (typeof username === 'string') {
        if (username.trim().length === 0) {
          out.push(
            issueAt(
              'MPV-SMTP-USERNAME',
              site,
              'smtp.username',
              username,
              'a non-empty user name or a Secret',
              'empty SMTP user name',
            ),
          );
        }
      } else {
        const usernameProblem = secretRefProblem(username);
        if (usernameProblem) {
          out.push(
            issueAt(
              'MPV-SECRET-REF',
              site,
              'smtp.username',
              username.ref,
              usernameProblem.allowed,
              usernameProblem.message,
            ),
          );
        }
      }
    });
    return out;
  },
};

/** One identity per (user, sendAsEmail), compared case-insensitively. */
export const duplicateSendAsRule: ValidationRule = {
  code: 'MPV-SENDAS-DUPLICATE',
  description: 'No two send-as identities for the same user and address.',
  check(manifest: Manifest): ValidationIssue[] {
    const out: ValidationIssue[] = [];
    const duplicates = laterDuplicates(
      manifest.sendAs,
      (s) => `${normaliseEmail(s.userEmail)}\n${normaliseEmail(s.sendAsEmail)}`,
    );
    for (const { item: s, index: i, first } of duplicates) {
      out.push(
        issueAt(
          'MPV-SENDAS-DUPLICATE',
          { jsonPath: `$.sendAs[${i}]`, entry: s },
          'sendAsEmail',
          s.sendAsEmail,
          'each address once per user',
          `${s.userEmail} already has this send-as address at ${declaredAt(manifest.sendAs[first], `$.sendAs[${first}]`)}`,
        ),
      );
    }
    return out;
  },
};

/** Gmail's limit on a signature's length: longer ones are refused with 400 (Gmail Help, "Create a Gmail signature"). */
export const MAX_SIGNATURE_LENGTH = 10_000;

/** A signature fits Gmail's limit, so a long one fails synth rather than the middle of a rollout. */
export const signatureLengthRule: ValidationRule = {
  code: 'MPV-SIGNATURE-LENGTH',
  description: `Signatures are at most ${MAX_SIGNATURE_LENGTH.toLocaleString('en-US')} characters, as Gmail accepts.`,
  check(manifest: Manifest): ValidationIssue[] {
    const out: ValidationIssue[] = [];
    manifest.sendAs.forEach((s, i) => {
      if (s.signature === undefined || s.signature.length <= MAX_SIGNATURE_LENGTH) return;
      out.push(
        issueAt(
          'MPV-SIGNATURE-LENGTH',
          { jsonPath: `$.sendAs[${i}]`, entry: s },
          'signature',
          `${s.signature.slice(0, 40)}… (${s.signature.length.toLocaleString('en-US')} characters)`,
          `at most ${MAX_SIGNATURE_LENGTH.toLocaleString('en-US')} characters of HTML`,
          'signature longer than Gmail accepts',
        ),
      );
    });
    return out;
  },
};

/**
 * At most one default per user, and never `isDefault: false`: Gmail can only make an identity the default
 * (which unsets the previous one); it has no way to write "not default". Omit the field instead.
 */
export const defaultSendAsRule: ValidationRule = {
  code: 'MPV-SENDAS-DEFAULT',
  description: 'At most one isDefault: true per user; isDefault: false is rejected (omit it instead).',
  check(manifest: Manifest): ValidationIssue[] {
    const out: ValidationIssue[] = [];
    const firstDefault = new Map<string, number>();
    manifest.sendAs.forEach((s, i) => {
      const site = { jsonPath: `$.sendAs[${i}]`, entry: s };
      if (s.isDefault === false) {
        out.push(
          issueAt(
            'MPV-SENDAS-DEFAULT-FALSE',
            site,
            'isDefault',
            false,
            'true, or leave it out (not managed)',
            'Gmail cannot write isDefault: false; make another identity the default instead',
          ),
        );
        return;
      }
      if (s.isDefault !== true) return;
      const key = normaliseEmail(s.userEmail);
      const earlier = firstDefault.get(key);
      if (earlier === undefined) {
        firstDefault.set(key, i);
        return;
      }
      out.push(
        issueAt(
          'MPV-SENDAS-DEFAULT-MULTIPLE',
          site,
          'isDefault',
          true,
          'at most one default send-as identity per user',
          `${s.userEmail} already has a default: ${manifest.sendAs[earlier].sendAsEmail} at ${manifest.sendAs[earlier].constructPath ?? `$.sendAs[${earlier}]`}`,
        ),
      );
    });
    return out;
  },
};

/** A per-user outbound gateway only for addresses outside the customer's domains. */
export const smtpInternalAddressRule: ValidationRule = {
  code: 'MPV-SMTP-INTERNAL-ADDRESS',
  description: "No SMTP endpoint on an address inside the customer's domains.",
  check(manifest: Manifest): ValidationIssue[] {
    const out: ValidationIssue[] = [];
    manifest.sendAs.forEach((s, i) => {
      if (!s.smtp || !isValidEmail(s.sendAsEmail) || !isInDomains(s.sendAsEmail, manifest.domains)) return;
      out.push(
        issueAt(
          'MPV-SMTP-INTERNAL-ADDRESS',
          { jsonPath: `$.sendAs[${i}]`, entry: s },
          'smtp',
          s.sendAsEmail,
          `an SMTP endpoint only for addresses outside ${manifest.domains.join(', ')}`,
          "per-user outbound gateways apply only to addresses hosted outside the customer's domains; remove smtp",
        ),
      );
    });
    return out;
  },
};

/** The explicit gateway settings of a manifest, by OU path (`inherit` is no explicit setting). */
export function explicitGatewaySettings(manifest: Manifest): Map<string, boolean> {
  const explicit = new Map<string, boolean>();
  for (const p of manifest.gatewayPolicies) {
    if (typeof p.allowPerUserOutboundGateways === 'boolean')
      explicit.set(p.orgUnitPath, p.allowPerUserOutboundGateways);
  }
  return explicit;
}

/** An SMTP endpoint for a user placed in an OU whose effective setting forbids per-user gateways. */
export const smtpGatewayAllowedRule: ValidationRule = {
  code: 'MPV-SMTP-GATEWAY-NOT-ALLOWED',
  description: 'SMTP endpoints only for users whose declared OU allows per-user outbound gateways (after inheritance).',
  check(manifest: Manifest): ValidationIssue[] {
    const out: ValidationIssue[] = [];
    const placement = new Map<string, string>();
    for (const u of manifest.users) if (u.orgUnitPath) placement.set(normaliseEmail(u.email), u.orgUnitPath);
    const explicit = explicitGatewaySettings(manifest);
    manifest.sendAs.forEach((s, i) => {
      const ou = placement.get(normaliseEmail(s.userEmail));
      if (!s.smtp || ou === undefined) return;
      const effective = effectiveGateway(ou, explicit);
      if (effective.allowed) return;
      const why = effective.decidedBy
        ? `the OutboundGatewayPolicy on ${effective.decidedBy} forbids it`
        : "no OutboundGatewayPolicy on that OU or its ancestors allows it (Google's default: not allowed)";
      out.push(
        issueAt(
          'MPV-SMTP-GATEWAY-NOT-ALLOWED',
          { jsonPath: `$.sendAs[${i}]`, entry: s },
          'smtp',
          `${s.userEmail} in ${ou}`,
          `users in an OU where allowPerUserOutboundGateways is true (on the OU or its nearest ancestor with a policy)`,
          `${s.userEmail} is placed in ${ou}, where per-user outbound gateways are not allowed: ${why}`,
        ),
      );
    });
    return out;
  },
};
