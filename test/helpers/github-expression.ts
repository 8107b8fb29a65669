/**
 * A small evaluator of GitHub Actions expressions (`if:` conditions), enough to ask "does this job run on a
 * pull request?" of the gitops template: literals, context paths (`github.event_name`, `inputs.run`,
 * `needs.pending.outputs.apply`, `steps.plan.outputs.exitcode`), `==`, `!=`, `!`, `&&`, `||`, parentheses and
 * the status functions. Semantics follow GitHub's documentation of expressions: `&&` and `||` return an
 * operand, strings compare case-insensitively, a missing property is `null`.
 */

export type ExpressionValue = string | number | boolean | null | object;

/** The contexts an expression reads, and the results of the status functions. */
export interface ExpressionContext {
  readonly [name: string]: unknown;
}

/** Status functions; GitHub adds `success()` to an `if:` that calls none. */
export interface StatusFunctions {
  readonly success: boolean;
  readonly failure: boolean;
  readonly cancelled: boolean;
}

const DEFAULT_STATUS: StatusFunctions = { success: true, failure: false, cancelled: false };

type Token =
  | { kind: 'op'; value: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'word'; value: string };

function tokenise(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const op = /^(==|!=|&&|\|\||!|\(|\)|<=|>=|<|>)/.exec(rest);
    if (op) {
      tokens.push({ kind: 'op', value: op[0] });
      i += op[0].length;
      continue;
    }
    const string = /^'((?:[^']|'')*)'/.exec(rest);
    if (string) {
      tokens.push({ kind: 'string', value: string[1].replace(/''/g, "'") });
      i += string[0].length;
      continue;
    }
    const number = /^-?\d+(\.\d+)?/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][\w-]*(?:\.[A-Za-z_*][\w-]*|\[\d+\])*/.exec(rest);
    if (word) {
      tokens.push({ kind: 'word', value: word[0] });
      i += word[0].length;
      continue;
    }
    throw new Error(`cannot read the expression at '${rest}'`);
  }
  return tokens;
}

function truthy(value: unknown): boolean {
  return !(value === null || value === undefined || value === false || value === 0 || value === '');
}

function equal(a: unknown, b: unknown): boolean {
  const x = a === undefined ? null : a;
  const y = b === undefined ? null : b;
  if (typeof x === 'string' && typeof y === 'string') return x.toLowerCase() === y.toLowerCase();
  return x === y;
}

function lookup(path: string, context: ExpressionContext): unknown {
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let value: unknown = context;
  for (const part of parts) {
    if (value === null || value === undefined || typeof value !== 'object') return null;
    value = (value as Record<string, unknown>)[part];
  }
  return value === undefined ? null : value;
}

/** Evaluates an expression, with or without its `${{ }}`. */
export function evaluate(
  expression: string,
  context: ExpressionContext,
  status: StatusFunctions = DEFAULT_STATUS,
): unknown {
  const text = expression.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  const tokens = tokenise(text);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const isOp = (value: string): boolean => peek()?.kind === 'op' && peek()?.value === value;
  const expectOp = (value: string): void => {
    if (!isOp(value)) throw new Error(`expected '${value}' in ${text}`);
    at++;
  };

  function primary(): unknown {
    const token = tokens[at++];
    if (!token) throw new Error(`unexpected end of ${text}`);
    if (token.kind === 'op' && token.value === '(') {
      const value = or();
      expectOp(')');
      return value;
    }
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind === 'word') {
      if (token.value === 'true') return true;
      if (token.value === 'false') return false;
      if (token.value === 'null') return null;
      if (isOp('(')) {
        at++;
        expectOp(')');
        if (token.value === 'always') return true;
        if (token.value in status) return status[token.value as keyof StatusFunctions];
        throw new Error(`unknown function ${token.value}() in ${text}`);
      }
      return lookup(token.value, context);
    }
    throw new Error(`unexpected '${token.value}' in ${text}`);
  }
  function unary(): unknown {
    if (isOp('!')) {
      at++;
      return !truthy(unary());
    }
    return primary();
  }
  function comparison(): unknown {
    const left = unary();
    if (isOp('==') || isOp('!=')) {
      const op = tokens[at++].value;
      const right = unary();
      return op === '==' ? equal(left, right) : !equal(left, right);
    }
    return left;
  }
  function and(): unknown {
    let value = comparison();
    while (isOp('&&')) {
      at++;
      const right = comparison();
      value = truthy(value) ? right : value;
    }
    return value;
  }
  function or(): unknown {
    let value = and();
    while (isOp('||')) {
      at++;
      const right = and();
      value = truthy(value) ? value : right;
    }
    return value;
  }

  const value = or();
  if (at !== tokens.length) throw new Error(`unexpected '${JSON.stringify(tokens[at])}' in ${text}`);
  return value;
}

/** Whether an `if:` lets its job or step run (no `if:` runs while everything before succeeded). */
export function runs(
  condition: unknown,
  context: ExpressionContext,
  status: StatusFunctions = DEFAULT_STATUS,
): boolean {
  if (condition === undefined || condition === null) return status.success;
  const text = String(condition);
  const callsStatus = /\b(always|success|failure|cancelled)\(\)/.test(text);
  if (!callsStatus && !status.success) return false;
  return truthy(evaluate(text, context, status));
}
