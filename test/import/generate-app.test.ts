import fc from 'fast-check';

import { generateApp, tenantDomains, type ImportedTenant } from '../../lib/import';
import { ManifestSchema } from '../../lib/model';
import { AWKWARD_TENANT } from './helpers/tenants';

const DOMAINS = ['example.com'];

describe('generateApp', () => {
  test('writes a complete cdktf app: App, one stack, MailPolicy with the domains, then app.synth()', () => {
    const { source } = generateApp(AWKWARD_TENANT, { domains: DOMAINS, customerId: 'C01demo00', stackName: 'tenant' });
    expect(source).toContain("import { App, TerraformStack } from 'cdktf';");
    expect(source).toMatch(/from 'workspace-mail-policy';/);
    expect(source).toContain("const stack = new TerraformStack(app, 'tenant');");
    expect(source).toContain(
      "const policy = new MailPolicy(stack, 'MailPolicy', { domains: ['example.com'], customerId: 'C01demo00' });",
    );
    expect(source.trimEnd().endsWith('app.synth();')).toBe(true);
  });

  test('is deterministic: the same tenant gives the same bytes', () => {
    const a = generateApp(AWKWARD_TENANT, { domains: DOMAINS });
    const b = generateApp(JSON.parse(JSON.stringify(AWKWARD_TENANT)) as ImportedTenant, { domains: DOMAINS });
    expect(b.source).toBe(a.source);
  });

  test('does not depend on the order OUs and users were read in', () => {
    const shuffled: ImportedTenant = { ...AWKWARD_TENANT, orgUnits: [...AWKWARD_TENANT.orgUnits].reverse() };
    expect(generateApp(shuffled, { domains: DOMAINS }).source).toBe(
      generateApp(AWKWARD_TENANT, { domains: DOMAINS }).source,
    );
  });

  test('declares parents before children, nested through parent references, the root implicit', () => {
    const { source } = generateApp(AWKWARD_TENANT, { domains: DOMAINS });
    const sales = source.indexOf("new OrgUnit(policy, 'Sales', { name: 'Sales' })");
    const partners = source.indexOf("new OrgUnit(policy, 'Sales-Partners',");
    expect(sales).toBeGreaterThan(0);
    expect(partners).toBeGreaterThan(sales);
    expect(source).toContain('parent: ouSales,');
    expect(source).toContain("const root = OrgUnit.fromPath(policy, 'Root', '/');");
    expect(source).not.toMatch(/name: '\/'/);
  });

  test('emits gateway policies only where the tenant sets them', () => {
    const { source } = generateApp(AWKWARD_TENANT, { domains: DOMAINS });
    expect(source.match(/new OutboundGatewayPolicy\(/g)).toHaveLength(3);
    expect(source).toContain(
      "new OutboundGatewayPolicy(policy, 'Root-Gateway', { orgUnit: root, allowPerUserOutboundGateways: false });",
    );
  });

  test('places each user in its OU and gives each non-primary identity its fields', () => {
    const { source } = generateApp(AWKWARD_TENANT, { domains: DOMAINS });
    expect(source).toContain("User.fromEmail(policy, 'admin-at-example.com', 'admin@example.com', { orgUnit: root });");
    expect(source).toContain(
      "const userUser = User.fromEmail(policy, 'user-at-example.com', 'user@example.com', { orgUnit: ouSalesPartners });",
    );
    expect(source).toContain(`  displayName: 'Zoë "Z" Müller',`);
    expect(source).toContain("  replyTo: 'replies@partnerdomain.com',");
    expect(source).toContain("  signature: '<b>Zoë</b>\\r\\n<i>${company}</i>\\n\\u2028end',");
    expect(source).toContain('  isDefault: true,');
    expect(source).not.toContain('isDefault: false');
    expect(source).toContain('    securityMode: SecurityMode.STARTTLS,');
    expect(source).toContain('    securityMode: SecurityMode.SSL,');
    expect(source).toContain('    securityMode: SecurityMode.NONE,');
    expect(source).not.toMatch(/sendAsEmail: 'user@example.com'/);
  });

  test('reads every SMTP user name and password from a documented environment variable', () => {
    const { source, secrets } = generateApp(AWKWARD_TENANT, { domains: DOMAINS });
    expect(secrets.map((s) => s.name)).toEqual(
      [
        'SMTP_USER_USER_NAME_PARTNERDOMAIN_COM_USERNAME',
        'SMTP_USER_USER_NAME_PARTNERDOMAIN_COM_PASSWORD',
        'SMTP_USER_USER_RESELLERS_NET_USERNAME',
        'SMTP_USER_USER_RESELLERS_NET_PASSWORD',
        'SMTP_ELODIE_ELODIE_PARTENAIRE_FR_USERNAME',
        'SMTP_ELODIE_ELODIE_PARTENAIRE_FR_PASSWORD',
      ].sort((a, b) => secrets.findIndex((s) => s.name === a) - secrets.findIndex((s) => s.name === b)),
    );
    for (const secret of secrets) expect(source).toContain(`Secret.fromEnv('${secret.name}')`);
    expect(secrets[0]).toMatchObject({ purpose: 'username', userEmail: expect.any(String), host: expect.any(String) });
  });

  test('disambiguates variable names that would collide, deterministically', () => {
    const tenant: ImportedTenant = {
      topOrgUnitPath: '/',
      orgUnits: [],
      gatewayPolicies: [{ orgUnitPath: '/', allowPerUserOutboundGateways: true }],
      users: [
        {
          email: 'a.b@example.com',
          orgUnitPath: '/',
          sendAs: [{ sendAsEmail: 'x@p.com', smtpMsa: { host: 'h', port: 587, securityMode: 'starttls' } }],
        },
        {
          email: 'a_b@example.com',
          orgUnitPath: '/',
          sendAs: [{ sendAsEmail: 'x@p.com', smtpMsa: { host: 'h', port: 587, securityMode: 'starttls' } }],
        },
      ],
    };
    const { secrets, source } = generateApp(tenant, { domains: DOMAINS });
    expect(secrets.map((s) => s.name)).toEqual([
      'SMTP_A_B_X_P_COM_USERNAME',
      'SMTP_A_B_X_P_COM_PASSWORD',
      'SMTP_A_B_X_P_COM_2_USERNAME',
      'SMTP_A_B_X_P_COM_2_PASSWORD',
    ]);
    expect(source).toContain('const userAB = ');
    expect(source).toContain('const userAB2 = ');
  });

  test('acknowledges the warnings the tenant triggers, so the code synthesises as it is', () => {
    const app = generateApp(AWKWARD_TENANT, { domains: DOMAINS });
    expect(app.acknowledged.map((f) => `${f.ruleId} ${f.subject}`)).toEqual([
      'MPR-SMTP-NO-TLS sendAs:elodie@example.com/elodie@partenaire.fr',
    ]);
    for (const f of app.acknowledged) {
      expect(app.source).toContain(`policy.acknowledge('${f.ruleId}', `);
    }
    expect(app.notes).toEqual([]);
  });

  test('references the top OU of a subtree import instead of managing it', () => {
    const tenant: ImportedTenant = {
      topOrgUnitPath: '/Sales',
      orgUnits: [{ path: '/Sales/Partners', name: 'Partners', parentPath: '/Sales' }],
      gatewayPolicies: [{ orgUnitPath: '/Sales', allowPerUserOutboundGateways: true }],
      users: [{ email: 'user@example.com', orgUnitPath: '/Sales/Partners', sendAs: [] }],
    };
    const app = generateApp(tenant, { domains: DOMAINS });
    expect(app.source).toContain("const ouSales = OrgUnit.fromPath(policy, 'Sales', '/Sales');");
    expect(app.source).toContain("new OrgUnit(policy, 'Sales-Partners', { name: 'Partners', parent: ouSales });");
    expect(app.manifest.orgUnits).toEqual([
      { path: '/Sales', name: 'Sales', parentPath: '/', managed: false },
      { path: '/Sales/Partners', name: 'Partners', parentPath: '/Sales', managed: true },
    ]);
  });

  test('references an existing parent that the import does not manage (a Terraform state lists only some OUs)', () => {
    const tenant: ImportedTenant = {
      topOrgUnitPath: '/',
      orgUnits: [
        { path: '/Sales/EMEA/Partners', name: 'Partners', parentPath: '/Sales/EMEA' },
        { path: '/Sales/EMEA/Partners/Tier 1', name: 'Tier 1', parentPath: '/Sales/EMEA/Partners' },
        { path: '/Legal', name: 'Legal', parentPath: '/' },
      ],
      gatewayPolicies: [],
      users: [],
    };
    const app = generateApp(tenant, { domains: DOMAINS });
    const reference = app.source.indexOf("const ouSalesEMEA = OrgUnit.fromPath(policy, 'Sales-EMEA', '/Sales/EMEA');");
    expect(reference).toBeGreaterThan(0);
    expect(app.source.indexOf('parent: ouSalesEMEA')).toBeGreaterThan(reference);
    expect(app.source).toContain("new OrgUnit(policy, 'Legal', { name: 'Legal' });");
    expect(app.manifest.orgUnits).toEqual([
      { path: '/Sales/EMEA', name: 'EMEA', parentPath: '/Sales', managed: false },
      { path: '/Legal', name: 'Legal', parentPath: '/', managed: true },
      { path: '/Sales/EMEA/Partners', name: 'Partners', parentPath: '/Sales/EMEA', managed: true },
      { path: '/Sales/EMEA/Partners/Tier 1', name: 'Tier 1', parentPath: '/Sales/EMEA/Partners', managed: true },
    ]);
  });

  test('declares only the aliases that back an in-domain identity, retained when removed from the code', () => {
    const tenant: ImportedTenant = {
      topOrgUnitPath: '/',
      orgUnits: [],
      gatewayPolicies: [{ orgUnitPath: '/', allowPerUserOutboundGateways: true }],
      users: [
        {
          email: 'desk@example.com',
          orgUnitPath: '/',
          aliases: ['sales@example.com', 'billing@example.com', 'old@example.com'],
          sendAs: [
            { sendAsEmail: 'Sales@example.com', treatAsAlias: true },
            { sendAsEmail: 'billing@example.com' },
            // Not an alias (a domain alias address, or refused by Gmail on a new create): nothing to declare.
            { sendAsEmail: 'team@example.com' },
            { sendAsEmail: 'desk@partner.com', smtpMsa: { host: 'smtp.partner.com', port: 465, securityMode: 'ssl' } },
          ],
        },
        { email: 'plain@example.com', orgUnitPath: '/', aliases: ['p@example.com'], sendAs: [] },
      ],
    };
    const app = generateApp(tenant, { domains: DOMAINS });
    expect(app.manifest.users).toEqual([
      {
        email: 'desk@example.com',
        orgUnitPath: '/',
        aliases: ['billing@example.com', 'sales@example.com'],
        aliasRemovalPolicy: 'retain',
      },
      { email: 'plain@example.com', orgUnitPath: '/' },
    ]);
    expect(app.source).toContain("aliases: ['billing@example.com', 'sales@example.com'],");
    expect(app.source).toContain('aliasRemovalPolicy: RemovalPolicy.RETAIN,');
    expect(app.source).toMatch(/^import \{[^}]*RemovalPolicy[^}]*\} from 'workspace-mail-policy';/m);
    expect(app.source).not.toContain('old@example.com');
    expect(app.source).not.toContain('p@example.com');
  });

  test('leaves a placement out, with a note, when the gateway allowance comes from outside the subtree', () => {
    const tenant: ImportedTenant = {
      topOrgUnitPath: '/Sales',
      orgUnits: [],
      gatewayPolicies: [],
      users: [
        {
          email: 'user@example.com',
          orgUnitPath: '/Sales',
          sendAs: [
            {
              sendAsEmail: 'u@partner.com',
              smtpMsa: { host: 'smtp.partner.com', port: 587, securityMode: 'starttls' },
            },
          ],
        },
      ],
    };
    const app = generateApp(tenant, { domains: DOMAINS });
    expect(app.source).toContain("const userUser = User.fromEmail(policy, 'user-at-example.com', 'user@example.com');");
    expect(app.source).toMatch(
      /\/\/ user@example.com: per-user gateways are not allowed on \/Sales by any setting read here/,
    );
    expect(app.notes).toHaveLength(1);
    expect(app.source).not.toContain('OrgUnit');
  });

  test('marks a guessed security mode when Gmail reports none', () => {
    const tenant: ImportedTenant = {
      topOrgUnitPath: '/',
      orgUnits: [],
      gatewayPolicies: [{ orgUnitPath: '/', allowPerUserOutboundGateways: true }],
      users: [
        {
          email: 'u@example.com',
          orgUnitPath: '/',
          sendAs: [
            {
              sendAsEmail: 'u@p.com',
              smtpMsa: { host: 'h.p.com', port: 465, securityMode: 'securityModeUnspecified' },
            },
          ],
        },
      ],
    };
    const app = generateApp(tenant, { domains: DOMAINS });
    expect(app.source).toContain('SecurityMode.SSL is a guess from port 465: check it.');
    expect(app.notes).toEqual(['u@example.com → u@p.com: security mode guessed from port 465']);
  });

  test('fails nothing silently: a tenant breaking a validation rule gets FIX BEFORE SYNTH lines', () => {
    const tenant: ImportedTenant = {
      topOrgUnitPath: '/',
      orgUnits: [],
      gatewayPolicies: [{ orgUnitPath: '/', allowPerUserOutboundGateways: true }],
      users: [
        {
          email: 'u@example.com',
          orgUnitPath: '/',
          sendAs: [
            {
              sendAsEmail: 'alias@example.com',
              smtpMsa: { host: 'smtp.example.com', port: 587, securityMode: 'starttls' },
            },
          ],
        },
      ],
    };
    const app = generateApp(tenant, { domains: DOMAINS });
    expect(app.notes[0]).toMatch(/MPV-SMTP-INTERNAL-ADDRESS/);
    expect(app.source).toMatch(/^\/\/ FIX BEFORE SYNTH: .*MPV-SMTP-INTERNAL-ADDRESS/m);
  });

  test("the tenant domains are the users' domains, the most used first", () => {
    expect(tenantDomains(AWKWARD_TENANT)).toEqual(['example.com']);
  });

  test('any tenant yields a structurally valid manifest, unique ids and unique variables', () => {
    const name = fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((s) => !s.includes('/') && s.trim() === s && s.length > 0);
    const tenantArb = fc
      .record({
        names: fc.uniqueArray(name, { maxLength: 6, selector: (s) => s.toLowerCase() }),
        locals: fc.uniqueArray(fc.stringMatching(/^[a-z0-9][a-z0-9._+'-]{0,8}$/), { maxLength: 6 }),
        allow: fc.boolean(),
      })
      .map(({ names, locals, allow }): ImportedTenant => ({
        topOrgUnitPath: '/',
        orgUnits: names.map((n, i) =>
          i % 2 === 1
            ? { path: `/${names[i - 1]}/${n}`, name: n, parentPath: `/${names[i - 1]}` }
            : { path: `/${n}`, name: n, parentPath: '/' },
        ),
        gatewayPolicies: [{ orgUnitPath: '/', allowPerUserOutboundGateways: allow }],
        users: locals.map((l) => ({
          email: `${l}@example.com`,
          orgUnitPath: '/',
          sendAs: [
            {
              sendAsEmail: `${l}@partner.com`,
              displayName: l,
              smtpMsa: { host: 'smtp.partner.com', port: 587, securityMode: 'starttls' as const },
            },
          ],
        })),
      }));
    fc.assert(
      fc.property(tenantArb, (tenant) => {
        const app = generateApp(tenant, { domains: DOMAINS });
        expect(ManifestSchema.safeParse(app.manifest).success).toBe(true);
        const ids = [...app.source.matchAll(/\(policy, ('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")/g)].map((m) =>
          m[1].toLowerCase(),
        );
        expect(new Set(ids).size).toBe(ids.length);
        const vars = [...app.source.matchAll(/^const (\w+) =/gm)].map((m) => m[1]);
        expect(new Set(vars).size).toBe(vars.length);
        const envs = app.secrets.map((s) => s.name);
        expect(new Set(envs).size).toBe(envs.length);
      }),
      { numRuns: 200 },
    );
  });
});
