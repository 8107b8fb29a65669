/**
 * Organisational-unit paths: `/` is the root, `/Sales/Partners` a nested OU. Names are case-insensitive for
 * Google, so keys compare lower-cased paths.
 */

/** The root OU's path. */
export const ROOT_PATH = '/';

/** Google limits the OU hierarchy to 35 levels. */
export const MAX_OU_DEPTH = 35;

/** Upper bound of an OU name's length accepted here. */
export const MAX_OU_NAME_LENGTH = 60;

/** Joins a parent path and a child name. */
export function joinOrgUnitPath(parentPath: string, name: string): string {
  return parentPath === ROOT_PATH ? `/${name}` : `${parentPath}/${name}`;
}

/** The names along a path, root excluded: `/Sales/Partners` → `['Sales', 'Partners']`. */
export function orgUnitSegments(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

/** Number of levels below the root: `/` → 0, `/Sales` → 1. */
export function orgUnitDepth(path: string): number {
  return orgUnitSegments(path).length;
}

/** The parent path: `/Sales/Partners` → `/Sales`, `/Sales` → `/`; the root has no parent. */
export function parentOrgUnitPath(path: string): string | undefined {
  const segments = orgUnitSegments(path);
  if (segments.length === 0) return undefined;
  return segments.length === 1 ? ROOT_PATH : `/${segments.slice(0, -1).join('/')}`;
}

/** Canonical comparison key of a path (Google treats OU names case-insensitively). */
export function orgUnitKey(path: string): string {
  return path.toLowerCase();
}

/** Whether `path` is `ancestor` or lies under it. */
export function isWithinOrgUnit(path: string, ancestor: string): boolean {
  const p = orgUnitKey(path);
  const a = orgUnitKey(ancestor);
  return a === ROOT_PATH || p === a || p.startsWith(`${a}/`);
}

/** The path and all its ancestors, nearest first: `/A/B` → `['/A/B', '/A', '/']`. */
export function orgUnitAncestry(path: string): string[] {
  const out: string[] = [];
  let current: string | undefined = path;
  while (current !== undefined) {
    out.push(current);
    current = parentOrgUnitPath(current);
  }
  return out;
}
