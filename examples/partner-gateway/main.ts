import { App, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import {
  MailPolicy,
  OrgUnit,
  OutboundGatewayPolicy,
  Secret,
  SecurityMode,
  SendAsIdentity,
  User,
} from 'workspace-mail-policy';

/**
 * The reference scenario: user@example.com, placed in /Sales/Partners where per-user outbound gateways are
 * allowed, sends as user.name@partnerdomain.com through the partner's own SMTP server.
 *
 * PARTNER_SMTP_HOST / PARTNER_SMTP_PORT override the partner's server (e.g. a local stand-in for a demo);
 * PARTNER_SMTP_PASSWORD holds the SMTP password (only its reference and a keyed fingerprint are written).
 */
export class PartnerGatewayStack extends TerraformStack {
  public constructor(scope: Construct, id: string, env: NodeJS.ProcessEnv = process.env) {
    super(scope, id);

    const policy = new MailPolicy(this, 'MailPolicy', { domains: ['example.com'] });

    const sales = new OrgUnit(policy, 'Sales', { name: 'Sales' });
    const partners = new OrgUnit(policy, 'Partners', {
      name: 'Partners',
      parent: sales,
      description: 'Staff who send mail for partners through the partners’ own servers',
    });
    new OutboundGatewayPolicy(policy, 'PartnersGateway', { orgUnit: partners, allowPerUserOutboundGateways: true });

    const user = User.fromEmail(policy, 'User', 'user@example.com', { orgUnit: partners });
    new SendAsIdentity(policy, 'PartnerAddress', {
      user,
      sendAsEmail: 'user.name@partnerdomain.com',
      displayName: 'User Name (Partner Domain)',
      smtp: {
        host: env.PARTNER_SMTP_HOST ?? 'smtp.partnerdomain.com',
        port: env.PARTNER_SMTP_PORT === undefined ? 587 : Number(env.PARTNER_SMTP_PORT),
        securityMode: SecurityMode.STARTTLS,
        username: 'user.name@partnerdomain.com',
        password: Secret.fromEnv('PARTNER_SMTP_PASSWORD'),
      },
    });
  }
}

/** The example app; `outdir` defaults to cdktf.json's `output` (cdktf.out). */
export function partnerGatewayApp(outdir?: string, env: NodeJS.ProcessEnv = process.env): App {
  const app = new App(outdir === undefined ? {} : { outdir });
  new PartnerGatewayStack(app, 'partner-gateway', env);
  return app;
}

if (require.main === module) {
  partnerGatewayApp().synth();
}
