/**
 * The two CEL dialects of the Policy API: the `filter` of `policies.list` (clauses `customer == "…"` and
 * `setting.type.matches('…')` combined with `&&`, `||`, `!` and parentheses, as the discovery document's own
 * example does) and `policyQuery.query` of a policy (`entity.org_units.exists(…orgUnitId('…'))` and
 * `entity.groups.exists(…groupId('…'))` joined by `&&`).
 */
import { ApiError } from './google-error';

export function invalidArgument(message: string): ApiError {
  return new ApiError(400, 'badRequest', message, { status: 'INVALID_ARGUMENT' });
}

type Token =
  | { kind: 'string'; value: string }
  | { kind: 'ident'; value: string }
  | { kind: 'op'; value: '&&' | '||' | '!' | '==' | '(' | ')' };

/** CEL string literal escapes (`\\`, `\'`, `\"`, `\n`, `\t`); others are kept as written. */
function unescape(body: string): string {
  return body.replace(/\\(.)/g, (whole, c: string) =>
    c === 'n' ? '\n' : c === 't' ? '\t' : c === '\\' || c === "'" || c === '"' ? c : whole,
  );
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const rest = text.slice(at);
    const space = /^\s+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    const str = /^(["'])((?:[^\\]|\\.)*?)\1/.exec(rest);
    const ident = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
    const op = /^(&&|\|\||==|!|\(|\))/.exec(rest);
    if (str) {
      tokens.push({ kind: 'string', value: unescape(str[2]) });
      at += str[0].length;
    } else if (ident) {
      tokens.push({ kind: 'ident', value: ident[0] });
      at += ident[0].length;
    } else if (op) {
      tokens.push({ kind: 'op', value: op[0] as '&&' });
      at += op[0].length;
    } else {
      throw invalidArgument(`Invalid filter: unexpected ${JSON.stringify(text[at])} at position ${at + 1}.`);
    }
  }
  return tokens;
}

/** What a filter clause is evaluated against. */
export interface FilterSubject {
  readonly customerId: string;
  readonly settingType: string;
}

export type FilterExpression = (p: FilterSubject) => boolean;

/** A parsed `policies.list` filter and the customers it names. */
export interface ParsedFilter {
  readonly matches: FilterExpression;
  readonly customers: readonly string[];
}

const SUPPORTED = `customer == "customers/…" and setting.type.matches('…') combined with &&, || and ! (and parentheses)`;

/** Parses a list filter; an empty filter matches everything. */
export function parseFilter(text: string): ParsedFilter {
  const customers: string[] = [];
  if (text.trim() === '') return { matches: () => true, customers };
  const tokens = tokenize(text);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const isOp = (value: string): boolean => peek()?.kind === 'op' && peek()?.value === value;
  const expect = (value: string): void => {
    if (!isOp(value))
      throw invalidArgument(`Invalid filter: expected ${value} in ${text} (the emulator supports ${SUPPORTED}).`);
    at++;
  };
  const string = (): string => {
    const t = peek();
    if (t?.kind !== 'string') throw invalidArgument(`Invalid filter: a quoted string is expected in ${text}.`);
    at++;
    return t.value;
  };
  const clause = (): FilterExpression => {
    const t = peek();
    if (t?.kind === 'ident' && t.value === 'customer') {
      at++;
      expect('==');
      const id = string().replace(/^customers\//, '');
      customers.push(id);
      return (p) => id === 'my_customer' || id.toLowerCase() === p.customerId.toLowerCase();
    }
    if (t?.kind === 'ident' && t.value === 'setting.type.matches') {
      at++;
      expect('(');
      const pattern = string();
      expect(')');
      let re: RegExp;
      try {
        re = new RegExp(pattern);
      } catch {
        throw invalidArgument(`Invalid filter: the regular expression ${pattern} does not compile.`);
      }
      return (p) => re.test(p.settingType);
    }
    throw invalidArgument(`Invalid filter clause in ${text} (the emulator supports ${SUPPORTED}).`);
  };
  const unary = (): FilterExpression => {
    if (isOp('!')) {
      at++;
      const inner = unary();
      return (p) => !inner(p);
    }
    if (isOp('(')) {
      at++;
      const inner = or();
      expect(')');
      return inner;
    }
    return clause();
  };
  const and = (): FilterExpression => {
    const parts = [unary()];
    while (isOp('&&')) {
      at++;
      parts.push(unary());
    }
    return (p) => parts.every((f) => f(p));
  };
  const or = (): FilterExpression => {
    const parts = [and()];
    while (isOp('||')) {
      at++;
      parts.push(and());
    }
    return (p) => parts.some((f) => f(p));
  };
  const matches = or();
  if (at !== tokens.length) {
    throw invalidArgument(
      `Invalid filter: unexpected text after position ${at} in ${text} (the emulator supports ${SUPPORTED}).`,
    );
  }
  return { matches, customers };
}

/** The OU and group a `policyQuery.query` names (each undefined when absent). */
export interface QueryScope {
  readonly orgUnitId?: string;
  readonly groupId?: string;
}

const OU_CLAUSE =
  /^entity\.org_units\.exists\(\s*(\w+)\s*,\s*\1\.org_unit_id\s*==\s*orgUnitId\(\s*(["'])([^"']*)\2\s*\)\s*\)$/;
const GROUP_CLAUSE =
  /^entity\.groups\.exists\(\s*(\w+)\s*,\s*\1\.group_id\s*==\s*groupId\(\s*(["'])([^"']*)\2\s*\)\s*\)$/;

/** Parses `policyQuery.query` for a write: one OU clause and/or one group clause joined by `&&`. */
export function parseQueryScope(query: string): QueryScope {
  let orgUnitId: string | undefined;
  let groupId: string | undefined;
  for (const raw of query.split('&&')) {
    const clause = raw
      .trim()
      .replace(/^\((.*)\)$/, '$1')
      .trim();
    const ou = OU_CLAUSE.exec(clause);
    const group = GROUP_CLAUSE.exec(clause);
    if (ou && orgUnitId === undefined) orgUnitId = ou[3];
    else if (group && groupId === undefined) groupId = group[3];
    else if (/^entity\.licenses\./.test(clause)) {
      throw invalidArgument('Invalid policyQuery.query: the licenses clause is not supported in mutate endpoints.');
    } else {
      throw invalidArgument(
        `Invalid policyQuery.query: ${JSON.stringify(clause)} (the emulator supports one entity.org_units.exists(org_unit, org_unit.org_unit_id == orgUnitId('…')) and one entity.groups.exists(group, group.group_id == groupId('…')) joined by &&).`,
      );
    }
  }
  return { orgUnitId, groupId };
}

/** The query Google returns for a policy of `orgUnitId`, or of `groupId` within `orgUnitId` (ScubaGoggles #572). */
export function queryFor(orgUnitId: string, groupId: string): string {
  const ou = `entity.org_units.exists(org_unit, org_unit.org_unit_id == orgUnitId('${orgUnitId}'))`;
  return groupId === '' ? ou : `entity.groups.exists(group, group.group_id == groupId('${groupId}')) && ${ou}`;
}
