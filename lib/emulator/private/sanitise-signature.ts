/**
 * Signature sanitisation, shared in wording with the engine (which compares after the same steps):
 * 1. remove `<script>…</script>` and `<style>…</style>` elements with their content (case-insensitive);
 * 2. inside every start tag, remove each `on*=` event-handler attribute together with the whitespace before it;
 * 3. inside every start tag, remove each `href`/`src` attribute whose value starts (after optional whitespace)
 *    with `javascript:` (case-insensitive), together with the whitespace before it.
 * Nothing else changes: no re-formatting, whitespace elsewhere is kept.
 */

const SCRIPT = /<script\b[^>]*>[\s\S]*?<\/script\s*>/gi;
const STYLE = /<style\b[^>]*>[\s\S]*?<\/style\s*>/gi;
const START_TAG = /<[a-zA-Z](?:[^>"']|"[^"]*"|'[^']*')*>/g;
const EVENT_ATTR = /\s+on[a-z0-9_:-]*\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+)/gi;
const JS_URL_ATTR = /\s+(?:href|src)\s*=\s*(?:"\s*javascript:[^"]*"|'\s*javascript:[^']*'|javascript:[^\s"'>]*)/gi;

export function sanitiseSignature(html: string): string {
  return html
    .replace(SCRIPT, '')
    .replace(STYLE, '')
    .replace(START_TAG, (tag) => tag.replace(EVENT_ATTR, '').replace(JS_URL_ATTR, ''));
}
