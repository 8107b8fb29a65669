/**
 * Arbitrary signature HTML for property tests: what signatures are made of — tags Gmail keeps and strips,
 * raw-text elements, attributes (style, on*, href/src with javascript: written every way a browser still reads
 * it), entities, nesting, unclosed tags and elements, comments, whitespace, non-ASCII text. Form controls
 * (`select`, `option`, `form`) and foreign content (`svg`, `math`) are left out: inside them a browser's tree
 * builder reads `style`, `script` and raw-text tags differently, which the emulator's one-pass reading does not
 * follow (BEHAVIOUR.md).
 */
import fc from 'fast-check';

const KEPT = ['a', 'b', 'i', 'u', 'p', 'div', 'span', 'br', 'img', 'font', 'table', 'tbody', 'tr', 'td', 'ul', 'li'];
const MORE_KEPT = ['strong', 'em', 'hr', 'blockquote', 'center', 'sup', 'h1', 'pre', 'small', 'template'];
const STRIPPED = ['script', 'style', 'SCRIPT', 'Style'];
const RAW_TEXT = ['textarea', 'title', 'noscript', 'iframe', 'xmp', 'noembed', 'noframes'];

const text = fc.constantFrom(
  'Hi',
  'Jane Doe',
  ' ',
  '\n',
  '\t',
  '  ',
  'é',
  '中文',
  '😀',
  '<',
  '>',
  '&',
  '"',
  "'",
  '=',
  '/',
  ';',
  'x > y',
  'a < b',
  '—',
  '\u00a0',
  'amp;',
  'in;',
  '5',
);
const entity = fc.constantFrom(
  '&amp;',
  '&lt;',
  '&gt;',
  '&nbsp;',
  '&#169;',
  '&#x263A;',
  '&eacute;',
  '&foo;',
  '&amp',
  '&am',
  '&not',
  '&#65',
  '&#0;',
  '&#xD800;',
  '&quot;',
  '&copy',
  '&#106;',
);
const url = fc.constantFrom(
  'https://example.com/a?b=1&c=2',
  'https://example.com/a?b=1&amp;c=2',
  'javascript:alert(1)',
  'JavaScript:x',
  ' javascript:x',
  'java\tscript:x',
  '&#106;avascript:x',
  '&#X6A;avascript:x',
  '&#106avascript:x',
  'javascript&colon;x',
  'javascript&COLON;x',
  'javascript&colon x',
  'java&Tab;script:x',
  'java&NewLine;script:x',
  'java&tab;script:x',
  '&#0;javascript:x',
  '\u0001javascript:x',
  'mailto:a@b.c',
  '#top',
  '',
  'data:text/html,x',
);
const attrName = fc.constantFrom(
  'style',
  'class',
  'href',
  'src',
  'onclick',
  'onmouseover',
  'ONLOAD',
  'title',
  'alt',
  'width',
  'color',
  'on',
  'data-x',
  'HREF',
  '=x',
);
const attrValue = fc.oneof(
  url,
  fc.constantFrom('color:red', 'font-size: 12px; color: #333', '1>2', 'a"b', "a'b", 'x', '', 'é', '&amp;', '&quot;'),
);
const attribute = fc
  .tuple(
    fc.constantFrom(' ', '  ', '\n', '/', ' /', ''),
    attrName,
    fc.option(fc.tuple(fc.constantFrom('=', ' = '), fc.constantFrom('"', "'", ''), attrValue), { nil: undefined }),
  )
  .map(([sep, name, v]) => (v === undefined ? `${sep}${name}` : `${sep}${name}${v[0]}${v[1]}${v[2]}${v[1]}`));
const attributes = fc.array(attribute, { maxLength: 4 }).map((a) => a.join(''));
const comment = fc.constantFrom(
  '<!-- note -->',
  '<!---->',
  '<!-->',
  '<!-- a > b -->',
  '<!-- <b> -->',
  '<!--x',
  '<!-- a --!> b',
  '<!doctype html>',
  '<?xml x?>',
  '<!x>',
  '</>',
  '</ x>',
);

/** One piece of HTML: text, a reference, a comment, or an element of each kind with pieces inside. */
const { node } = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    entity,
    comment,
    fc
      .tuple(
        fc.constantFrom(...KEPT, ...MORE_KEPT),
        attributes,
        fc.array(tie('node'), { maxLength: 3 }),
        fc.constantFrom('closed', 'unclosed', 'self-closing', 'end-tag-with-attributes'),
        fc.boolean(),
      )
      .map(([tag, attrs, children, how, upper]) => {
        const name = upper ? tag.toUpperCase() : tag;
        if (how === 'self-closing') return `<${name}${attrs}/>`;
        const end = how === 'closed' ? `</${name}>` : how === 'unclosed' ? '' : `</${name} onclick="a>b">`;
        return `<${name}${attrs}>${children.join('')}${end}`;
      }),
    // Script and style elements, closed (the end tag possibly carrying attributes) or not; script content may
    // hold `<!--` and `<script>`, which change where a browser finds its end.
    fc
      .tuple(
        fc.constantFrom(...STRIPPED),
        attributes,
        fc.array(fc.oneof(text, tie('node'), fc.constantFrom('<!--', '-->', '<script>', '</script>')), {
          maxLength: 3,
        }),
        fc.constantFrom('closed', 'unclosed', 'end-tag-with-attributes'),
      )
      .map(([tag, attrs, content, how]) => {
        const end = how === 'closed' ? `</${tag}>` : how === 'unclosed' ? '' : `</${tag} title="a>b">`;
        return `<${tag}${attrs}>${content.join('')}${end}`;
      }),
    fc
      .tuple(fc.constantFrom(...RAW_TEXT), fc.array(fc.oneof(text, tie('node')), { maxLength: 2 }))
      .map(([tag, content]) => `<${tag}>${content.join('')}</${tag}>`),
    // A tag that never ends.
    fc.tuple(fc.constantFrom(...KEPT), attributes).map(([tag, attrs]) => `<${tag}${attrs}`),
  ),
}));

/** Signature HTML: up to eight pieces. */
export const signatureHtml = fc.array(node, { maxLength: 8 }).map((pieces) => pieces.join(''));
