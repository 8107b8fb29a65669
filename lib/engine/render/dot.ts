import type { GatewayPicture } from '../picture/gateway-picture';
import { pictureView, type PictureViewOptions, type ViewNode } from './picture-view';
import { groupLines, groupStyle, moreLabel, nodeLines, styleOf, type NodeStyle } from './private/picture-labels';

/** Graphviz attributes of each highlight. */
const STYLE: Record<Exclude<NodeStyle, undefined>, string> = {
  opens: 'fillcolor="#ffe3e3", color="#c92a2a", penwidth=3',
  closes: 'fillcolor="#d3f9d8", color="#2b8a3e", penwidth=3',
  allowed: 'fillcolor="#fff5f5", color="#e03131"',
  blocked: 'fillcolor="#fff3bf", color="#e67700", style="rounded,filled,dashed"',
  collapsed: 'fillcolor="#f1f3f5", color="#868e96", style="rounded,filled,dotted"',
};

/**
 * Text inside a quoted DOT string: backslashes doubled (Graphviz reads `\N`, `\G`, `\l` … as escapes), quotes
 * escaped, `&` written `&amp;` (Graphviz decodes entities such as `&lt;` and `&#35;` in every label), control
 * characters dropped, half surrogate pairs replaced (they are not UTF-8). Lines are joined with
 * `\n` by the caller.
 */
export function dotText(text: string): string {
  return (
    text
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/\\/g, '\\\\')
      .replace(/"/g, '\\"')
  );
}

/** `label="…", fillcolor=…`: a node's attributes without the brackets. */
function attributes(lines: readonly string[], style: NodeStyle): string {
  return `label="${lines.join('\\n')}"${style ? `, ${STYLE[style]}` : ''}`;
}

/**
 * The gateway picture as a Graphviz digraph (`dot -Tsvg`): the same boxes and highlights as the Mermaid
 * picture. Every node unless `maxNodes` is given.
 */
export function renderDot(picture: GatewayPicture, options: PictureViewOptions = {}): string {
  const view = pictureView(picture, options);
  const lines = [
    'digraph gateway_picture {',
    '  rankdir=TB;',
    '  node [shape=box, style="rounded,filled", fillcolor="white", fontname="Helvetica"];',
  ];
  const edges: string[] = [];
  const ids = new Map<string, string>();
  const visit = (v: ViewNode): void => {
    if (v.node) ids.set(v.node.path.toLowerCase(), v.id);
    const text = v.more ? [dotText(moreLabel(v.more))] : v.node ? nodeLines(v.node, dotText) : ['OUs'];
    lines.push(`  ${v.id} [${attributes(text, styleOf(v))}];`);
    for (const child of v.children) {
      edges.push(`  ${v.id} -> ${child.id};`);
      visit(child);
    }
  };
  visit(view.root);
  view.groups.forEach((group, i) => {
    lines.push(`  g${i} [shape=hexagon, ${attributes(groupLines(group, dotText), groupStyle(group))}];`);
    for (const path of group.orgUnits) {
      const target = ids.get(path.toLowerCase());
      if (target) edges.push(`  g${i} -> ${target} [style=dashed];`);
    }
  });
  lines.push(...edges, '}');
  return `${lines.join('\n')}\n`;
}
