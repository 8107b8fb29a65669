/**
 * Signature sanitisation (a guess of what Gmail's sanitiser does; see BEHAVIOUR.md for the rule). One left-to-
 * right pass over the HTML that reads it the way a browser's tokenizer does — quoted attribute values may
 * hold `>`, comments and raw-text elements are skipped as a whole, a script's end tag is found as a browser
 * finds it — so its time grows linearly with the input:
 * 1. `<script>` and `<style>` elements are removed with their content, up to and including the matching end
 *    tag; an unclosed one is removed to the end of the input; the text on either side never joins into
 *    markup or a character reference it was not;
 * 2. in every tag, each attribute whose name starts with `on` is removed together with the whitespace before
 *    it (one whitespace character stays when something other than `>` follows directly);
 * 3. in every tag, each `href` / `src` attribute whose value (character references decoded as a browser does,
 *    then every character U+0000–U+0020 dropped) starts with `javascript:` is removed the same way;
 *    a later attribute of the same name as a removed one goes too (a browser reads only the first).
 * Nothing else changes: text, comments, other tags and their attributes are kept byte for byte.
 */
import { decodeHTML, decodeHTMLAttribute, escapeText } from 'entities';

/** Elements whose content is text up to their own end tag (HTML raw text and RCDATA elements). */
const RAW_TEXT = new Set(['textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript']);
const REMOVED = new Set(['script', 'style']);

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r';
const isLetter = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z]$/.test(c);
/** HTML lower-cases tag and attribute names in ASCII only. */
const asciiLower = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

function isJavascriptUrl(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^javascript:/i.test(decodeHTMLAttribute(value).replace(/[\u0000-\u0020]/g, ''));
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
  /** Attribute names seen in this tag: true when the first of that name was removed. */
  const seen = new Map<string, boolean>();
  /** Whether the last thing kept is an attribute name without a value (an `=` after it would give it one). */
  let lastValueless = false;
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
    const attrName = asciiLower(html.slice(attrStart, i));
    let value = '';
    let j = i;
    while (j < n && isSpace(html[j])) j++;
    const hasValue = html[j] === '=';
    if (hasValue) {
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
    const drop =
      seen.get(attrName) === true ||
      attrName.startsWith('on') ||
      ((attrName === 'href' || attrName === 'src') && isJavascriptUrl(value));
    if (!seen.has(attrName)) seen.set(attrName, drop);
    // The whitespace right before a removed attribute goes with it; a `/` separator stays. What follows must still
    // be read as it was: after a name without a value, a following `=…` gets a `/` in between (else it would
    // become that name's value); when something other than whitespace or `>` follows directly (`/`, another
    // attribute), one whitespace character stays (else it would join the name or unquoted value before it).
    let keep = separator.length;
    if (drop) while (keep > 0 && isSpace(separator[keep - 1])) keep--;
    const kept = separator.slice(0, keep);
    out.push(kept);
    if (kept.includes('/')) lastValueless = false;
    if (drop && keep === 0) {
      let k = i;
      while (k < n && isSpace(html[k])) k++;
      if (lastValueless && html[k] === '=') {
        out.push('/');
        lastValueless = false;
      } else if (separator.length > 0 && i < n && !isSpace(html[i]) && html[i] !== '>') {
        out.push(separator[separator.length - 1]);
      }
    }
    if (!drop) {
      out.push(html.slice(attrStart, i));
      lastValueless = !hasValue;
    }
    sepStart = i;
  }
}

/** Index of the end tag `</name` (followed by whitespace, `/`, `>` or the end) at or after `from`, or -1. */
function findEndTag(html: string, name: string, from: number): number {
  for (let at = html.indexOf('</', from); at !== -1; at = html.indexOf('</', at + 2)) {
    const after = html[at + 2 + name.length];
    if (
      asciiLower(html.slice(at + 2, at + 2 + name.length)) === name &&
      (after === undefined || isSpace(after) || after === '/' || after === '>')
    ) {
      return at;
    }
  }
  return -1;
}

/** Whether `name` (lower case) starts at `at`, followed by whitespace, `/` or `>`. */
function namedAt(html: string, at: number, name: string): boolean {
  const after = html[at + name.length];
  return asciiLower(html.slice(at, at + name.length)) === name && (isSpace(after) || after === '/' || after === '>');
}

/**
 * Index of the `<` of the end tag closing a script whose content starts at `from`, or -1. As a browser reads
 * script data: after `<!--` the content is "escaped", where a `<script` starts a "double escaped" part in which
 * `</script` does not close the element (it returns to escaped); `-->` returns to plain script data.
 */
function findScriptEnd(html: string, from: number): number {
  const n = html.length;
  let state: 'data' | 'escaped' | 'double' = 'data';
  let dashes = 0;
  for (let i = from; i < n; i++) {
    const c = html[i];
    if (c === '-') {
      if (state !== 'data') dashes++;
      continue;
    }
    const dashed = dashes;
    dashes = 0;
    if (c === '>' && state !== 'data' && dashed >= 2) {
      state = 'data';
    } else if (c === '<') {
      if (state !== 'double' && html[i + 1] === '/' && namedAt(html, i + 2, 'script')) return i;
      if (state === 'data' && html.startsWith('!--', i + 1)) {
        state = 'escaped';
        dashes = 2;
        i += 3;
      } else if (state === 'escaped' && namedAt(html, i + 1, 'script')) {
        state = 'double';
        i += 6;
      } else if (state === 'double' && html[i + 1] === '/' && namedAt(html, i + 2, 'script')) {
        state = 'escaped';
        i += 7;
      }
    }
  }
  return -1;
}

/**
 * After an element was removed at `at`: the output must not end with text that joins the text after it into
 * something it was not — a bare `<` that would start a tag, or `&…` that would become a character reference.
 * Such an ending is written as the text it is (`&lt;`, the reference decoded and escaped).
 */
function separateAtRemoval(chunks: string[], html: string, at: number): void {
  if (at >= html.length || chunks.length === 0) return;
  const last = chunks[chunks.length - 1];
  if (last.endsWith('<')) {
    chunks[chunks.length - 1] = `${last.slice(0, -1)}&lt;`;
    return;
  }
  const tail = /&[#0-9A-Za-z]*$/.exec(last)?.[0];
  if (tail === undefined) return;
  const next = html.indexOf('<', at);
  const after = html.slice(at, next === -1 ? html.length : next);
  if (decodeHTML(tail + after) !== decodeHTML(tail) + decodeHTML(after)) {
    chunks[chunks.length - 1] = last.slice(0, -tail.length) + escapeText(decodeHTML(tail));
  }
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
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt === -1) {
      out.push(html.slice(i));
      break;
    }
    out.push(html.slice(i, lt));
    const p = lt + 1;
    const c = html[p];
    if (isLetter(c)) {
      const tag = readTag(html, p);
      const lower = asciiLower(tag.name);
      if (REMOVED.has(lower)) {
        const close = lower === 'script' ? findScriptEnd(html, tag.end) : findEndTag(html, lower, tag.end);
        i = close === -1 ? n : readTag(html, close + 2).end;
        separateAtRemoval(chunks, html, i);
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
