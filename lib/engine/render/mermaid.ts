import type { GatewayPicture } from '../picture/gateway-picture';
import { pictureView, type PictureViewOptions, type ViewNode } from './picture-view';
import { groupLines, groupStyle, moreLabel, nodeLines, styleOf, type NodeStyle } from './private/picture-labels';

/** The node budget of a Mermaid picture: GitHub renders it legibly, and it stays far below Mermaid's limits. */
export const MERMAID_MAX_NODES = 80;

/** Mermaid class of each highlight, and its look. */
const CLASSES: Record<Exclude<NodeStyle, undefined>, [string, string]> = {
  opens: ['opens', 'fill:#ffe3e3,stroke:#c92a2a,stroke-width:3px,color:#000'],
  closes: ['closes', 'fill:#d3f9d8,stroke:#2b8a3e,stroke-width:3px,color:#000'],
  allowed: ['allowed', 'fill:#fff5f5,stroke:#e03131,color:#000'],
  blocked: ['blocked', 'fill:#fff3bf,stroke:#e67700,stroke-dasharray:4 2,color:#000'],
  collapsed: ['collapsed', 'fill:#f1f3f5,stroke:#868e96,stroke-dasharray:2 2,color:#000'],
};

/**
 * Text inside a quoted Mermaid label. Letters (any script), digits, spaces and plain punctuation stay; everything
 * else becomes a numeric entity (`#35;` for `#`), which Mermaid turns back into the character when it draws. So
 * no OU name can end the label (`"`), open HTML (`<`), start an entity (`#`), a markdown string (backtick) or
 * a comment (`%%`), or trip Mermaid's `style …:…#…;` rewriting (`:` and `;`).
 */
export function mermaidText(text: string): string {
  let out = '';
  for (const ch of text) {
    if (/^[\p{L}\p{M}\p{N} .,/'+?!@_-]$/u.test(ch)) out += ch;
    else out += `#${ch.codePointAt(0)};`;
  }
  return out;
}

function label(lines: readonly string[]): string {
  return `["${lines.join('<br/>')}"]`;
}

/**
 * The gateway picture as a Mermaid flowchart (`flowchart TD`), as GitHub renders it in comments: one box per OU
 * with its setting before → after and its SMTP identities, parents above children; changed OUs highlighted
 * (`classDef`/`class`); beyond `maxNodes` (default 80) the least important subtrees folded into one box each.
 */
export function renderMermaid(picture: GatewayPicture, options: PictureViewOptions = {}): string {
  const view = pictureView(picture, { maxNodes: options.maxNodes ?? MERMAID_MAX_NODES });
  const lines = ['flowchart TD'];
  const edges: string[] = [];
  const styled = new Map<string, string[]>();
  const ids = new Map<string, string>();
  const visit = (v: ViewNode): void => {
    if (v.node) ids.set(v.node.path.toLowerCase(), v.id);
    const text = v.more ? [mermaidText(moreLabel(v.more))] : v.node ? nodeLines(v.node, mermaidText) : ['OUs'];
    lines.push(`  ${v.id}${label(text)}`);
    const style = styleOf(v);
    if (style) styled.set(CLASSES[style][0], [...(styled.get(CLASSES[style][0]) ?? []), v.id]);
    for (const child of v.children) {
      edges.push(`  ${v.id} --> ${child.id}`);
      visit(child);
    }
  };
  visit(view.root);
  view.groups.forEach((group, i) => {
    const id = `g${i}`;
    lines.push(`  ${id}{{"${groupLines(group, mermaidText).join('<br/>')}"}}`);
    const style = groupStyle(group);
    if (style) styled.set(CLASSES[style][0], [...(styled.get(CLASSES[style][0]) ?? []), id]);
    for (const path of group.orgUnits) {
      const target = ids.get(path.toLowerCase());
      if (target) edges.push(`  ${id} -.-> ${target}`);
    }
  });
  lines.push(...edges);
  for (const [name, style] of Object.values(CLASSES)) {
    const members = styled.get(name);
    if (!members) continue;
    lines.push(`  classDef ${name} ${style}`);
    lines.push(`  class ${members.join(',')} ${name}`);
  }
  return `${lines.join('\n')}\n`;
}
