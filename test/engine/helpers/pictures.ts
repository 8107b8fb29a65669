import fc from 'fast-check';

import type { GatewayPicture, GatewaySetting, OrgUnitNode } from '../../../lib/engine/picture';
import { joinOrgUnitPath, orgUnitSegments, parentOrgUnitPath } from '../../../lib/model/org-unit-path';

export interface NodeSpec {
  readonly path: string;
  readonly before?: GatewaySetting;
  readonly after?: GatewaySetting;
  readonly smtp?: number;
  readonly status?: OrgUnitNode['status'];
  readonly livePath?: string;
  readonly reasons?: OrgUnitNode['reasons'];
}

export const NOT_SET: GatewaySetting = { allowed: false, source: 'default' };
export const ALLOWED: GatewaySetting = { allowed: true, source: 'explicit' };

/** A picture from node specs in tree order (parents first); unset values are Google's default. */
export function pictureOf(specs: readonly NodeSpec[]): GatewayPicture {
  return {
    orgUnits: specs.map((s) => {
      const parent = parentOrgUnitPath(s.path);
      const before = s.before ?? NOT_SET;
      const after = s.after ?? before;
      return {
        path: s.path,
        name: orgUnitSegments(s.path).pop() ?? '/',
        ...(parent !== undefined ? { parentPath: parent } : {}),
        status: s.status ?? 'live',
        ...(s.livePath !== undefined ? { livePath: s.livePath } : {}),
        before,
        after,
        changed: before.allowed !== after.allowed,
        reasons: s.reasons ?? [],
        smtpIdentities: s.smtp ?? 0,
      };
    }),
    groups: [],
    unplacedSmtpIdentities: 0,
  };
}

/** OU names that break naive escaping in Mermaid, DOT or markdown. */
export const AWKWARD = [
  'Zürich & Co',
  'Eng#old',
  'A?b',
  'R+D',
  'say "hi"',
  '<b>bold',
  '<script>alert(1)',
  '&amp; &lt;',
  'back`tick`',
  'pipe|name',
  '[brackets]',
  '{braces}',
  '(parens)',
  '%% not a comment',
  'a;b:c',
  'lifestyle: x#35;',
  '#quot;',
  'click n0 call alert()',
  'end',
  'back\\slash\\N',
  '日本語 営業部',
  'emoji 🚀 team',
  '-->',
  '  padded  ',
];

/** Text Google could hold as a name: Unicode text (no half surrogate pair), no `/` or control characters, not blank. */
const isName = (s: string): boolean =>
  !s.includes('/') &&
  s.trim() !== '' &&
  !/\p{Cc}/u.test(s) &&
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

export const nameArb = fc.oneof(
  fc.constantFrom(...AWKWARD),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter(isName),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter(isName),
);

/** A chain of awkwardly named OUs under the root; the deepest allowed on the middle one, inherited below it. */
export const pictureArb: fc.Arbitrary<GatewayPicture> = fc
  .array(nameArb, { minLength: 1, maxLength: 4 })
  .map((names) => {
    const specs: NodeSpec[] = [{ path: '/' }];
    let path = '/';
    names.forEach((name, i) => {
      path = joinOrgUnitPath(path, name);
      const middle = Math.floor(names.length / 2);
      if (specs.some((s) => s.path.toLowerCase() === path.toLowerCase())) return;
      const decidedBy = specs[middle + 1]?.path ?? path;
      specs.push({
        path,
        after: i === middle ? ALLOWED : i > middle ? { allowed: true, source: 'inherited', from: decidedBy } : NOT_SET,
        smtp: i,
        status: i === 0 ? 'new' : i === 1 ? 'moved' : 'live',
        ...(i === 1 ? { livePath: `/Old/${name}` } : {}),
      });
    });
    return pictureOf(specs);
  });
