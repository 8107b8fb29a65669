import type { Framework, FrameworkModule, FrameworkName } from './contract';

/**
 * Finds the installed frameworks. Both are optional peer dependencies: each is resolved the way the library's
 * own `require` would (so from the user's `node_modules`, the copy their app uses) and loaded only when needed —
 * one the app has loaded already is used first, and the other is loaded only if no stack of the first one is
 * found. A framework that is not installed is skipped; one that is installed but fails to load raises its error.
 */

/** In order of preference when nothing tells them apart (never: a stack belongs to one framework). */
export const FRAMEWORK_NAMES: readonly FrameworkName[] = ['cdktf', 'cdktn'];

interface Slot {
  /** The package's entry file; undefined when it is not installed. */
  readonly path?: string;
  framework?: Framework;
}

const slots = new Map<FrameworkName, Slot>();

function isNotFound(error: unknown, name: string): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return e?.code === 'MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.includes(`'${name}'`);
}

function slotOf(name: FrameworkName): Slot {
  let slot = slots.get(name);
  if (slot === undefined) {
    try {
      slot = { path: require.resolve(name) };
    } catch (error) {
      if (!isNotFound(error, name)) throw error;
      slot = {};
    }
    slots.set(name, slot);
  }
  return slot;
}

function load(name: FrameworkName, slot: Slot): Framework | undefined {
  if (slot.path === undefined) return undefined;
  // A lazy require: the optional peer is loaded only when a construct is created, and only if installed.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  slot.framework ??= { name, resolvedFrom: slot.path, module: require(slot.path) as FrameworkModule };
  return slot.framework;
}

/** Whether the module at `path` was loaded already (by the user's app), without loading it. */
function alreadyLoaded(path: string): boolean {
  const cache = (require as { cache?: Record<string, unknown> }).cache;
  return cache !== undefined && cache[path] !== undefined;
}

/** The installed frameworks that are loaded already (by us or by the user's app), loading those the app loaded. */
export function loadedFrameworks(): Framework[] {
  const out: Framework[] = [];
  for (const name of FRAMEWORK_NAMES) {
    const slot = slotOf(name);
    if (slot.framework !== undefined) out.push(slot.framework);
    else if (slot.path !== undefined && alreadyLoaded(slot.path)) out.push(load(name, slot) as Framework);
  }
  return out;
}

/** Every installed framework, loading each one that is not loaded yet. */
export function installedFrameworks(): Framework[] {
  return FRAMEWORK_NAMES.flatMap((name) => load(name, slotOf(name)) ?? []);
}
