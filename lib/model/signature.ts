import sanitizeHtml from 'sanitize-html';

/**
 * The comparable form of a send-as signature. Gmail sanitises a signature's HTML before it saves it
 * ("If a signature is provided, Gmail will sanitize the HTML before saving it with the alias", Gmail API
 * reference for `sendAs.create`/`update`), without documenting exactly what it removes. So the plan never
 * compares raw HTML: it puts the declared signature and the live one through this normaliser and compares the
 * results, so a difference Gmail itself introduced (a removed handler, a re-quoted attribute) never shows as a
 * change and an applied signature always plans clean.
 *
 * The normaliser parses the HTML with a real parser (`sanitize-html`, over htmlparser2) and removes what
 * Gmail is seen to remove: `<script>` and `<style>` elements with their content, every `on*` event-handler
 * attribute, and `href`/`src` attributes holding a `javascript:` URL. Everything else is kept; the output is
 * re-serialised, so entities and attribute quoting come out in one canonical form. It is idempotent and runs in
 * time linear in the input.
 */

function isJavascriptUrl(value: string): boolean {
  // Browsers ignore ASCII whitespace and control characters inside the scheme.
  // eslint-disable-next-line no-control-regex
  return /^javascript:/i.test(value.replace(/[\u0000-\u0020]/g, ''));
}

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: false,
  allowedAttributes: false,
  // Script and style elements are removed by `exclusiveFilter` below; this only silences the library's warning.
  allowVulnerableTags: true,
  exclusiveFilter: (frame) => frame.tag === 'script' || frame.tag === 'style',
  transformTags: {
    '*': (tagName, attribs) => {
      const kept: Record<string, string> = {};
      for (const [name, value] of Object.entries(attribs)) {
        const lower = name.toLowerCase();
        if (lower.startsWith('on')) continue;
        if ((lower === 'href' || lower === 'src') && isJavascriptUrl(value)) continue;
        kept[name] = value;
      }
      return { tagName, attribs: kept };
    },
  },
};

/** The signature in the canonical form the plan compares. Idempotent. */
export function normaliseSignature(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}

/** Whether two signatures are the same once Gmail's sanitising is accounted for. */
export function sameSignature(a: string, b: string): boolean {
  return a === b || normaliseSignature(a) === normaliseSignature(b);
}
