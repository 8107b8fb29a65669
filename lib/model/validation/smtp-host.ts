import { isIP } from 'node:net';

// RFC 1123 host name: labels of letters, digits and hyphens, not starting or ending with a hyphen.
const HOST_NAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/**
 * Whether `host` is a host name or an IP literal (IPv4, or IPv6 with or without brackets): no scheme, no port,
 * no path, no spaces, no shell metacharacters.
 */
export function isValidSmtpHost(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  if (host.startsWith('[') && host.endsWith(']')) return isIP(host.slice(1, -1)) === 6;
  if (isIP(host) !== 0) return true;
  // A purely numeric dotted name that is not an IPv4 address (e.g. 999.1.1.1) is neither.
  if (/^[0-9.]+$/.test(host)) return false;
  return HOST_NAME.test(host);
}

/** Whether `port` is a TCP port number: an integer 1–65535. */
export function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}
