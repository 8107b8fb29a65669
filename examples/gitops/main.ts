// The mail policy of the tenant, reviewed in pull requests (see README.md). It started as the output of
// `mailpolicy import --out main.ts` and is edited by hand since.
import { App, TerraformStack } from 'cdktf';
import {
  MailPolicy,
  OrgUnit,
  OutboundGatewayPolicy,
  Secret,
  SecurityMode,
  SendAsIdentity,
  User,
} from 'workspace-mail-policy';

const app = new App();
const stack = new TerraformStack(app, 'mail-policy');
const policy = new MailPolicy(stack, 'MailPolicy', { domains: ['example.com'] });

// Organisational units, parents before children.
const ouSales = new OrgUnit(policy, 'Sales', { name: 'Sales' });
const ouSalesPartners = new OrgUnit(policy, 'Sales-Partners', { name: 'Partners', parent: ouSales });

// "Allow per-user outbound gateways": only on the smallest OU that needs it (CISA SCuBA GWS.GMAIL.12.1).
new OutboundGatewayPolicy(policy, 'Sales-Partners-Gateway', {
  orgUnit: ouSalesPartners,
  allowPerUserOutboundGateways: true,
});

// Users with their OU, and their send-as identities. The SMTP credentials come from the CI's secret store.
const userUser = User.fromEmail(policy, 'user-at-example.com', 'user@example.com', { orgUnit: ouSalesPartners });
new SendAsIdentity(policy, 'user-at-example.com-as-user.name-at-partnerdomain.com', {
  user: userUser,
  sendAsEmail: 'user.name@partnerdomain.com',
  displayName: 'User Name (Partner)',
  smtp: {
    host: 'smtp.partnerdomain.com',
    port: 587,
    securityMode: SecurityMode.STARTTLS,
    username: Secret.fromEnv('SMTP_USER_USER_NAME_PARTNERDOMAIN_COM_USERNAME'),
    password: Secret.fromEnv('SMTP_USER_USER_NAME_PARTNERDOMAIN_COM_PASSWORD'),
  },
});

app.synth();
