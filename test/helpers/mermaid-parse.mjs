/**
 * Parses Mermaid diagrams with the official `mermaid` package, the way GitHub's renderer reads them.
 *
 * stdin: a JSON array of diagram texts. stdout: a JSON array, one entry per diagram:
 * `{ "ok": true, "nodes": { "<id>": { "lines": [...], "classes": [...] } }, "edges": [["a", "b"], ...] }`
 * or `{ "ok": false, "error": "…" }`. `lines` is each node's label as a reader sees it: Mermaid's entity codes
 * (`#35;`) and HTML entities decoded, split at `<br/>`.
 *
 * Mermaid 11 is ESM only and needs a DOM (DOMPurify), so this runs as its own `node` process with jsdom's.
 */
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;

const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, logLevel: 'fatal' });

/** What a reader sees: Mermaid's own entity markers (from `#35;`), then HTML entities, decoded. */
function shown(text) {
  const html = text
    .replace(/\uFB02\xB0\xB0/g, '&#')
    .replace(/\uFB02\xB0/g, '&')
    .replace(/\xB6\xDF/g, ';');
  return html.split(/<br\s*\/?>/i).map((part) => {
    const el = dom.window.document.createElement('div');
    el.innerHTML = part;
    return el.textContent;
  });
}

async function check(text) {
  try {
    await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const nodes = {};
    for (const [id, vertex] of diagram.db.getVertices()) {
      nodes[id] = { lines: shown(vertex.text ?? ''), classes: [...(vertex.classes ?? [])] };
    }
    const edges = diagram.db.getEdges().map((e) => [e.start, e.end]);
    return { ok: true, nodes, edges };
  } catch (error) {
    return { ok: false, error: String(error?.message ?? error) };
  }
}

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) results.push(await check(text));
process.stdout.write(JSON.stringify(results));
