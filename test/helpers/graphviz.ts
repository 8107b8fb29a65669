/**
 * Draws DOT with Graphviz itself (the WebAssembly build in `@viz-js/viz`) and reads back what a reader sees:
 * each node's text lines in the SVG, by node name. A syntax error fails with Graphviz's message.
 */
import { instance } from '@viz-js/viz';

export interface DrawnGraph {
  /** Node name (`n0`) → the label's lines as drawn. */
  readonly nodes: Record<string, string[]>;
  /** `a->b` for each edge, as Graphviz titles them. */
  readonly edges: string[];
}

export async function drawDot(dot: string): Promise<DrawnGraph> {
  const viz = await instance();
  const result = viz.render(dot, { format: 'svg' });
  const errors = result.errors.filter((e) => e.level === 'error');
  if (result.status !== 'success' || errors.length > 0) {
    throw new Error(`Graphviz refused the graph: ${result.errors.map((e) => e.message).join('; ')}\n${dot}`);
  }
  const nodes: Record<string, string[]> = {};
  const edges: string[] = [];
  // Graphviz's SVG: one <g class="node"> or <g class="edge"> per object, its name in <title>, lines in <text>.
  for (const [, kind, body] of result.output.matchAll(/<g id="[^"]*" class="(node|edge)">([\s\S]*?)<\/g>/g)) {
    const title = xmlText(/<title>([\s\S]*?)<\/title>/.exec(body)?.[1] ?? '');
    if (kind === 'edge') edges.push(title);
    else nodes[title] = [...body.matchAll(/<text[^>]*>([\s\S]*?)<\/text>/g)].map((m) => xmlText(m[1]));
  }
  return { nodes, edges };
}

/** XML character data as text: the five named entities and numeric references. */
function xmlText(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, ref: string) =>
    ref[0] === '#'
      ? String.fromCodePoint(ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : Number(ref.slice(1)))
      : named[ref.toLowerCase()],
  );
}
