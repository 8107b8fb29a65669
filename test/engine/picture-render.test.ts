import fc from 'fast-check';

import { renderDot, renderMarkdown, renderMermaid, renderPictureText, renderText } from '../../lib/engine/render';
import { transitionLabel } from '../../lib/engine/render/private/picture-labels';
import { emptyManifest, type Manifest } from '../../lib/model/manifest';
import { drawDot } from '../helpers/graphviz';
import { parseMermaid, parseOneMermaid } from '../helpers/mermaid';
import { ok } from './helpers/converged';
import { ALLOWED, NOT_SET, pictureArb, pictureOf, type NodeSpec } from './helpers/pictures';
import { plan } from './helpers/scenario';

const plain = (s: string): string => s;

/** White space as HTML shows it: runs collapsed, ends trimmed. */
const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

describe('the gateway picture renderers', () => {
  test('Mermaid: every awkward OU name parses and reads back exactly as written', async () => {
    const pictures = fc.sample(pictureArb, 150);
    const diagrams = pictures.map((p) => renderMermaid(p));
    // The checker itself must be able to fail: an unescaped quote breaks a label.
    const [broken, ...results] = await parseMermaid(['flowchart TD\n  n0["a"b"]\n', ...diagrams]);
    expect(broken.ok).toBe(false);
    results.forEach((result, i) => {
      if (!result.ok) throw new Error(`Mermaid refused:\n${diagrams[i]}\n${result.error}`);
      pictures[i].orgUnits.forEach((node, n) => {
        const drawn = result.nodes[`n${n}`];
        // HTML labels collapse runs of white space, as a reader sees them.
        expect({ name: squash(drawn.lines[0]), setting: drawn.lines.at(node.status === 'moved' ? 2 : 1) }).toEqual({
          name: squash(node.name),
          setting: transitionLabel(node, plain),
        });
        if (node.status === 'moved') expect(drawn.lines[1]).toBe(`moved from ${node.livePath}`);
      });
      expect(result.edges).toHaveLength(pictures[i].orgUnits.length - 1);
    });
  });

  test('DOT: Graphviz draws every awkward name as written', async () => {
    for (const picture of fc.sample(pictureArb, 60)) {
      const drawn = await drawDot(renderDot(picture));
      picture.orgUnits.forEach((node, n) => {
        // Graphviz draws runs of spaces with no-break spaces; compare what a reader sees.
        expect(drawn.nodes[`n${n}`][0].replace(/\u00a0/g, ' ')).toBe(node.name);
      });
      expect(drawn.edges).toHaveLength(picture.orgUnits.length - 1);
    }
  });

  test('changed OUs are highlighted: opens (now allowed), closes (no longer), blocked identities, allowed', async () => {
    const picture = pictureOf([
      { path: '/' },
      { path: '/Open', after: ALLOWED, smtp: 2 },
      { path: '/Shut', before: ALLOWED, after: NOT_SET },
      { path: '/Stuck', smtp: 1 },
      { path: '/Still', before: ALLOWED },
    ]);
    const parsed = await parseOneMermaid(renderMermaid(picture));
    expect(Object.fromEntries(Object.values(parsed.nodes).map((n) => [n.lines[0], n.classes]))).toEqual({
      '/': [],
      Open: ['opens'],
      Shut: ['closes'],
      Stuck: ['blocked'],
      Still: ['allowed'],
    });
    expect(renderPictureText(picture)).toEqual([
      '/ · not allowed (default)',
      '├─ Open · not allowed (inherited) → allowed (explicit) · 2 SMTP identities  *',
      '├─ Shut · allowed (explicit) → not allowed (inherited)  *',
      '├─ Stuck · not allowed (inherited) · 1 SMTP identity',
      '└─ Still · allowed (explicit)',
    ]);
  });

  test('beyond the node budget, subtrees fold into counted boxes; changed OUs and their ancestors stay', async () => {
    const specs: NodeSpec[] = [{ path: '/' }];
    for (let a = 0; a < 20; a++) {
      specs.push({ path: `/Region ${a}`, smtp: 1 });
      for (let b = 0; b < 50; b++) specs.push({ path: `/Region ${a}/Team ${b}`, smtp: b % 2 });
    }
    const deep = ['/Region 3/Team 7', '/Region 11/Team 42', '/Region 19/Team 0'];
    for (const spec of specs.filter((s) => deep.includes(s.path))) Object.assign(spec, { after: ALLOWED });
    const picture = pictureOf(specs);
    const identities = picture.orgUnits.reduce((n, o) => n + o.smtpIdentities, 0);
    const diagram = renderMermaid(picture, { maxNodes: 60 });
    const parsed = await parseOneMermaid(diagram);
    const boxes = Object.values(parsed.nodes);
    expect(boxes.length).toBeLessThanOrEqual(60);
    const shown = new Set(boxes.map((b) => b.lines[0]));
    for (const path of deep) for (const name of path.split('/').slice(1)) expect(shown).toContain(name);
    // Folded boxes account for every OU and identity left out.
    const folded = boxes.filter((b) => b.lines[0].startsWith('+ '));
    expect(folded.length).toBeGreaterThan(0);
    let ous = boxes.length - folded.length;
    let counted = boxes
      .filter((b) => !b.lines[0].startsWith('+ '))
      .reduce((n, b) => n + Number(/(\d+) SMTP identit/.exec(b.lines.join(' '))?.[1] ?? 0), 0);
    for (const box of folded) {
      const m = /^\+ (\d+) more OUs?(?:, (\d+) SMTP identit(?:y|ies))?/.exec(box.lines[0]);
      ous += Number(m?.[1]);
      counted += Number(m?.[2] ?? 0);
      expect(box.classes).toEqual(['collapsed']);
    }
    expect(ous).toBe(picture.orgUnits.length);
    expect(counted).toBe(identities);
    // Without a budget, DOT draws every OU.
    expect(Object.keys((await drawDot(renderDot(picture))).nodes)).toHaveLength(picture.orgUnits.length);
  });

  test('a plan with thousands of OUs keeps its markdown under the comment limit, diagram included', async () => {
    const m: Manifest = { ...emptyManifest('big', ['example.com']) };
    for (let a = 0; a < 40; a++)
      for (let b = 0; b < 60; b++) {
        const name = `Departement «${a}» & Équipe #${b}`;
        m.orgUnits.push({ path: `/R${a}/${name}`, name, parentPath: `/R${a}`, managed: true });
      }
    for (let a = 0; a < 40; a++) m.orgUnits.push({ path: `/R${a}`, name: `R${a}`, parentPath: '/', managed: true });
    m.gatewayPolicies.push({ orgUnitPath: '/R7/Departement «7» & Équipe #3', allowPerUserOutboundGateways: true });
    const p = plan(m, { ...emptyTenantWithRoot() });
    expect(p.picture?.orgUnits.length).toBe(1 + 40 + 2400);
    const md = renderMarkdown(p);
    expect(md.length).toBeLessThanOrEqual(65_536);
    const fence = /```mermaid\n([\s\S]*?)```/.exec(md);
    expect(fence).not.toBeNull();
    const parsed = await parseOneMermaid(fence![1]);
    expect(Object.keys(parsed.nodes).length).toBeLessThanOrEqual(80);
    const changed = Object.values(parsed.nodes).find((n) => n.classes.includes('opens'));
    expect(changed?.lines).toEqual([
      'Departement «7» & Équipe #3',
      'new, not allowed (inherited) → allowed (explicit)',
    ]);
    // The text plan gets the folded tree too.
    const text = renderText(p);
    console.log(
      text
        .split('\n')
        .filter((l) => l.includes('─'))
        .join('\n'),
    );
    expect(text).toContain('├─ Departement «7» & Équipe #3 · new, not allowed (inherited) → allowed (explicit)  *');
    expect(text).toMatch(/\+ \d+ more OUs/);
  });

  test('a smaller comment limit folds the diagram further, then drops it with a pointer to mailpolicy graph', async () => {
    const m: Manifest = { ...emptyManifest('s', ['example.com']) };
    for (let i = 0; i < 30; i++)
      m.orgUnits.push({ path: `/Unit ${i}`, name: `Unit ${i}`, parentPath: '/', managed: true });
    const p = plan(m, emptyTenantWithRoot());
    const diagrams: string[] = [];
    for (const max of [65_536, 2_500, 900]) {
      const md = renderMarkdown(p, { maxLength: max });
      expect(md.length).toBeLessThanOrEqual(max);
      const fence = /```mermaid\n([\s\S]*?)```/.exec(md);
      if (max === 900) {
        expect(fence).toBeNull();
        expect(md).toContain('run `mailpolicy graph` to draw it');
      } else diagrams.push(fence![1]);
    }
    const [full, folded] = await parseMermaid(diagrams);
    if (!full.ok || !folded.ok) throw new Error('Mermaid refused a diagram');
    expect(Object.keys(full.nodes)).toHaveLength(31);
    expect(Object.values(folded.nodes).map((n) => n.lines[0])).toContainEqual(
      expect.stringMatching(/^\+ \d+ more OUs$/),
    );
  });
});

function emptyTenantWithRoot() {
  return {
    orgUnits: ok([{ orgUnitId: 'root', orgUnitPath: '/', name: '' }]),
    gatewayPolicies: ok([]),
    users: {},
    sendAs: {},
    scopeMembers: {},
    policyWrites: 'api' as const,
  };
}
