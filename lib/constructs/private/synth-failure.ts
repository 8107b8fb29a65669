import { writeSync } from 'node:fs';

import type { IConstruct } from 'constructs';

import { ErrorCodes, MailPolicyError } from '../../model';

import type { FrameworkStack, StackSynthesizer, SynthesisSession } from './framework';
import { withSynthesis } from './synthesis';

/** One validation message of a construct. */
export interface ValidationProblem {
  /** Id of the stack. */
  readonly stack: string;
  readonly constructPath: string;
  readonly message: string;
}

/** Every validation message of every construct in the stack, in tree order (the checks the framework runs at synth). */
export function validationProblems(stack: IConstruct): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  for (const construct of stack.node.findAll()) {
    for (const message of construct.node.validate()) {
      out.push({ stack: stack.node.id, constructPath: construct.node.path, message });
    }
  }
  return out;
}

const indent = (text: string): string => text.replace(/\n/g, '\n  ');

/** The error of a synth that failed validation: every message, each under the construct that raised it. */
export function synthValidationError(problems: readonly ValidationProblem[]): MailPolicyError {
  const stacks = [...new Set(problems.map((p) => p.stack))].map((s) => `'${s}'`);
  const where = stacks.length === 1 ? `stack ${stacks[0]}` : `stacks ${stacks.join(', ')}`;
  const lines = problems.map((p) => `- ${p.constructPath}: ${indent(p.message)}`);
  return new MailPolicyError(
    ErrorCodes.MANIFEST_INVALID,
    `synth of ${where} failed validation (${problems.length} error${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    { problems },
  );
}

/**
 * Throws `error` so that callers (tests, scripts) can catch it as usual, and makes sure that if nobody does,
 * the process prints `Error: [MPxxxx] …` on stderr and exits with 1 instead of Node's report of an uncaught
 * exception (source line, stack trace, Node version). The hook only answers for this error object and is
 * removed once the current turn of the event loop is over; any other uncaught exception takes Node's usual path.
 */
export function raiseSynthFailure(error: MailPolicyError): never {
  const listener = (thrown: unknown): void => {
    process.removeListener('uncaughtException', listener);
    if (thrown === error) {
      writeSync(2, `Error: ${error.format()}\n`);
      process.exit(1);
    }
    // Not ours: with no other listener, let Node report it as it would have.
    if (process.listenerCount('uncaughtException') === 0) {
      process.nextTick(() => {
        throw thrown;
      });
    }
  };
  process.on('uncaughtException', listener);
  setImmediate(() => process.removeListener('uncaughtException', listener)).unref();
  throw error;
}

const WATCHED_SYM = Symbol.for('workspace-mail-policy.StackWatched');

function isWatched(stack: IConstruct): boolean {
  return (stack as unknown as Record<symbol, unknown>)[WATCHED_SYM] === true;
}

/**
 * A stack synthesizer that runs the stack's own and, when the stack fails validation, raises one error listing
 * every validation message of this stack and of the app's later stacks that hold mail constructs (the
 * framework would stop at the first), each under the construct that raised it. Uncaught, it prints as
 * `Error: [MP1000] …` without a stack trace (instead of the framework's error, whose trace Node would print). Other
 * failures pass through unchanged.
 */
class CleanFailureSynthesizer implements StackSynthesizer {
  public constructor(
    private readonly inner: StackSynthesizer,
    private readonly stack: IConstruct,
  ) {}

  public synthesize(session: SynthesisSession): void {
    try {
      this.inner.synthesize(session);
    } catch (error) {
      // The framework raises a validation failure as a plain Error; the validations themselves say what failed.
      // Within the session, so each stack's manifest is still built once.
      const problemsOf = (stack: IConstruct): ValidationProblem[] =>
        withSynthesis(stack, session, () => validationProblems(stack));
      const problems = session.skipValidation ? [] : problemsOf(this.stack);
      if (problems.length > 0) {
        const later = this.laterStacks().flatMap(problemsOf);
        raiseSynthFailure(synthValidationError([...problems, ...later]));
      }
      throw error;
    }
  }

  /** The stacks with mail constructs that `app.synth()` would synthesise after this one. */
  private laterStacks(): IConstruct[] {
    const watched = this.stack.node.root.node.findAll().filter((c) => isWatched(c));
    return watched.slice(watched.indexOf(this.stack) + 1);
  }
}

/**
 * Once per stack: wraps its synthesizer so that a failed validation prints our error list, not a trace.
 * Returns false when the stack was wrapped already.
 */
export function installCleanFailure(stack: FrameworkStack): boolean {
  if (isWatched(stack)) return false;
  Object.defineProperty(stack, WATCHED_SYM, { value: true });
  stack.synthesizer = new CleanFailureSynthesizer(stack.synthesizer, stack);
  return true;
}
