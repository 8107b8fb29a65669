/**
 * Signature parity: whatever the emulator stores for a signature (its own sanitiser, `sanitiseSignature`, the
 * rule in BEHAVIOUR.md), the engine's normaliser reads as the same signature it reads the declared HTML as —
 * S(E(h)) == S(h) — so an applied signature plans clean. The HTML is arbitrary within what signatures are made
 * of (`helpers/signature-html.ts`).
 */
import fc from 'fast-check';

import { sanitiseSignature } from '../../lib/emulator';
import { normaliseSignature, sameSignature } from '../../lib/model/signature';
import { signatureHtml as html } from './helpers/signature-html';

const S = normaliseSignature;
const E = sanitiseSignature;

describe('signature parity between the emulator and the engine', () => {
  test('what the emulator stores for any HTML reads, normalised by the engine, as the HTML itself: S(E(h)) == S(h)', () => {
    fc.assert(
      fc.property(html, (h) => {
        expect(S(E(h))).toBe(S(h));
      }),
      { numRuns: 3000 },
    );
  });

  test('so a signature the emulator has stored compares equal to the one declared', () => {
    fc.assert(
      fc.property(html, (h) => sameSignature(h, E(h))),
      { numRuns: 500 },
    );
  });

  test('the engine’s normaliser is idempotent, and what it keeps the emulator keeps', () => {
    fc.assert(
      fc.property(html, (h) => {
        const once = S(h);
        expect(S(once)).toBe(once);
        expect(S(E(once))).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });

  // Inputs on which the two sides once disagreed, each kept as an example.
  test.each([
    // A removed element leaves `<` right before text: it stays text, not a new tag.
    ['<<script></script>a onclick=x>', '&lt;a onclick=x&gt;'],
    // … and `&am` before it does not join what follows into a reference.
    ['&am<style></style>p;', '&amp;amp;'],
    ['&#65<style></style>5', 'A5'],
    ['&not<script></script>in;', '¬in;'],
    // A removed handler between a quoted value and the next attribute, or before `/`, keeps them apart.
    ["<blockquote  onclick='é'<!x>q", '<blockquote <!x="">q</blockquote>'],
    ['<div color = x onmouseover="y"/width=1>d', '<div color="x" width="1">d</div>'],
    ['<span id onclick=x =y>s', '<span id="" =y="">s</span>'],
    // Browsers read only the first of two attributes with one name.
    ['<img src="javascript:x" src="https://example.com/i.png">', '<img>'],
    // A script's end is where a browser finds it (`<!--<script>` hides the first `</script>`).
    ['<script><!--<script></script>hidden</script>shown', 'shown'],
    ['<style title="a>b">p{}</style title="a>b">after', 'after'],
    // References in a URL are read as a browser reads them: named ones need their `;` and their exact case.
    ['<a href="javascript&colon x">l</a>', '<a href="javascript&amp;colon x">l</a>'],
    ['<a href="javascript&COLON;x">l</a>', '<a href="javascript&amp;COLON;x">l</a>'],
    ['<a href="&#0;javascript:x">l</a>', '<a href="\uFFFDjavascript:x">l</a>'],
    ['<a href="java&Tab;script&colon;x">l</a>', '<a>l</a>'],
    // noscript is raw text (scripting on), so a script inside it is text.
    ['<noscript><script>x</noscript>y', '<noscript><script>x</noscript>y'],
    // Whitespace next to a removed element in a table lands where the text around it does.
    ['<table>&<style>p{}</style>\n</table>', '&amp;\n<table></table>'],
  ])('%j normalises to %j on both sides', (input, expected) => {
    expect(S(input)).toBe(expected);
    expect(S(E(input))).toBe(expected);
  });
});
