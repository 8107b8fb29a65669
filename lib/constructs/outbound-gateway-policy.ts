import { Construct } from 'constructs';

import type { IOrgUnit } from './org-unit';
import type { RemovalPolicy } from './removal-policy';
import { registerContribution } from './private/contributor';
import { watchStack } from './private/stack-policy';

/** Properties of an `OutboundGatewayPolicy`. */
export interface OutboundGatewayPolicyProps {
  /** The OU whose setting this is; it must be declared in the same stack (`OrgUnit` or `OrgUnit.fromPath`). */
  readonly orgUnit: IOrgUnit;
  /**
   * Gmail's "Allow per-user outbound gateways" (Admin console > Apps > Google Workspace > Gmail > End User
   * Access) for the OU and, by inheritance, every OU below it that has no setting of its own. Allow it on the
   * smallest OU that needs it: mail sent this way bypasses the domain's own outbound gateway.
   */
  readonly allowPerUserOutboundGateways: boolean;
  /**
   * What happens in the tenant when this construct is removed from the code.
   *
   * @default RemovalPolicy.DESTROY: the explicit policy is deleted and the OU inherits its parent's setting again
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The per-user outbound gateway setting of one OU. Changes can take up to 24 hours to reach every user.
 * Where Google's Policy API refuses to write the setting, the plan shows it as a manual step.
 */
export class OutboundGatewayPolicy extends Construct {
  /** The OU this setting belongs to. */
  public readonly orgUnit: IOrgUnit;

  public constructor(scope: Construct, id: string, props: OutboundGatewayPolicyProps) {
    super(scope, id);
    const p: Partial<OutboundGatewayPolicyProps> = props ?? {};
    this.orgUnit = p.orgUnit as IOrgUnit;
    watchStack(this);
    registerContribution(this, 'OutboundGatewayPolicy', (manifest) => {
      manifest.gatewayPolicies.push({
        orgUnitPath: p.orgUnit?.orgUnitPath as string,
        allowPerUserOutboundGateways: p.allowPerUserOutboundGateways as boolean,
        removalPolicy: p.removalPolicy,
        constructPath: this.node.path,
      });
    });
  }
}
