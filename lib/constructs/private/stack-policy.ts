import type { IConstruct, IValidation } from 'constructs';
import { TerraformStack } from 'cdktf';

/** Brand of `MailPolicy` (kept here so constructs can find their policy without importing it). */
export const MAIL_POLICY_SYM = Symbol.for('workspace-mail-policy.MailPolicy');

/** Whether `x` carries the MailPolicy brand. */
export function hasMailPolicyBrand(x: unknown): boolean {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[MAIL_POLICY_SYM] === true;
}

/** The MailPolicy constructs of the stack that holds `construct`. */
export function mailPoliciesOfStack(construct: IConstruct): IConstruct[] {
  return TerraformStack.of(construct)
    .node.findAll()
    .filter((c) => hasMailPolicyBrand(c));
}

/**
 * A validation for constructs that belong to a stack's MailPolicy: their stack must hold exactly one.
 */
export function singlePolicyValidation(construct: IConstruct, what: string): IValidation {
  return {
    validate(): string[] {
      const stack = TerraformStack.of(construct);
      const policies = mailPoliciesOfStack(construct);
      if (policies.length === 1) return [];
      const found =
        policies.length === 0 ? 'none' : `${policies.length} (${policies.map((p) => p.node.path).join(', ')})`;
      return [
        `[MP1000] ${what} ${construct.node.path} needs exactly one MailPolicy in its stack '${stack.node.id}' ` +
          `(found ${found}); create one with new MailPolicy(stack, 'MailPolicy', { domains: [...] }).`,
      ];
    },
  };
}
