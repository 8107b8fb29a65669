import { decodeHTML, escapeText } from 'entities';
import { defaultTreeAdapter, html as HTML, parseFragment, serializeOuter, type DefaultTreeAdapterMap } from 'parse5';

/**
 * The comparable form of a send-as signature. Gmail sanitises a signature's HTML before it saves it
 * ("If a signature is provided, Gmail will sanitize the HTML before saving it with the alias", Gmail API
 * reference for `sendAs.create`/`update`), without documenting exactly what it removes. So the plan never
 * compares raw HTML: it puts the declared signature and the live one through this normaliser and compares the
 * results, so a difference Gmail itself introduced (a removed handler, a re-quoted attribute, an escaped `<`)
 * never shows as a change and an applied signature always plans clean.
 *
 * The normaliser reads the HTML exactly as a browser does — `parse5`, the WHATWG HTML parser, as the content of
 * a `div` with scripting enabled — and removes what Gmail is seen to remove: `script` and `style` elements with
 * their content, every `on*` event-handler attribute, and `href`/`src` attributes holding a `javascript:` URL.
 * Elements go from the source, as a sanitiser that filters the HTML as it reads it removes them (the text on
 * either side then meets, written as the text it is: a `<` as `&lt;`); attributes go from the parsed tree.
 * Everything else is kept and serialised in parse5's one canonical form (entities, quoting, implied end tags).
 * It is idempotent. Its time is linear in ordinary HTML; thousands of nested or misnested tags cost more, as in
 * every HTML parser (the tree builder's scope checks), which stays well under a second within Gmail's
 * 10,000-character signature limit.
 */

type ParentNode = DefaultTreeAdapterMap['parentNode'];
type ChildNode = DefaultTreeAdapterMap['childNode'];
type Element = DefaultTreeAdapterMap['element'];
type Template = DefaultTreeAdapterMap['template'];

const CONTEXT = defaultTreeAdapter.createElement('div', HTML.NS.HTML, []);
const REMOVED_ELEMENTS = new Set(['script', 'style']);

function parse(html: string, locations: boolean): DefaultTreeAdapterMap['documentFragment'] {
  return parseFragment(CONTEXT, html, { scriptingEnabled: true, sourceCodeLocationInfo: locations });
}

/** Every element of the tree (template contents included), walked without recursion so that deep HTML is fine. */
function* elements(root: ParentNode): Generator<Element> {
  const stack: ParentNode[] = [root];
  for (let parent = stack.pop(); parent; parent = stack.pop()) {
    for (const node of parent.childNodes) {
      if (!('tagName' in node)) continue;
      yield node;
      stack.push('content' in node ? (node as Template).content : node);
    }
  }
}

function isJavascriptUrl(value: string): boolean {
  // Whitespace and control characters inside the scheme are ignored when the URL is read.
  // eslint-disable-next-line no-control-regex
  return /^javascript:/i.test(value.replace(/[\u0000-\u0020]/g, ''));
}

function keptAttribute(attr: { name: string; prefix?: string; value: string }): boolean {
  const name = (attr.prefix ? `${attr.prefix}:${attr.name}` : attr.name).toLowerCase();
  if (name.startsWith('on')) return false;
  return !((name === 'href' || name === 'src') && isJavascriptUrl(attr.value));
}

/** The source ranges of the elements to remove, as the parser found them (an unclosed one runs to the end). */
function removedRanges(html: string, tree: ParentNode): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const element of elements(tree)) {
    const at = element.sourceCodeLocation;
    if (!REMOVED_ELEMENTS.has(element.tagName) || !at) continue;
    ranges.push([at.startOffset, at.endTag ? at.endOffset : html.length]);
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

/**
 * The source without the removed elements. Where a removal makes text meet, the text before it is written as
 * what it is when it would otherwise join what follows: a bare `<` (it would start a tag) as `&lt;`, a `&…` run
 * whose reading would change (it would become or extend a character reference) decoded and escaped.
 */
function withoutElements(html: string, ranges: ReadonlyArray<[number, number]>): string {
  let out = '';
  let from = 0;
  for (const [start, end] of ranges) {
    if (start < from) continue;
    out += html.slice(from, start);
    from = end;
    if (end >= html.length) break;
    if (out.endsWith('<')) {
      out = `${out.slice(0, -1)}&lt;`;
      continue;
    }
    const tail = /&[#0-9A-Za-z]*$/.exec(out)?.[0];
    if (tail === undefined) continue;
    const next = html.indexOf('<', end);
    const after = html.slice(end, next === -1 ? html.length : next);
    if (decodeHTML(tail + after) !== decodeHTML(tail) + decodeHTML(after)) {
      out = out.slice(0, -tail.length) + escapeText(decodeHTML(tail));
    }
  }
  return out + html.slice(from);
}

function childrenOf(node: ParentNode): ChildNode[] {
  return 'content' in node ? (node as Template).content.childNodes : node.childNodes;
}

/**
 * parse5's serialisation, walked without recursion (its own serialiser recurses once per level, which a few
 * thousand nested tags overflow): each element's tags come from parse5 serialising the element without children.
 */
function serialise(root: ParentNode): string {
  const out: string[] = [];
  const stack: Array<{ nodes: ChildNode[]; next: number; close: string }> = [
    { nodes: childrenOf(root), next: 0, close: '' },
  ];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next >= top.nodes.length) {
      out.push(top.close);
      stack.pop();
      continue;
    }
    const node = top.nodes[top.next++];
    if (!('tagName' in node)) {
      out.push(serializeOuter(node));
      continue;
    }
    const empty = { ...node, childNodes: [] } as Element;
    if ('content' in node) Object.assign(empty, { content: { ...(node as Template).content, childNodes: [] } });
    const tags = serializeOuter(empty);
    const close = `</${node.tagName}>`;
    if (!tags.endsWith(close)) {
      out.push(tags); // a void element: no content, no end tag
      continue;
    }
    out.push(tags.slice(0, -close.length));
    stack.push({ nodes: childrenOf(node), next: 0, close });
  }
  return out.join('');
}

/** The signature in the canonical form the plan compares. Idempotent. */
export function normaliseSignature(html: string): string {
  let tree = parse(html, true);
  const ranges = removedRanges(html, tree);
  if (ranges.length > 0) tree = parse(withoutElements(html, ranges), false);
  for (const element of elements(tree)) element.attrs = element.attrs.filter(keptAttribute);
  return serialise(tree);
}

/** Whether two signatures are the same once Gmail's sanitising is accounted for. */
export function sameSignature(a: string, b: string): boolean {
  return a === b || normaliseSignature(a) === normaliseSignature(b);
}
