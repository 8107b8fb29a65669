/**
 * Names in generated code: TypeScript string literals, construct ids, variable names and the environment
 * variables that carry SMTP credentials. Every function is pure and deterministic.
 */

/**
 * A TypeScript string literal for any string, quoted as Prettier would (single quotes, double quotes when that
 * avoids escaping): backslashes, the quote, line terminators, control characters and lone surrogates are
 * escaped; other characters (non-ASCII letters included) are kept as they are.
 */
export function tsString(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = quote;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const code = value.charCodeAt(i);
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) out += unicodeEscape(code);
    else if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += ch + value[i + 1];
        i++;
      } else out += unicodeEscape(code);
    } else if (code >= 0xdc00 && code <= 0xdfff) out += unicodeEscape(code);
    else out += ch;
  }
  return out + quote;
}

function unicodeEscape(code: number): string {
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Text safe inside a `//` comment: line terminators and control characters become spaces. */
export function commentText(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ');
}

/** ASCII words of a name: accents dropped (`Réseau` → `Reseau`), everything but letters and digits splits. */
export function asciiWords(value: string): string[] {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0);
}

/** `['sales', 'EMEA', 'team']` → `SalesEMEATeam`. */
export function pascalCase(words: readonly string[]): string {
  return words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

/** A construct id made of the ASCII words of `parts`, joined by `-`; `fallback` when nothing is left. */
export function constructIdOf(parts: readonly string[], fallback: string): string {
  const words = parts.map((part) => pascalCase(asciiWords(part))).filter((w) => w.length > 0);
  return words.length > 0 ? words.join('-') : fallback;
}

/** A construct id for an address: `Jane.Doe+x@Example.com` → `jane.doe-x-at-example.com`. */
export function emailIdOf(email: string): string {
  const lower = email.toLowerCase();
  const at = lower.lastIndexOf('@');
  const clean = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^a-z0-9._-]+/g, '-');
  return at < 0 ? clean(lower) : `${clean(lower.slice(0, at))}-at-${clean(lower.slice(at + 1))}`;
}

/** A camelCase identifier: `prefix` followed by the ASCII words of `parts`, e.g. `ou` + `Sales Team` → `ouSalesTeam`. */
export function identifierOf(prefix: string, parts: readonly string[]): string {
  return prefix + pascalCase(parts.flatMap((part) => asciiWords(part)));
}

/**
 * Hands out names that are unique within one namespace: the first request for a base gets the base, later ones
 * get `<base><sep>2`, `<base><sep>3`, … Callers ask in a stable order, so the result is deterministic.
 */
export class UniqueNames {
  private readonly taken = new Set<string>();

  public constructor(
    private readonly separator: string,
    reserved: readonly string[] = [],
    private readonly caseInsensitive = false,
  ) {
    for (const name of reserved) this.taken.add(this.key(name));
  }

  public claim(base: string): string {
    let candidate = base;
    for (let n = 2; this.taken.has(this.key(candidate)); n++) candidate = `${base}${this.separator}${n}`;
    this.taken.add(this.key(candidate));
    return candidate;
  }

  private key(name: string): string {
    return this.caseInsensitive ? name.toUpperCase() : name;
  }
}

/** Upper-case env-var stem: non-alphanumerics become `_`, runs collapse, ends trimmed. */
export function envStem(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * The documented stem of the SMTP credential variables of one identity:
 * `SMTP_<LOCAL PART OF THE USER>_<SEND-AS ADDRESS>`, upper-cased, every run of characters other than A–Z and
 * 0–9 replaced by one `_`. `user@example.com` sending as `user.name@partnerdomain.com` →
 * `SMTP_USER_USER_NAME_PARTNERDOMAIN_COM`; the variables are that stem plus `_USERNAME` and `_PASSWORD`.
 */
export function smtpEnvStem(userEmail: string, sendAsEmail: string): string {
  const local = userEmail.slice(0, Math.max(0, userEmail.lastIndexOf('@')));
  return ['SMTP', envStem(local), envStem(sendAsEmail)].filter((s) => s.length > 0).join('_');
}
