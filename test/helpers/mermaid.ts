/**
 * Runs the official Mermaid parser (test/helpers/mermaid-parse.mjs) on diagrams, in one child `node` process
 * per batch: Mermaid is ESM only and needs a DOM, which jest's CommonJS environment does not give it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface ParsedNode {
  /** The label as a reader sees it, one entry per line. */
  readonly lines: string[];
  readonly classes: string[];
}

export type MermaidResult =
  | { readonly ok: true; readonly nodes: Record<string, ParsedNode>; readonly edges: Array<[string, string]> }
  | { readonly ok: false; readonly error: string };

const SCRIPT = join(__dirname, 'mermaid-parse.mjs');

/** Parses every diagram; a syntax error is an `ok: false` result, a crash of the parser a rejection. */
export function parseMermaid(diagrams: readonly string[]): Promise<MermaidResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT], { cwd: join(__dirname, '..', '..'), stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`mermaid-parse exited ${code}: ${stderr}`));
      try {
        resolve(JSON.parse(stdout) as MermaidResult[]);
      } catch (error) {
        reject(new Error(`mermaid-parse printed no JSON (${(error as Error).message}): ${stdout.slice(0, 500)}`));
      }
    });
    child.stdin.end(JSON.stringify(diagrams));
  });
}

/** Parses one diagram and fails with Mermaid's message when it does not parse. */
export async function parseOneMermaid(diagram: string): Promise<Extract<MermaidResult, { ok: true }>> {
  const [result] = await parseMermaid([diagram]);
  if (!result.ok) throw new Error(`Mermaid refused the diagram: ${result.error}\n${diagram}`);
  return result;
}
