/** How Gmail secures the connection to the SMTP server of a per-user outbound gateway. */
export enum SecurityMode {
  /** Implicit TLS from the first byte, usually on port 465. */
  SSL = 'ssl',
  /** Plain connection upgraded with STARTTLS, usually on port 587. */
  STARTTLS = 'starttls',
  /** No encryption at all; Gmail accepts it only on port 25. */
  NONE = 'none',
}
