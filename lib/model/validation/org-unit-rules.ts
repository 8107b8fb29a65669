import type { ValidationIssue } from '../findings';
import type { Manifest } from '../manifest';
import {
  MAX_OU_DEPTH,
  MAX_OU_NAME_LENGTH,
  ROOT_PATH,
  joinOrgUnitPath,
  orgUnitDepth,
  orgUnitKey,
} from '../org-unit-path';

import { declaredAt, issueAt, laterDuplicates, type ValidationRule } from './issue';

const NAME_ALLOWED = `1–${MAX_OU_NAME_LENGTH} characters, no '/', not only spaces, not '.' or '..'`;
const PATH_ALLOWED = `an absolute path like /Sales/Partners: '/' then names of ${NAME_ALLOWED}, separated by '/'`;

/** Why an OU name is not acceptable, or undefined when it is. */
export function orgUnitNameProblem(name: string): string | undefined {
  if (name.trim().length === 0) return 'empty OU name';
  if (name.includes('/'))
    return "OU name contains '/': Google's Admin SDK would store it with '_' instead (support.google.com/a/answer/182538), so it could never match; write '_', or use the parent prop to nest OUs";
  if (name === '.' || name === '..')
    return `OU name '${name}' cannot round-trip: in the API's URL path it reads as a relative path segment, so the OU could be created but never read, renamed or deleted`;
  if (name.length > MAX_OU_NAME_LENGTH) return `OU name longer than ${MAX_OU_NAME_LENGTH} characters`;
  if (name !== name.trim()) return 'OU name starts or ends with spaces';
  return undefined;
}

/** Whether `path` is a well-formed absolute OU path (the root `/` included). */
export function isWellFormedOrgUnitPath(path: string): boolean {
  if (path === ROOT_PATH) return true;
  if (!path.startsWith('/') || path.endsWith('/')) return false;
  return path
    .slice(1)
    .split('/')
    .every((segment) => orgUnitNameProblem(segment) === undefined);
}

/** The OU paths a manifest declares (managed or referenced), by key, plus the root. */
export function declaredOrgUnitKeys(manifest: Manifest): Set<string> {
  return new Set([ROOT_PATH, ...manifest.orgUnits.map((ou) => orgUnitKey(ou.path))]);
}

/** OU names and paths are well formed and consistent; depth ≤ 35. */
export const orgUnitShapeRule: ValidationRule = {
  code: 'MPV-OU-NAME',
  description: `OU names are not empty, contain no '/', are at most ${MAX_OU_NAME_LENGTH} characters; paths match parent + name; depth ≤ ${MAX_OU_DEPTH}.`,
  check(manifest: Manifest): ValidationIssue[] {
    const out: ValidationIssue[] = [];
    manifest.orgUnits.forEach((ou, i) => {
      const site = { jsonPath: `$.orgUnits[${i}]`, entry: ou };
      const nameProblem = orgUnitNameProblem(ou.name);
      if (!ou.managed && (ou.path === ROOT_PATH || !isWellFormedOrgUnitPath(ou.path))) {
        out.push(issueAt('MPV-OU-PATH', site, 'path', ou.path, PATH_ALLOWED, 'malformed OU path'));
      } else if (nameProblem) {
        out.push(issueAt('MPV-OU-NAME', site, 'name', ou.name, NAME_ALLOWED, nameProblem));
      } else if (!isWellFormedOrgUnitPath(ou.parentPath)) {
        out.push(issueAt('MPV-OU-PATH', site, 'parentPath', ou.parentPath, PATH_ALLOWED, 'malformed parent OU path'));
      } else if (ou.path !== joinOrgUnitPath(ou.parentPath, ou.name)) {
        out.push(
          issueAt(
            'MPV-OU-PATH',
            site,
            'path',
            ou.path,
            `parentPath + '/' + name = ${JSON.stringify(joinOrgUnitPath(ou.parentPath, ou.name))}`,
            'OU path does not match its parent path and name',
          ),
        );
      } else if (orgUnitDepth(ou.path) > MAX_OU_DEPTH) {
        out.push(
          issueAt(
            'MPV-OU-DEPTH',
            site,
            'path',
            ou.path,
            `at most ${MAX_OU_DEPTH} levels below the root`,
            `OU nested ${orgUnitDepth(ou.path)} levels deep`,
          ),
        );
      }
      if (ou.movedFrom !== undefined) {
        if (!ou.managed) {
          out.push(
            issueAt(
              'MPV-OU-PATH',
              site,
              'movedFrom',
              ou.movedFrom,
              'movedFrom only on managed OUs',
              'OrgUnit.fromPath OUs are never moved',
            ),
          );
        } else if (!isWellFormedOrgUnitPath(ou.movedFrom) || ou.movedFrom === ROOT_PATH) {
          out.push(issueAt('MPV-OU-PATH', site, 'movedFrom', ou.movedFrom, PATH_ALLOWED, 'malformed former OU path'));
        } else if (orgUnitKey(ou.movedFrom) === orgUnitKey(ou.path)) {
          out.push(
            issueAt(
              'MPV-OU-PATH',
              site,
              'movedFrom',
              ou.movedFrom,
              'a path different from the OU path',
              'movedFrom equals the OU path',
            ),
          );
        }
      }
    });
    return out;
  },
};

/** OU paths are unique (Google compares names case-insensitively, so siblings differing only in case clash). */
export const duplicateOrgUnitRule: ValidationRule = {
  code: 'MPV-OU-DUPLICATE',
  description: 'No two OUs with the same path, compared case-insensitively.',
  check(manifest: Manifest): ValidationIssue[] {
    const out: ValidationIssue[] = [];
    for (const { item: ou, index: i, first } of laterDuplicates(manifest.orgUnits, (unit) => orgUnitKey(unit.path))) {
      const other = manifest.orgUnits[first];
      out.push(
        issueAt(
          'MPV-OU-DUPLICATE',
          { jsonPath: `$.orgUnits[${i}]`, entry: ou },
          'name',
          ou.name,
          'a name unique among its siblings, compared case-insensitively',
          `OU ${JSON.stringify(ou.path)} clashes with ${JSON.stringify(other.path)} declared at ${declaredAt(other, `$.orgUnits[${first}]`)}`,
        ),
      );
    }
    return out;
  },
};

/** The parent of each OU is the root or declared in the manifest. */
export const orgUnitParentRule: ValidationRule = {
  code: 'MPV-OU-PARENT',
  description: 'The parent of every OU is declared (managed, or referenced with OrgUnit.fromPath).',
  check(manifest: Manifest): ValidationIssue[] {
    const declared = declaredOrgUnitKeys(manifest);
    const out: ValidationIssue[] = [];
    manifest.orgUnits.forEach((ou, i) => {
      if (!ou.managed || !isWellFormedOrgUnitPath(ou.parentPath)) return;
      if (!declared.has(orgUnitKey(ou.parentPath))) {
        out.push(
          issueAt(
            'MPV-OU-PARENT',
            { jsonPath: `$.orgUnits[${i}]`, entry: ou },
            'parentPath',
            ou.parentPath,
            `'/' or an OU declared in this stack (new OrgUnit or OrgUnit.fromPath(scope, id, ${JSON.stringify(ou.parentPath)}))`,
            'parent OU is not declared in this stack',
          ),
        );
      }
    });
    return out;
  },
};
