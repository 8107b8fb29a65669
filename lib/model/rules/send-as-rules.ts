import { isInDomains, isValidEmail } from '../email';
import type { Finding } from '../findings';
import type { Manifest } from '../manifest';

import { sendAsSubject, type FindingRule } from './finding-rule';

/** Plain-text SMTP: the password travels unencrypted. */
export const smtpWithoutTlsRule: FindingRule = {
  id: 'MPR-SMTP-NO-TLS',
  level: 'warning',
  description: "SMTP endpoint with securityMode 'none' (no TLS).",
  check(manifest: Manifest): Finding[] {
    return manifest.sendAs
      .filter((s) => s.smtp?.securityMode === 'none')
      .map((s) => ({
        ruleId: 'MPR-SMTP-NO-TLS',
        level: 'warning' as const,
        subject: sendAsSubject(s.userEmail, s.sendAsEmail),
        constructPath: s.constructPath,
        message: `${s.sendAsEmail} sends through ${s.smtp?.host}:${s.smtp?.port} without TLS; the SMTP password and the mail travel in clear text.`,
        fix: "use securityMode SecurityMode.STARTTLS on port 587 or SecurityMode.SSL on port 465, if the partner's server supports it.",
      }));
  },
};

/** 465 is implicit TLS and 587 is STARTTLS; the other way round usually fails to connect. */
export const smtpPortModeRule: FindingRule = {
  id: 'MPR-SMTP-PORT-MODE',
  level: 'warning',
  description: 'Unusual port and security mode pairs: 465 with STARTTLS, 587 with SSL.',
  check(manifest: Manifest): Finding[] {
    const out: Finding[] = [];
    for (const s of manifest.sendAs) {
      const smtp = s.smtp;
      if (!smtp) continue;
      const odd =
        (smtp.port === 465 && smtp.securityMode === 'starttls') || (smtp.port === 587 && smtp.securityMode === 'ssl');
      if (!odd) continue;
      const usual = smtp.port === 465 ? 'SecurityMode.SSL' : 'SecurityMode.STARTTLS';
      out.push({
        ruleId: 'MPR-SMTP-PORT-MODE',
        level: 'warning',
        subject: sendAsSubject(s.userEmail, s.sendAsEmail),
        constructPath: s.constructPath,
        message: `${s.sendAsEmail} uses port ${smtp.port} with ${smtp.securityMode}; port ${smtp.port} normally speaks ${smtp.port === 465 ? 'implicit TLS (ssl)' : 'STARTTLS'}, so Gmail's connection test is likely to fail.`,
        fix: `use ${usual} on port ${smtp.port}, or acknowledge if the partner's server really works this way.`,
      });
    }
    return out;
  },
};

/** An address outside the customer's domains without an SMTP endpoint. */
export const externalWithoutSmtpRule: FindingRule = {
  id: 'MPR-EXTERNAL-WITHOUT-SMTP',
  level: 'warning',
  description: "Send-as address outside the customer's domains without an SMTP endpoint.",
  check(manifest: Manifest): Finding[] {
    return manifest.sendAs
      .filter((s) => !s.smtp && isValidEmail(s.sendAsEmail) && !isInDomains(s.sendAsEmail, manifest.domains))
      .map((s) => ({
        ruleId: 'MPR-EXTERNAL-WITHOUT-SMTP',
        level: 'warning' as const,
        subject: sendAsSubject(s.userEmail, s.sendAsEmail),
        constructPath: s.constructPath,
        message:
          `${s.sendAsEmail} is outside ${manifest.domains.join(', ')} and has no SMTP endpoint: Gmail's API has been seen ` +
          "to refuse this ('Custom from requires smtpMsa configuration'); where it is accepted, mail leaves through " +
          `Google and recipients see "${s.sendAsEmail} on behalf of ${s.userEmail}".`,
        fix: "add smtp: { host, port, securityMode, username, password } for the address's own mail server, or acknowledge if sending through Google is intended.",
      }));
  },
};
