import type { IConstruct } from 'constructs';

import { contributorKind } from './contributor';
import type { FrameworkStack } from './framework';
import { hasMailPolicyBrand, stackOf } from './policy-brand';
import { installCleanFailure } from './synth-failure';

export { hasMailPolicyBrand, MAIL_POLICY_SYM, stackOf } from './policy-brand';

/** What one walk over a stack found. */
export interface StackScan {
  /** The MailPolicy constructs of the stack, in tree order. */
  readonly policies: readonly IConstruct[];
  /** The other constructs that contribute to the stack's manifest (OrgUnit, User, …), in tree order. */
  readonly members: readonly IConstruct[];
}

/** Walks the stack once. */
export function scanStack(stack: IConstruct): StackScan {
  const policies: IConstruct[] = [];
  const members: IConstruct[] = [];
  for (const construct of stack.node.findAll()) {
    if (hasMailPolicyBrand(construct)) policies.push(construct);
    else if (contributorKind(construct) !== undefined) members.push(construct);
  }
  return { policies, members };
}

/** The MailPolicy constructs of the stack that holds `construct`. */
export function mailPoliciesOfStack(construct: IConstruct): IConstruct[] {
  return [...scanStack(stackOf(construct)).policies];
}

/**
 * The problems of a stack whose mail constructs do not have exactly one MailPolicy: one per construct when
 * there is none, one for the stack when there are several. Empty when the stack has exactly one.
 */
export function policyCountProblems(stack: IConstruct, scan: StackScan): string[] {
  if (scan.policies.length === 1) return [];
  if (scan.policies.length > 1) {
    return [
      `[MP1000] stack '${stack.node.id}' has ${scan.policies.length} MailPolicy constructs (${scan.policies.map((p) => p.node.path).join(', ')}); exactly one is allowed`,
    ];
  }
  return scan.members.map(
    (member) =>
      `[MP1000] ${contributorKind(member)} ${member.node.path} needs exactly one MailPolicy in its stack '${stack.node.id}' ` +
      `(found none); create one with new MailPolicy(stack, 'MailPolicy', { domains: [...] }).`,
  );
}

/**
 * Once per stack that holds mail constructs: registers the validation that they have exactly one MailPolicy
 * (one walk over the stack at synth, however many constructs it holds; the MailPolicy validates everything
 * else), and wraps the stack's synthesizer so that a failed validation prints our error list, not a trace.
 */
export function watchStack(construct: IConstruct): FrameworkStack {
  const stack = stackOf(construct);
  if (installCleanFailure(stack)) {
    stack.node.addValidation({ validate: () => policyCountProblems(stack, scanStack(stack)) });
  }
  return stack;
}
