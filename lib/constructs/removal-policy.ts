/**
 * What happens to an object in the tenant when its construct is removed from the code (the name and meaning of
 * AWS CDK's `RemovalPolicy`). The stack's state remembers each object's policy, so the removal is planned even
 * though the code that declared it is gone.
 */
export enum RemovalPolicy {
  /** Delete the object from the tenant (for an OU: only once it holds no users or other OUs). */
  DESTROY = 'destroy',
  /** Leave the object in the tenant and stop managing it: the plan says "will no longer be managed". */
  RETAIN = 'retain',
}
