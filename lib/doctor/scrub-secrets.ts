/**
 * Scrubbing secret values out of text that came back from a server (an SMTP reply may echo what it was sent).
 * Every occurrence of a secret, of its base64 form and of the AUTH PLAIN blobs made of the secrets is replaced by
 * a marker; the marker is chosen so that it cannot, next to the text around it, spell a secret again, and text
 * that no marker can make safe is withheld whole.
 */

/** What replaces a secret, in order of preference. */
const MARKERS = ['(sensitive)', '***', '\u2022\u2022\u2022'];

/** Said instead of a text no marker can make safe (nothing at all, should a secret occur in this too). */
export const WITHHELD = '(withheld: it contained a secret)';

/** The forms a secret can take on the wire: as is, base64 (AUTH LOGIN), and `\0user\0pass` base64 (AUTH PLAIN). */
function formsOf(secrets: readonly string[]): string[] {
  const values = secrets.filter((s) => s.length > 0);
  const forms = new Set<string>();
  for (const s of values) {
    forms.add(s);
    forms.add(Buffer.from(s, 'utf8').toString('base64'));
  }
  for (const a of values) {
    for (const b of values) forms.add(Buffer.from(`\u0000${a}\u0000${b}`, 'utf8').toString('base64'));
  }
  return [...forms];
}

/**
 * Whether `marker` can take part in an occurrence of `form` in scrubbed text: one holds the other, or they overlap
 * at either end (a prefix of the marker ending the form, or a suffix of the marker starting it).
 */
function unsafe(marker: string, form: string): boolean {
  if (form.includes(marker) || marker.includes(form)) return true;
  for (let n = 1; n <= Math.min(marker.length, form.length); n++) {
    if (form.endsWith(marker.slice(0, n)) || form.startsWith(marker.slice(marker.length - n))) return true;
  }
  return false;
}

/** `text` with every form of every secret replaced (runs of overlapping occurrences become one marker). */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  const forms = formsOf(secrets);
  if (forms.length === 0) return text;
  const marked = new Uint8Array(text.length);
  let any = false;
  for (const form of forms) {
    for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) {
      marked.fill(1, at, at + form.length);
      any = true;
    }
  }
  if (!any) return text;
  const marker = MARKERS.find((m) => forms.every((f) => !unsafe(m, f)));
  if (marker === undefined) return forms.some((f) => WITHHELD.includes(f)) ? '' : WITHHELD;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (!marked[i]) out += text[i];
    else if (i === 0 || !marked[i - 1]) out += marker;
  }
  return out;
}
