import type { IConstruct } from 'constructs';

import { ErrorCodes, MailPolicyError } from '../../../model';

import type { Framework, FrameworkStack } from './contract';
import { installedFrameworks, loadedFrameworks } from './loader';

/** Both frameworks brand their stacks with this symbol; used only to explain a stack of another copy. */
const STACK_BRAND = Symbol.for('cdktf/TerraformStack');

/** The framework of each stack met so far. */
const known = new WeakMap<IConstruct, Framework>();

/** A stack and the framework it belongs to. */
export interface LocatedStack {
  readonly stack: FrameworkStack;
  readonly framework: Framework;
}

function frameworkOfScope(scope: IConstruct, frameworks: readonly Framework[]): Framework | undefined {
  const cached = known.get(scope);
  if (cached !== undefined) return cached;
  for (const framework of frameworks) {
    if (scope instanceof framework.module.TerraformStack) {
      known.set(scope, framework);
      return framework;
    }
  }
  return undefined;
}

/** The nearest scope (the construct itself included) that is a stack of one of `frameworks`. */
function nearestStack(scopes: readonly IConstruct[], frameworks: readonly Framework[]): LocatedStack | undefined {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const framework = frameworkOfScope(scopes[i], frameworks);
    if (framework !== undefined) return { stack: scopes[i] as FrameworkStack, framework };
  }
  return undefined;
}

function describe(frameworks: readonly Framework[]): string {
  return frameworks.map((f) => `${f.name} from ${f.resolvedFrom}`).join(', ');
}

function notInStack(construct: IConstruct, scopes: readonly IConstruct[], installed: Framework[]): MailPolicyError {
  const constructPath = construct.node.path;
  const details = { constructPath, frameworks: installed.map((f) => ({ name: f.name, from: f.resolvedFrom })) };
  if (installed.length === 0) {
    return new MailPolicyError(
      ErrorCodes.FRAMEWORK_UNAVAILABLE,
      `construct '${constructPath}': workspace-mail-policy found neither cdktf nor cdktn (CDK Terrain) installed; ` +
        'install the framework the app uses next to it: npm install cdktf@0.21 constructs@10.7 (or cdktn@0.24 constructs@10.7)',
      details,
    );
  }
  const branded = scopes.find((s) => (s as unknown as Record<symbol, unknown>)[STACK_BRAND] === true);
  if (branded !== undefined) {
    return new MailPolicyError(
      ErrorCodes.FRAMEWORK_UNAVAILABLE,
      `construct '${constructPath}': its stack '${branded.node.id}' comes from a copy of cdktf or cdktn other than the ` +
        `one workspace-mail-policy loads (${describe(installed)}); the app and the library must share one copy ` +
        '(run `npm ls cdktf cdktn constructs` and remove the nested one)',
      details,
    );
  }
  return new MailPolicyError(
    ErrorCodes.FRAMEWORK_UNAVAILABLE,
    `construct '${constructPath}' is not inside a TerraformStack: create it in a stack ` +
      `(new TerraformStack(app, 'id') of ${installed.map((f) => f.name).join(' or ')})`,
    details,
  );
}

/**
 * The stack that holds `construct` (the nearest `TerraformStack` among its scopes, itself included) and its
 * framework, told apart with `instanceof` against each installed framework's `TerraformStack`. Throws MP1400
 * when the construct is in no stack of an installed framework, or no framework is installed.
 */
export function locateStack(construct: IConstruct): LocatedStack {
  const scopes = construct.node.scopes;
  const found = nearestStack(scopes, loadedFrameworks());
  if (found !== undefined) return found;
  const installed = installedFrameworks();
  const located = nearestStack(scopes, installed);
  if (located === undefined) throw notInStack(construct, scopes, installed);
  return located;
}

/** The stack that holds `construct`; see {@link locateStack}. */
export function stackOf(construct: IConstruct): FrameworkStack {
  return locateStack(construct).stack;
}

/** The framework of the stack that holds `construct`; see {@link locateStack}. */
export function frameworkOf(construct: IConstruct): Framework {
  return locateStack(construct).framework;
}
