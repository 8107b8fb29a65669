/**
 * Email addresses as Google treats them: case-insensitive, compared and stored in lower case.
 */

// A pragmatic address grammar: dot-atom local part (RFC 5322 without quoted strings) and a DNS domain.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/** Lower-cases and trims an address; the canonical form used for comparisons and keys. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Whether `email` is a syntactically valid address (after trimming). */
export function isValidEmail(email: string): boolean {
  const value = email.trim();
  if (value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return false;
  const local = value.slice(0, at);
  return local.length <= 64 && LOCAL_PART.test(local) && DOMAIN.test(value.slice(at + 1));
}

/** Whether `domain` is a syntactically valid DNS domain name. */
export function isValidDomain(domain: string): boolean {
  return DOMAIN.test(domain.trim());
}

/** The domain part of an address, lower-cased. */
export function domainOf(email: string): string {
  const value = normaliseEmail(email);
  return value.slice(value.lastIndexOf('@') + 1);
}

/** Whether two addresses are the same address for Google. */
export function sameEmail(a: string, b: string): boolean {
  return normaliseEmail(a) === normaliseEmail(b);
}

/** Whether `email` is hosted in one of the customer's `domains` (subdomains are separate domains). */
export function isInDomains(email: string, domains: readonly string[]): boolean {
  const domain = domainOf(email);
  return domains.some((d) => d.trim().toLowerCase() === domain);
}
