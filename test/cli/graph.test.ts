/**
 * Who may bypass the outbound gateway, through the `mailpolicy` binary against the emulator: the markdown plan
 * of the partner-gateway example carries a Mermaid diagram that the official parser accepts, and
 * `mailpolicy graph` prints the same picture as Mermaid, DOT (drawn by Graphviz) or a text tree.
 */
import { join } from 'node:path';

import { DEMO_TENANT } from '../../lib/emulator';
import { drawDot } from '../helpers/graphviz';
import { parseOneMermaid } from '../helpers/mermaid';
import { describeRun, runCli, type CliResult } from './helpers/cli';
import { synthPartnerGateway, type CliTenant, type PartnerSmtp, usePartnerTenant } from './helpers/tenant';

let tenant: CliTenant;
let smtp: PartnerSmtp;

usePartnerTenant((started) => ({ tenant, smtp } = started));

function freshRun(name: string): { manifest: string; cli(...args: string[]): Promise<CliResult> } {
  const cwd = tenant.freshDir(name);
  const env = { ...tenant.env, ...smtp.env };
  const manifest = join(synthPartnerGateway(join(cwd, 'cdktf.out'), env), 'mail-policy.json');
  return { manifest, cli: (...args) => runCli(args, { cwd, env }) };
}

function mermaidOf(markdown: string): string {
  const fence = /```mermaid\n([\s\S]*?)```/.exec(markdown);
  if (!fence) throw new Error(`no Mermaid diagram in:\n${markdown}`);
  return fence[1];
}

/** The parsed boxes by their first line (the OU's name). */
async function boxes(diagram: string): Promise<Record<string, { lines: string[]; classes: string[] }>> {
  const parsed = await parseOneMermaid(diagram);
  return Object.fromEntries(Object.values(parsed.nodes).map((n) => [n.lines[0], n]));
}

test('the markdown plan shows /Sales/Partners going from not allowed (inherited) to allowed (explicit)', async () => {
  // /Sales/Partners exists already, with no setting of its own: the plan adds the allowance.
  tenant.emulator.control.seed({ ...DEMO_TENANT, orgUnits: [{ path: '/Sales' }, { path: '/Sales/Partners' }] });
  const run = freshRun('existing-ou');
  const planned = await run.cli('plan', '--manifest', run.manifest, '--format', 'markdown');
  expect(describeRun(planned)).toMatch(/^exit 0/);
  expect(planned.stdout).toContain('### :unlock: Who may bypass the outbound gateway');
  expect(planned.stdout).toContain(
    '- `/Sales/Partners`: not allowed (inherited) → **allowed (explicit)**, 1 SMTP identity',
  );
  const drawn = await boxes(mermaidOf(planned.stdout));
  expect(drawn.Partners).toEqual({
    lines: ['Partners', 'not allowed (inherited) → allowed (explicit)', '1 SMTP identity'],
    classes: ['opens'],
  });
  expect(drawn.Sales.lines).toEqual(['Sales', 'not allowed (inherited)']);
  expect(drawn['/'].lines).toEqual(['/', 'not allowed (default)']);

  // `mailpolicy graph` prints the very diagram of the comment.
  const graph = await run.cli('graph', '--manifest', run.manifest);
  expect(describeRun(graph)).toMatch(/^exit 0/);
  expect(graph.stdout).toBe(mermaidOf(planned.stdout));
});

test('on the demo tenant the OU is new; after apply the picture shows the allowance in place, unchanged', async () => {
  tenant.emulator.control.seed('demo');
  const run = freshRun('new-ou');
  const text = await run.cli('plan', '--manifest', run.manifest);
  expect(text.stdout).toContain(
    [
      'Who may bypass the outbound gateway (per-user outbound gateways, before → after; * changed)',
      '  / · not allowed (default)',
      '  └─ Sales · not allowed (inherited)',
      '     └─ Partners · new, not allowed (inherited) → allowed (explicit) · 1 SMTP identity  *',
    ].join('\n'),
  );
  expect(describeRun(await run.cli('apply', '--manifest', run.manifest, '--auto-approve'))).toMatch(/^exit 0/);

  const tree = await run.cli('graph', '--manifest', run.manifest, '--format', 'text');
  expect(describeRun(tree)).toMatch(/^exit 0/);
  expect(tree.stdout).toBe(
    [
      '/ · not allowed (default)',
      '└─ Sales · not allowed (inherited)',
      '   └─ Partners · allowed (explicit) · 1 SMTP identity',
      '',
    ].join('\n'),
  );
  const dot = await run.cli('graph', '--manifest', run.manifest, '--format', 'dot');
  expect(describeRun(dot)).toMatch(/^exit 0/);
  const graph = await drawDot(dot.stdout);
  expect(Object.values(graph.nodes)).toContainEqual(['Partners', 'allowed (explicit)', '1 SMTP identity']);
  expect(graph.edges).toHaveLength(2);
  const json = JSON.parse((await run.cli('plan', '--manifest', run.manifest, '--format', 'json')).stdout);
  expect(json.picture.orgUnits.find((n: { path: string }) => n.path === '/Sales/Partners')).toMatchObject({
    before: { allowed: true, source: 'explicit' },
    after: { allowed: true, source: 'explicit' },
    changed: false,
    smtpIdentities: 1,
  });
});

test('graph refuses an unknown format or node budget with a usage error, and documents itself', async () => {
  tenant.emulator.control.seed('demo');
  const run = freshRun('usage');
  const bad = await run.cli('graph', '--manifest', run.manifest, '--format', 'svg');
  expect(describeRun(bad)).toMatch(/^exit 1/);
  expect(bad.stderr).toContain("[MP4000] --format: 'svg' is not a format (allowed: mermaid, dot, text)");
  const budget = await run.cli('graph', '--manifest', run.manifest, '--max-nodes', 'lots');
  expect(budget.stderr).toContain("[MP4000] --max-nodes: 'lots'");
  const help = await run.cli('graph', '--help');
  expect(help.stdout).toContain('mailpolicy graph [--manifest FILE | --app DIR] [--stack NAME]');
  expect((await run.cli('--help')).stdout).toMatch(/^ {2}graph +draw who may bypass the outbound gateway/m);
});

test('graph exits 1 and says why when the gateway policies cannot be read', async () => {
  tenant.emulator.control.seed('demo');
  const run = freshRun('unreadable');
  tenant.emulator.control.setKnobs({ faults: { methods: { 'cloudidentity.policies.list': { '503': 1 } } } });
  try {
    const graph = await runCli(['graph', '--manifest', run.manifest], {
      cwd: join(run.manifest, '..'),
      env: { ...tenant.env, ...smtp.env, MAILPOLICY_RETRY_DEADLINE: '2s' },
    });
    expect(describeRun(graph)).toMatch(/^exit 1/);
    expect(graph.stdout).toBe('');
    expect(graph.stderr).toContain('Cannot draw the picture: the OU list or the gateway policies could not be read.');
    expect(graph.stderr).toMatch(/cannot read: .*cloudidentity\.policies\.list|cannot read: .*503/);
  } finally {
    tenant.emulator.control.setKnobs({ faults: {} });
  }
});
