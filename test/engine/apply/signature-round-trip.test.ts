/**
 * An applied signature plans clean: identities declared with awkward signatures (stripped tags, scripts,
 * handlers, entities, whitespace, unclosed markup) are planned, applied through the real client to the emulator
 * — which sanitises them as Gmail does before storing them — and planned again: the second plan changes nothing.
 */
import { join } from 'node:path';

import fc from 'fast-check';

import { sanitiseSignature } from '../../../lib/emulator';
import { applyExitCode, applyPlan } from '../../../lib/engine/apply';
import { emptyManifest, type Manifest } from '../../../lib/model/manifest';
import { normaliseSignature } from '../../../lib/model/signature';
import { FileStateBackend } from '../../../lib/state/file-state-backend';
import { StateStore } from '../../../lib/state/state-store';
import { signatureHtml } from '../../model/helpers/signature-html';
import { KEY, useApplyBench } from './helpers/apply-bench';
import { planRollout } from './helpers/emulator-rollout';

const bench = useApplyBench();

const AWKWARD = [
  '<p style="color:#333" onclick="track()">Jane Doe<br>Partner&nbsp;Manager</p><script>alert(1)</script>',
  '<div>Jane &amp; Co &copy 2026 &#x263A; — Zürich 中文</div>\n\n  <style>p{color:red}</style>  ',
  '<a href=" java\tscript:alert(1)" title="1>2">site</a><a href="https://example.com/?a=1&b=2">ok</a>',
  '<b>unclosed <i>nesting <table><tr><td>cell<td>cell 2</table>',
  '<!-- a comment --><img src="logo.png" onerror=alert(1) alt=logo><<script></script>b onclick=x>',
  "<font face=Arial size=2 ONMOUSEOVER='x'>text</FONT><script>unclosed",
  '<TEXTAREA><script>not a script</script></TEXTAREA><noscript><b>raw</b></noscript>',
  '&am<style></style>p; &#65<script></script>5',
];

let run = 0;

/** One user per signature, each with one external identity (no SMTP) and the signature on it and the primary. */
function manifestOf(signatures: readonly string[]): Manifest {
  const manifest = emptyManifest('signatures', ['example.com']);
  signatures.forEach((signature, i) => {
    manifest.sendAs.push(
      { userEmail: `u${i}@example.com`, sendAsEmail: `u${i}@partner.test`, displayName: `User ${i}`, signature },
      { userEmail: `u${i}@example.com`, sendAsEmail: `u${i}@example.com`, signature },
    );
  });
  return manifest;
}

/** Plans, applies and plans again; the second plan's changes. */
async function applyAndReplan(signatures: readonly string[]) {
  bench.seed({ users: signatures.map((_, i) => `u${i}@example.com`) });
  const manifest = manifestOf(signatures);
  const { admin } = bench.client();
  const state = await StateStore.load(
    new FileStateBackend({ folder: join(bench.dir, `state-${run++}`) }),
    'signatures',
  );
  const first = await planRollout(admin, manifest, state, KEY, {});
  const result = await applyPlan(first, { admin, state, fingerprintKey: KEY, env: {}, sleep: async () => undefined });
  expect(result.failed).toEqual([]);
  expect(applyExitCode(result)).toBe(0);
  const second = await planRollout(admin, manifest, state, KEY, {});
  return { first, second };
}

test('identities declared with awkward signatures plan clean once applied, though Gmail stored them sanitised', async () => {
  const { first, second } = await applyAndReplan(AWKWARD);

  // Each identity is created with its signature, and each primary address gets its signature as an update.
  const actions = first.changes.filter((c) => c.kind === 'sendAs').map((c) => c.action);
  expect(actions.sort()).toEqual([...AWKWARD.map(() => 'create'), ...AWKWARD.map(() => 'update')]);
  expect(second.changes).toEqual([]);
  // The tenant holds what the emulator's sanitiser made of each, which differs from what was declared.
  const stored = (bench.snapshot().sendAs ?? []).filter((s) => s.sendAsEmail.endsWith('@partner.test'));
  for (const [i, declared] of AWKWARD.entries()) {
    const live = stored.find((s) => s.sendAsEmail === `u${i}@partner.test`)?.signature;
    expect(live).toBe(sanitiseSignature(declared));
    expect(normaliseSignature(live ?? '')).toBe(normaliseSignature(declared));
  }
  expect(stored.filter((s, i) => s.signature !== AWKWARD[i])).not.toEqual([]);
});

test('arbitrary signatures plan clean once applied', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(signatureHtml, { minLength: 1, maxLength: 4 }), async (signatures) => {
      const { second } = await applyAndReplan(signatures);
      expect(second.changes).toEqual([]);
    }),
    { numRuns: 25 },
  );
});
