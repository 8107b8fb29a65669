import type { IConstruct } from 'constructs';

import { stackOf, type FrameworkStack } from './framework';

/** Brand of `MailPolicy` (kept here so constructs can find their policy without importing it). */
export const MAIL_POLICY_SYM = Symbol.for('workspace-mail-policy.MailPolicy');

/** Whether `x` carries the MailPolicy brand. */
export function hasMailPolicyBrand(x: unknown): boolean {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[MAIL_POLICY_SYM] === true;
}

export { stackOf, type FrameworkStack };

/** The stacks of the app that holds `construct` which have a MailPolicy, in tree order: one walk of the app. */
export function stacksWithPolicy(construct: IConstruct): IConstruct[] {
  const stacks = new Set<IConstruct>();
  for (const c of construct.node.root.node.findAll()) if (hasMailPolicyBrand(c)) stacks.add(stackOf(c));
  return [...stacks];
}
