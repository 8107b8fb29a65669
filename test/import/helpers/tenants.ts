import type { ImportedTenant } from '../../../lib/import';

/** A tenant with the awkward names the issue lists: spaces, `+`, apostrophes, non-ASCII letters, quotes. */
export const AWKWARD_TENANT: ImportedTenant = {
  topOrgUnitPath: '/',
  source: 'fixture tenant',
  orgUnits: [
    { path: '/Sales', name: 'Sales', parentPath: '/' },
    { path: '/Sales/Partners', name: 'Partners', parentPath: '/Sales', description: 'Partners\' desk "EMEA"' },
    { path: '/Sales/Partners+Resellers', name: 'Partners+Resellers', parentPath: '/Sales' },
    { path: '/Ventes Île-de-France', name: 'Ventes Île-de-France', parentPath: '/' },
    { path: "/O'Brien & Co", name: "O'Brien & Co", parentPath: '/', description: 'line one\nline two ${x}' },
  ],
  gatewayPolicies: [
    { orgUnitPath: '/', allowPerUserOutboundGateways: false },
    { orgUnitPath: '/Sales/Partners', allowPerUserOutboundGateways: true },
    { orgUnitPath: '/Ventes Île-de-France', allowPerUserOutboundGateways: true },
  ],
  users: [
    { email: 'admin@example.com', orgUnitPath: '/', sendAs: [] },
    {
      email: "o'brien+news@example.com",
      orgUnitPath: "/O'Brien & Co",
      sendAs: [{ sendAsEmail: 'team@example.com', displayName: 'Team \\ Support', treatAsAlias: true }],
    },
    {
      email: 'user@example.com',
      orgUnitPath: '/Sales/Partners',
      sendAs: [
        {
          sendAsEmail: 'user.name@partnerdomain.com',
          displayName: 'Zoë "Z" Müller',
          replyToAddress: 'replies@partnerdomain.com',
          signature: '<b>Zoë</b>\r\n<i>${company}</i>\n\u2028end',
          treatAsAlias: false,
          isDefault: true,
          smtpMsa: { host: 'smtp.partnerdomain.com', port: 587, securityMode: 'starttls' },
        },
        {
          sendAsEmail: 'user@resellers.net',
          smtpMsa: { host: 'mail.resellers.net', port: 465, securityMode: 'ssl' },
        },
      ],
    },
    {
      email: 'elodie@example.com',
      orgUnitPath: '/Ventes Île-de-France',
      sendAs: [
        {
          sendAsEmail: 'elodie@partenaire.fr',
          smtpMsa: { host: '192.0.2.10', port: 25, securityMode: 'none' },
        },
      ],
    },
  ],
};
