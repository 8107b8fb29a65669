import type { Construct, IConstruct } from 'constructs';

import { frameworkOf } from './stack-of';

/** The apply resource of a stack: what its `local-exec` runs, and what re-runs it. */
export interface ApplyResourceProps {
  /** The shell command; values travel in `environment`, never in this string. */
  readonly command: string;
  /** The folder the command runs in (a Terraform expression such as `${path.module}`). */
  readonly workingDir: string;
  /** Variables the command gets on top of Terraform's environment. */
  readonly environment: { readonly [name: string]: string };
  /**
   * The values whose change re-runs the command (`triggers_replace`), produced when the stack is rendered —
   * not while the framework prepares the stacks, when it resolves every value once looking for cross-stack
   * references (the triggers hold none, so the work is done once, for the real rendering).
   */
  readonly triggers: () => Record<string, string>;
}

/**
 * Adds Terraform's built-in `terraform_data` resource (the framework's `DataResource`; Terraform ≥ 1.4, no
 * provider to install) with `triggers_replace` and one `local-exec` provisioner: a changed trigger replaces the
 * resource, and creating it runs the command.
 */
export function addApplyResource(scope: Construct, id: string, props: ApplyResourceProps): IConstruct {
  const { DataResource, Lazy, Token } = frameworkOf(scope).module;
  return new DataResource(scope, id, {
    triggersReplace: Token.asAnyMap(
      Lazy.anyValue({ produce: (context) => (context.preparing ? {} : props.triggers()) }),
    ),
    provisioners: [
      {
        type: 'local-exec',
        command: props.command,
        workingDir: props.workingDir,
        environment: { ...props.environment },
      },
    ],
  });
}
