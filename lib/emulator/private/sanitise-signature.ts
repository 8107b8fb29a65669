/**
 * Signature sanitisation (a guess of what Gmail's sanitiser does; see BEHAVIOUR.md for the rule). One left-to-
 * right pass over the HTML that reads it the way a browser's tokenizer does — quoted attribute values may
 * hold `>`, comments and raw-text elements are skipped as a whole — so its time grows linearly with the input:
 * 1. `<script>` and `<style>` elements are removed with their content, up to and including the matching end
 *    tag; an unclosed one is removed to the end of the input;
 * 2. in every tag, each attribute whose name starts with `on` is removed together with the whitespace before
 *    it;
 * 3. in every tag, each `href` / `src` attribute whose value (character references decoded, ASCII whitespace
 *    and control characters dropped) starts with `javascript:` is removed the same way.
 * Nothing else changes: text, comments, other tags and their attributes are kept byte for byte.
 */

/** Elements whose content is text up to their own end tag (HTML raw text and RCDATA elements). */
const RAW_TEXT = new Set(['textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript']);
const REMOVED = new Set(['script', 'style']);

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r';
const isLetter = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z]$/.test(c);

/** The value with numeric and a few named character references decoded (how a browser reads the URL). */
function decodeReferences(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|colon|tab|newline);?/gi, (whole, ref: string) => {
    const lower = ref.toLowerCase();
    if (lower === 'colon') return ':';
    if (lower === 'tab') return '\t';
    if (lower === 'newline') return '\n';
    const code = lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function isJavascriptUrl(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^javascript:/i.test(decodeReferences(value).replace(/[\u0000-\u0020]/g, ''));
}

/** One tag read from `start` (the character after `<`, or after `</`). */
interface TagRead {
  /** The tag's text without its leading `<` / `</`, attributes sanitised. */
  readonly text: string;
  readonly name: string;
  /** Index just past the tag (past `>`, or the input's end for an unclosed tag). */
  readonly end: number;
}

function readTag(html: string, start: number): TagRead {
  const n = html.length;
  let i = start;
  while (i < n && !isSpace(html[i]) && html[i] !== '/' && html[i] !== '>') i++;
  const name = html.slice(start, i);
  const out: string[] = [name];
  let sepStart = i;
  for (;;) {
    while (i < n && (isSpace(html[i]) || html[i] === '/')) i++;
    if (i >= n) {
      out.push(html.slice(sepStart, n));
      return { text: out.join(''), name, end: n };
    }
    if (html[i] === '>') {
      out.push(html.slice(sepStart, i + 1));
      return { text: out.join(''), name, end: i + 1 };
    }
    // An attribute: a name (an `=` first is part of it), then optionally `=` and a value.
    const attrStart = i;
    i++;
    while (i < n && !isSpace(html[i]) && html[i] !== '/' && html[i] !== '>' && html[i] !== '=') i++;
    const attrName = html.slice(attrStart, i).toLowerCase();
    let value = '';
    let j = i;
    while (j < n && isSpace(html[j])) j++;
    if (html[j] === '=') {
      j++;
      while (j < n && isSpace(html[j])) j++;
      const quote = html[j];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, j + 1);
        const stop = close === -1 ? n : close;
        value = html.slice(j + 1, stop);
        i = close === -1 ? n : close + 1;
      } else {
        const valueStart = j;
        while (j < n && !isSpace(html[j]) && html[j] !== '>') j++;
        value = html.slice(valueStart, j);
        i = j;
      }
    }
    const separator = html.slice(sepStart, attrStart);
    const drop = attrName.startsWith('on') || ((attrName === 'href' || attrName === 'src') && isJavascriptUrl(value));
    // The whitespace right before a removed attribute goes with it; a `/` separator stays.
    let keep = separator.length;
    if (drop) while (keep > 0 && isSpace(separator[keep - 1])) keep--;
    out.push(separator.slice(0, keep));
    if (!drop) out.push(html.slice(attrStart, i));
    sepStart = i;
  }
}

/** Index of the end tag `</name` (followed by whitespace, `/`, `>` or the end) at or after `from`, or -1. */
function findEndTag(html: string, name: string, from: number): number {
  for (let at = html.indexOf('</', from); at !== -1; at = html.indexOf('</', at + 2)) {
    const after = html[at + 2 + name.length];
    if (
      html.slice(at + 2, at + 2 + name.length).toLowerCase() === name &&
      (after === undefined || isSpace(after) || after === '/' || after === '>')
    ) {
      return at;
    }
  }
  return -1;
}

/** Index just past the next `>` at or after `from` (the input's end when there is none). */
function pastNext(html: string, char: string, from: number): number {
  const at = html.indexOf(char, from);
  return at === -1 ? html.length : at + char.length;
}

export function sanitiseSignature(html: string): string {
  const n = html.length;
  const chunks: string[] = [];
  // Only non-empty chunks, so that the last one tells what the output ends with.
  const out = {
    push: (...parts: string[]): void => {
      for (const part of parts) if (part !== '') chunks.push(part);
    },
  };
  let i = 0;
  // Set when a removed element leaves a bare `<` of text right before the rest: they are read as one tag.
  let pendingLt = false;
  while (i < n || pendingLt) {
    let p: number;
    if (pendingLt) {
      pendingLt = false;
      p = i;
    } else {
      const lt = html.indexOf('<', i);
      if (lt === -1) {
        out.push(html.slice(i));
        break;
      }
      out.push(html.slice(i, lt));
      p = lt + 1;
    }
    const c = html[p];
    if (isLetter(c)) {
      const tag = readTag(html, p);
      const lower = tag.name.toLowerCase();
      if (REMOVED.has(lower)) {
        const close = findEndTag(html, lower, tag.end);
        i = close === -1 ? n : pastNext(html, '>', close);
        const last = chunks.length > 0 ? chunks[chunks.length - 1] : '';
        if (last.endsWith('<') && i < n) {
          if (last.length === 1) chunks.pop();
          else chunks[chunks.length - 1] = last.slice(0, -1);
          pendingLt = true;
        }
        continue;
      }
      out.push('<', tag.text);
      i = tag.end;
      if (RAW_TEXT.has(lower) && i < n) {
        const close = findEndTag(html, lower, i);
        const stop = close === -1 ? n : close;
        out.push(html.slice(i, stop));
        i = stop;
      } else if (lower === 'plaintext') {
        out.push(html.slice(i));
        i = n;
      }
    } else if (c === '/' && isLetter(html[p + 1])) {
      const tag = readTag(html, p + 1);
      out.push('</', tag.text);
      i = tag.end;
    } else if (c === '!' && html.startsWith('--', p + 1)) {
      const a = html.indexOf('-->', p + 1);
      const b = html.indexOf('--!>', p + 1);
      const end = a === -1 && b === -1 ? n : a === -1 ? b + 4 : b === -1 ? a + 3 : Math.min(a + 3, b + 4);
      out.push('<', html.slice(p, end));
      i = end;
    } else if (c === '!' || c === '?' || (c === '/' && html[p + 1] !== '>')) {
      // Bogus comments (`<!…>`, `<?…>`, `</…>` not starting with a letter) run to the next `>`.
      const end = pastNext(html, '>', p);
      out.push('<', html.slice(p, end));
      i = end;
    } else {
      out.push('<');
      i = p;
    }
  }
  return chunks.join('');
}
