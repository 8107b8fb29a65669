/**
 * The standard `fields` parameter ("Selector specifying which fields to include in a partial response", every
 * discovery document's `parameters.fields`), in the syntax of Google's performance guide: `a,b/c,d(e,f),*`.
 * A comma separates selections, `/` selects a field inside another, `(…)` selects several inside one, `*`
 * selects every field; selections apply to each element of an array. Names that do not exist select nothing.
 */
import { ApiError } from './google-error';

/** A selection tree: `true` keeps the whole value; a tree keeps only the named fields. */
type Selection = Map<string, Selection | true>;

function invalid(fields: string, why: string): ApiError {
  return new ApiError(400, 'invalidParameter', `Invalid field selection ${fields}: ${why}`, {
    location: 'fields',
    locationType: 'parameter',
  });
}

function merge(into: Selection, name: string, sub: Selection | true): void {
  const existing = into.get(name);
  if (existing === true || sub === true) {
    into.set(name, true);
    return;
  }
  if (!existing) {
    into.set(name, sub);
    return;
  }
  for (const [k, v] of sub) merge(existing, k, v);
}

/** Parses a `fields` expression; throws 400 `invalidParameter` naming it when malformed. */
export function parseFields(text: string): Selection {
  let at = 0;
  const name = (): string => {
    const m = /^[A-Za-z0-9_@$.*-]+/.exec(text.slice(at));
    if (!m) throw invalid(text, `a field name is expected at position ${at + 1}`);
    at += m[0].length;
    return m[0];
  };
  const list = (nested: boolean): Selection => {
    const out: Selection = new Map();
    for (;;) {
      const path = [name()];
      while (text[at] === '/') {
        at++;
        path.push(name());
      }
      let sub: Selection | true = true;
      if (text[at] === '(') {
        at++;
        sub = list(true);
        if (text[at] !== ')') throw invalid(text, `')' is expected at position ${at + 1}`);
        at++;
      }
      for (let i = path.length - 1; i > 0; i--) sub = new Map([[path[i], sub]]);
      merge(out, path[0], sub);
      if (text[at] === ',') {
        at++;
        continue;
      }
      if (nested ? text[at] === ')' : at === text.length) return out;
      throw invalid(text, `unexpected ${JSON.stringify(text[at] ?? 'end')} at position ${at + 1}`);
    }
  };
  return list(false);
}

/** The parts of `value` that `selection` names. */
export function applyFields(value: unknown, selection: Selection): unknown {
  if (Array.isArray(value)) return value.map((v) => applyFields(v, selection));
  if (typeof value !== 'object' || value === null) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const all = selection.get('*');
  if (all !== undefined) {
    for (const [k, v] of Object.entries(source)) out[k] = all === true ? v : applyFields(v, all);
  }
  for (const [k, sub] of selection) {
    if (k === '*' || source[k] === undefined) continue;
    out[k] = sub === true ? source[k] : applyFields(source[k], sub);
  }
  return out;
}
