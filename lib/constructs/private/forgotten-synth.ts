import { writeSync } from 'node:fs';

/** Stacks with a MailPolicy that nothing has synthesised, validated or read yet, in creation order. */
const pending = new Set<{ readonly stack: string }>();
let listening = false;

function hintAtExit(code: number): void {
  if (code !== 0 || pending.size === 0) return;
  const stacks = [...pending].map((p) => `'${p.stack}'`);
  const which = stacks.length === 1 ? `stack ${stacks[0]} was` : `stacks ${stacks.join(', ')} were`;
  writeSync(
    2,
    `mailpolicy: ${which} never synthesised, so no mail-policy.json was written: did main.ts call app.synth()?\n`,
  );
}

/**
 * Notes that the stack is expected to be synthesised; returns the function to call once it was (or its
 * manifest was read another way). A process that ends normally with a stack still pending prints a one-line
 * hint on stderr: the usual cause is a `main.ts` that builds the app but never calls `app.synth()`.
 */
export function expectSynthesis(stack: string): () => void {
  const entry = { stack };
  pending.add(entry);
  if (!listening) {
    listening = true;
    process.once('exit', hintAtExit);
  }
  return () => {
    pending.delete(entry);
  };
}
