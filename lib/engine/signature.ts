/**
 * Signature sanitisation: what Gmail does to a signature's HTML before saving it (and what the emulator does
 * too), so that the diff compares a declared signature with the live one after the same transformation and
 * never reports a difference Gmail itself introduced.
 *
 * Removed: `<script>…</script>` and `<style>…</style>` elements with their content, every `on*=` event-handler
 * attribute, and `javascript:` URLs in `href`/`src` attributes (the attribute is dropped). Nothing else
 * changes: no re-formatting, whitespace kept.
 */

const SCRIPT_OR_STYLE = /<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
/** An unclosed `<script>`/`<style>`: browsers treat the rest as its content. */
const UNCLOSED_SCRIPT_OR_STYLE = /<(script|style)\b[^>]*>[\s\S]*$/i;
const TAG = /<[A-Za-z][^<>]*>/g;
/** One attribute with optional value: name, then `="…"`, `='…'` or an unquoted value. */
const ATTRIBUTE = /(\s+)([^\s"'<>/=]+)(\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>`]+))?/g;

function attributeValue(raw: string | undefined): string {
  if (!raw) return '';
  const value = raw.replace(/^\s*=\s*/, '');
  return value.startsWith('"') || value.startsWith("'") ? value.slice(1, -1) : value;
}

function isJavascriptUrl(value: string): boolean {
  // Browsers ignore ASCII whitespace and control characters inside the scheme.
  // eslint-disable-next-line no-control-regex
  return /^javascript:/i.test(value.replace(/[\u0000-\u0020]/g, ''));
}

function sanitiseTag(tag: string): string {
  return tag.replace(ATTRIBUTE, (whole, _space: string, name: string, rawValue: string | undefined) => {
    const lower = name.toLowerCase();
    if (lower.startsWith('on') && rawValue !== undefined) return '';
    if ((lower === 'href' || lower === 'src') && isJavascriptUrl(attributeValue(rawValue))) return '';
    return whole;
  });
}

/** The signature as Gmail stores it. Idempotent: `sanitiseSignature(sanitiseSignature(x)) === sanitiseSignature(x)`. */
export function sanitiseSignature(html: string): string {
  let previous: string;
  let current = html;
  // Removing one element can join fragments into a new one (`<scr<script></script>ipt>`); repeat until stable.
  do {
    previous = current;
    current = current.replace(SCRIPT_OR_STYLE, '').replace(UNCLOSED_SCRIPT_OR_STYLE, '').replace(TAG, sanitiseTag);
  } while (current !== previous);
  return current;
}
