import { Testing, TerraformStack, type App } from 'cdktf';

import {
  MailPolicy,
  OrgUnit,
  OutboundGatewayPolicy,
  Secret,
  SecurityMode,
  SendAsIdentity,
  User,
  type IOrgUnit,
  type IUser,
  type SmtpEndpointProps,
} from '../../lib/constructs';

/** A fixed fingerprint key so synth never creates a key file in the working directory. */
export const TEST_FINGERPRINT_KEY = 'test-fingerprint-key-0123456789';

export interface Scenario {
  readonly app: App;
  readonly stack: TerraformStack;
  readonly policy: MailPolicy;
  readonly partners: IOrgUnit;
  readonly user: IUser;
}

/** The smallest valid policy: /Sales/Partners allows gateways, user@example.com is placed there. */
export function scenario(app: App = Testing.app(), stackId = 'mail'): Scenario {
  const stack = new TerraformStack(app, stackId);
  const policy = new MailPolicy(stack, 'MailPolicy', { domains: ['example.com'] });
  const sales = OrgUnit.fromPath(policy, 'Sales', '/Sales');
  const partners = new OrgUnit(policy, 'Partners', { name: 'Partners', parent: sales });
  new OutboundGatewayPolicy(policy, 'Gateway', { orgUnit: partners, allowPerUserOutboundGateways: true });
  const user = User.fromEmail(policy, 'User', 'user@example.com', { orgUnit: partners });
  return { app, stack, policy, partners, user };
}

/** A valid SMTP endpoint, with overrides. */
export function smtp(overrides: Partial<SmtpEndpointProps> = {}): SmtpEndpointProps {
  return {
    host: 'smtp.partnerdomain.com',
    port: 587,
    securityMode: SecurityMode.STARTTLS,
    username: 'user.name@partnerdomain.com',
    password: Secret.fromEnv('PARTNER_SMTP_PASSWORD'),
    ...overrides,
  };
}

/** The valid partner identity of the scenario. */
export function partnerIdentity(s: Scenario, id = 'Partner'): SendAsIdentity {
  return new SendAsIdentity(s.policy, id, { user: s.user, sendAsEmail: 'user.name@partnerdomain.com', smtp: smtp() });
}

/** The message of the error `Testing.synth(stack, true)` throws, or fails the test when it does not throw. */
export function synthError(stack: TerraformStack): string {
  try {
    Testing.synth(stack, true);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected synth to fail, but it succeeded');
}

/** Escapes a string for use in a RegExp. */
export function re(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/** The shape of the synthesised apply resource (`terraform_data`), as far as the tests look at it. */
export interface ApplyResourceJson {
  readonly triggers_replace: Record<string, string>;
  readonly provisioner: Array<{
    readonly 'local-exec': { command: string; environment: Record<string, string>; working_dir: string };
  }>;
}

/** The single `terraform_data` resource of a synthesised `cdk.tf.json` text; fails on any other resource. */
export function applyResourceOf(tfJson: string): ApplyResourceJson {
  const tf = JSON.parse(tfJson) as { resource: Record<string, Record<string, ApplyResourceJson>> };
  expect(Object.keys(tf.resource)).toEqual(['terraform_data']);
  const resources = Object.values(tf.resource.terraform_data);
  if (resources.length !== 1) throw new Error(`expected one terraform_data, found ${resources.length}`);
  return resources[0];
}
