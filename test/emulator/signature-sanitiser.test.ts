/**
 * The emulator's signature sanitiser (a guess of Gmail's; the rule is in BEHAVIOUR.md): script/style elements
 * removed with their content, on* attributes removed, javascript: href/src removed, nothing else changed —
 * read the way a browser reads HTML, in one pass.
 */
import fc from 'fast-check';
import { sanitiseSignature } from '../../lib/emulator';

describe('signature sanitiser', () => {
  test.each([
    // A quoted attribute value may hold `>`; the handler after it still goes.
    ['<a title="1>2" onclick="x">hi</a>', '<a title="1>2">hi</a>'],
    [
      '<p style="x" onmouseover=\'y\'>a</p>\n<style>p{}</style><img src=" javascript:z" alt=1>',
      '<p style="x">a</p>\n<img alt=1>',
    ],
    [
      '<b ONCLICK=x()>Hi</b><SCRIPT type="a>b">alert(1)</script > <a href="JavaScript:go()">x</a>',
      '<b>Hi</b> <a>x</a>',
    ],
    // Unclosed tags and elements.
    ['<a onclick="x', '<a'],
    ['text <script>never closed', 'text '],
    ['<img src=x onerror=alert(1)', '<img src=x'],
    // Character references and whitespace inside the scheme are read as a browser reads them.
    ['<a href="&#106;ava&#x73;cript&colon;x" title=ok>y</a>', '<a title=ok>y</a>'],
    ['<a href=" java\tscript:x">y</a>', '<a>y</a>'],
    // Removing an element never joins the text around it into a new tag or reference: the text before is
    // written as the text it is.
    ['<<script></script>a onclick=x>', '&lt;a onclick=x>'],
    ['&am<style></style>p;', '&amp;amp;'],
    // A removed attribute never glues its neighbours together.
    ['<b onclick="x"title=t>', '<b title=t>'],
    ['<b title="t"onclick="x"lang=en>', '<b title="t"lang=en>'],
    ['<div color=x onmouseover="y"/width=1>', '<div color=x /width=1>'],
    ['<span id onclick=x =y>', '<span id/ =y>'],
    // A browser reads only the first attribute of one name: a duplicate of a removed one goes too.
    ['<img src="javascript:x" src="https://example.com/i.png" alt=a>', '<img alt=a>'],
    // A script ends where a browser ends it; an end tag is read as a tag.
    ['<script><!--<script></script>hidden</script>shown', 'shown'],
    ['<style title="a>b">p{}</style title="a>b">after', 'after'],
    // Named references need their `;` and their exact case; a NUL reference is U+FFFD, not dropped.
    [
      '<a href="javascript&colon x" HREF="javascript&COLON;x">l</a>',
      '<a href="javascript&colon x" HREF="javascript&COLON;x">l</a>',
    ],
    ['<a href="&#0;javascript:x">l</a>', '<a href="&#0;javascript:x">l</a>'],
    // Comments and raw-text elements are read as a browser reads them: what hides in them is not a tag.
    ['<!-- <a title=" --> <img src=x onerror=alert(1)> "> -->', '<!-- <a title=" --> <img src=x> "> -->'],
    ['<textarea><a title="</textarea><img src onerror=x>">', '<textarea><a title="</textarea><img src>">'],
    // Everything else is kept byte for byte.
    ['a < b > c &amp; <br/> <a/onclick=x>z</a>', 'a < b > c &amp; <br/> <a/>z</a>'],
  ])('%j → %j', (input, output) => {
    expect(sanitiseSignature(input)).toBe(output);
  });

  test('text without tags is kept unchanged, and sanitising is idempotent', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('<')),
        (s) => sanitiseSignature(s) === s,
      ),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom(
            '<',
            '<a ',
            'onclick=',
            '"',
            "'",
            '>',
            '<script>',
            '</script>',
            'x',
            ' ',
            'href=',
            'javascript:',
            '<!--',
            '-->',
            '<textarea>',
            '</textarea>',
          ),
        ),
        (parts) => {
          const once = sanitiseSignature(parts.join(''));
          return sanitiseSignature(once) === once;
        },
      ),
    );
  });

  // The regex sanitiser this replaces took 40 s on such input; the output is what is asserted, not a time.
  test('a 300 KB signature with quoted > and many unclosed tags', () => {
    const block = '<a title="1>2" onclick="x">hi</a><p style=\'a>b\' onmouseover=y>p</p>';
    const clean = '<a title="1>2">hi</a><p style=\'a>b\'>p</p>';
    const count = Math.ceil(300_000 / block.length);
    const tail = '<a title="'.repeat(2000);
    const input = block.repeat(count) + tail;
    expect(input.length).toBeGreaterThan(300_000);
    expect(sanitiseSignature(input)).toBe(clean.repeat(count) + tail);
    // Unclosed quotes all the way (12 s with the regex sanitiser): one tag, nothing to remove, kept as it is.
    const quotes = '<a title="x'.repeat(27_300);
    expect(sanitiseSignature(quotes)).toBe(quotes);
    // One tag that never closes: every `<b` after the first is an attribute name, every handler goes.
    const unclosed = '<b onclick=x '.repeat(25_000);
    expect(unclosed.length).toBeGreaterThan(300_000);
    expect(sanitiseSignature(unclosed)).toBe(`<b${' <b'.repeat(24_999)} `);
  });
});
