import { isValidDomain, isValidEmail, normaliseEmail } from '../email';
import type { ValidationIssue } from '../findings';
import type { Manifest } from '../manifest';

import { declaredAt, issueAt, laterDuplicates, type ValidationRule } from './issue';

const EMAIL_ALLOWED = 'an address like name@example.com (dot-atom local part of at most 64 characters, a DNS domain)';

function emailIssue(jsonPath: string, entry: { constructPath?: string }, field: string, value: string) {
  return issueAt('MPV-EMAIL', { jsonPath, entry }, field, value, EMAIL_ALLOWED, 'not a valid email address');
}

/** Every address in the manifest is a syntactically valid email address. */
export const emailSyntaxRule: ValidationRule = {
  code: 'MPV-EMAIL',
  description: 'Email addresses are syntactically valid.',
  check(manifest: Manifest): ValidationIssue[] {
    const out: ValidationIssue[] = [];
    manifest.users.forEach((u, i) => {
      if (!isValidEmail(u.email)) out.push(emailIssue(`$.users[${i}]`, u, 'email', u.email));
      (u.aliases ?? []).forEach((a, j) => {
        if (!isValidEmail(a)) out.push(emailIssue(`$.users[${i}]`, u, `aliases[${j}]`, a));
      });
    });
    manifest.sendAs.forEach((s, i) => {
      const at = `$.sendAs[${i}]`;
      if (!isValidEmail(s.userEmail)) out.push(emailIssue(at, s, 'userEmail', s.userEmail));
      if (!isValidEmail(s.sendAsEmail)) out.push(emailIssue(at, s, 'sendAsEmail', s.sendAsEmail));
      if (s.replyToAddress !== undefined && !isValidEmail(s.replyToAddress)) {
        out.push(emailIssue(at, s, 'replyToAddress', s.replyToAddress));
      }
    });
    manifest.ownership.forEach((o, i) => {
      if (o.kind === 'user' && !isValidEmail(o.email)) out.push(emailIssue(`$.ownership[${i}]`, o, 'email', o.email));
    });
    return out;
  },
};

/** At least one customer domain, each a valid DNS name, none twice. */
export const domainsRule: ValidationRule = {
  code: 'MPV-DOMAINS',
  description: 'The customer domains are valid DNS names, at least one, no duplicates.',
  check(manifest: Manifest): ValidationIssue[] {
    const out: ValidationIssue[] = [];
    const site = { jsonPath: '$' };
    if (manifest.domains.length === 0) {
      out.push(
        issueAt(
          'MPV-DOMAINS',
          site,
          'domains',
          [],
          'at least one domain, the primary first',
          'no customer domain given',
        ),
      );
    }
    const seen = new Set<string>();
    manifest.domains.forEach((d, i) => {
      const at = { jsonPath: '$' };
      if (!isValidDomain(d)) {
        out.push(
          issueAt('MPV-DOMAINS', at, `domains[${i}]`, d, 'a DNS domain like example.com', 'not a valid domain name'),
        );
      } else if (seen.has(d.trim().toLowerCase())) {
        out.push(issueAt('MPV-DOMAINS', at, `domains[${i}]`, d, 'each domain once', 'domain listed twice'));
      }
      seen.add(d.trim().toLowerCase());
    });
    if (manifest.customerId.trim().length === 0) {
      out.push(
        issueAt(
          'MPV-DOMAINS',
          site,
          'customerId',
          manifest.customerId,
          "'my_customer' or a customer id like C01abc23d",
          'empty customer id',
        ),
      );
    }
    return out;
  },
};

/** A user is referenced once per stack; two references would disagree about its placement. */
export const duplicateUserRule: ValidationRule = {
  code: 'MPV-USER-DUPLICATE',
  description: 'Each user appears once in a manifest.',
  check(manifest: Manifest): ValidationIssue[] {
    const out: ValidationIssue[] = [];
    for (const { item: u, index: i, first } of laterDuplicates(manifest.users, (user) => normaliseEmail(user.email))) {
      out.push(
        issueAt(
          'MPV-USER-DUPLICATE',
          { jsonPath: `$.users[${i}]`, entry: u },
          'email',
          u.email,
          'each user once per stack (reuse the IUser returned by User.fromEmail)',
          `user declared twice; also at ${declaredAt(manifest.users[first], `$.users[${first}]`)}`,
        ),
      );
    }
    return out;
  },
};

/**
 * Declared aliases are addresses in the customer's domains (Google only accepts those), never the user's own
 * primary address, and each alias belongs to one user only.
 */
export const aliasRule: ValidationRule = {
  code: 'MPV-ALIAS',
  description: "Aliases are in the customer's domains, not the user's own address, and belong to one user only.",
  check(manifest: Manifest): ValidationIssue[] {
    const out: ValidationIssue[] = [];
    const domains = new Set(manifest.domains.map((d) => d.trim().toLowerCase()));
    const owner = new Map<string, string>();
    const primaries = new Set(manifest.users.map((u) => normaliseEmail(u.email)));
    manifest.users.forEach((u, i) => {
      (u.aliases ?? []).forEach((raw, j) => {
        if (!isValidEmail(raw)) return; // reported by MPV-EMAIL
        const alias = normaliseEmail(raw);
        const site = { jsonPath: `$.users[${i}]`, entry: u };
        const field = `aliases[${j}]`;
        const domain = alias.slice(alias.lastIndexOf('@') + 1);
        if (!domains.has(domain)) {
          out.push(
            issueAt(
              'MPV-ALIAS',
              site,
              field,
              raw,
              `an address in ${[...domains].join(', ')}`,
              "an alias must be in one of the customer's domains",
            ),
          );
        } else if (alias === normaliseEmail(u.email) || primaries.has(alias)) {
          out.push(
            issueAt(
              'MPV-ALIAS',
              site,
              field,
              raw,
              "an address that is no user's primary address",
              'an alias cannot be a primary address',
            ),
          );
        } else if (owner.has(alias) && owner.get(alias) !== normaliseEmail(u.email)) {
          out.push(
            issueAt(
              'MPV-ALIAS',
              site,
              field,
              raw,
              'an address no other user has as an alias',
              `${raw} is already an alias of ${owner.get(alias)}`,
            ),
          );
        } else {
          owner.set(alias, normaliseEmail(u.email));
        }
      });
    });
    return out;
  },
};
