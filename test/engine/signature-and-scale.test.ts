import fc from 'fast-check';

import { renderMarkdown, renderText } from '../../lib/engine/render';
import { normaliseSignature as sanitiseSignature } from '../../lib/model/signature';
import { emptyManifest, type Manifest } from '../../lib/model/manifest';
import { observedFrom } from './helpers/converged';
import { plan } from './helpers/scenario';

describe('signature sanitisation', () => {
  test('removes script and style elements, event handlers and javascript: URLs, and nothing else', () => {
    expect(sanitiseSignature('<p>Hi <b>there</b></p>\n  <br />')).toBe('<p>Hi <b>there</b></p>\n  <br>');
    expect(sanitiseSignature('<p>a</p><script type="x">alert(1)</script><STYLE>p{}</STYLE>b')).toBe('<p>a</p>b');
    expect(sanitiseSignature('<img src="x.png" onerror="boom()" alt="x">')).toBe('<img src="x.png" alt="x">');
    expect(sanitiseSignature('<a href=" JavaScript:alert(1)" title="t">x</a>')).toBe('<a title="t">x</a>');
    expect(sanitiseSignature('<a href="https://example.com">x</a>')).toBe('<a href="https://example.com">x</a>');
  });

  test('is idempotent', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.constantFrom('<script>', '</script>', '<a onclick=x href="javascript:y">', '<style>', '>'),
        (s, t) => {
          const input = `${s}${t}${s}`;
          expect(sanitiseSignature(sanitiseSignature(input))).toBe(sanitiseSignature(input));
        },
      ),
    );
  });
});

describe('scale', () => {
  test('a converged tenant with 10,000 identities plans nothing and renders the summary', () => {
    const m: Manifest = emptyManifest('big', ['example.com']);
    for (let u = 0; u < 5000; u++) {
      for (const alias of ['a', 'b'])
        m.sendAs.push({
          userEmail: `user${u}@example.com`,
          sendAsEmail: `${alias}${u}@example.com`,
          displayName: `User ${u}`,
        });
    }
    const { observed, state } = observedFrom(m);
    const p = plan(m, observed, state);
    expect(p.changes).toHaveLength(0);
    expect(p.summary.unchanged).toBe(10_000);
    expect(renderText(p, { color: false })).toContain('No changes.');
    expect(renderMarkdown(p).length).toBeLessThan(65_536);
  });
});
