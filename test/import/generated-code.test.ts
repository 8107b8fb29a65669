import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { generateApp, type GeneratedApp, type ImportedTenant } from '../../lib/import';
import { comparable, synthApp, typecheckApps, writeApp } from './helpers/generated-app';
import { AWKWARD_TENANT } from './helpers/tenants';

/** A 10-level OU chain with a gateway policy half-way down and a user at the bottom. */
const DEEP_TENANT: ImportedTenant = (() => {
  const names = ['Level 1', 'L2+', "L3'", 'Niveau 4 – é', 'L5', 'L6', 'L7', 'L8', 'L9', 'L10'];
  const orgUnits = names.map((name, i) => {
    const parentPath = i === 0 ? '/' : `/${names.slice(0, i).join('/')}`;
    return { path: `${parentPath === '/' ? '' : parentPath}/${name}`, name, parentPath };
  });
  return {
    topOrgUnitPath: '/',
    orgUnits,
    gatewayPolicies: [{ orgUnitPath: orgUnits[4].path, allowPerUserOutboundGateways: true }],
    users: [
      {
        email: 'deep@example.com',
        orgUnitPath: orgUnits[9].path,
        sendAs: [
          {
            sendAsEmail: 'deep@partner.com',
            smtpMsa: { host: 'smtp.partner.com', port: 587, securityMode: 'starttls' },
          },
        ],
      },
    ],
  };
})();

const SUBTREE_TENANT: ImportedTenant = {
  topOrgUnitPath: '/Sales',
  orgUnits: [{ path: '/Sales/Partners', name: 'Partners', parentPath: '/Sales' }],
  gatewayPolicies: [{ orgUnitPath: '/Sales/Partners', allowPerUserOutboundGateways: true }],
  users: [
    { email: 'boss@example.com', orgUnitPath: '/Sales', sendAs: [] },
    {
      email: 'user@example.com',
      orgUnitPath: '/Sales/Partners',
      sendAs: [
        {
          sendAsEmail: 'user.name@partnerdomain.com',
          smtpMsa: { host: 'smtp.partnerdomain.com', port: 587, securityMode: 'starttls' },
        },
      ],
    },
  ],
};

/** What a Terraform state or a GAM export gives: some OUs under existing parents, an alias-backed identity. */
const PARTIAL_TENANT: ImportedTenant = {
  topOrgUnitPath: '/',
  orgUnits: [
    { path: '/Sales/EMEA', name: 'EMEA', parentPath: '/Sales', description: 'Europe' },
    { path: '/Sales/EMEA/Partners', name: 'Partners', parentPath: '/Sales/EMEA' },
  ],
  gatewayPolicies: [],
  users: [
    {
      email: 'desk@example.com',
      orgUnitPath: '/Sales',
      aliases: ['sales@example.com', 'unused@example.com'],
      sendAs: [
        { sendAsEmail: 'sales@example.com', displayName: 'Sales', treatAsAlias: true },
        { sendAsEmail: 'desk@partner.com', smtpMsa: { host: 'smtp.partner.com', port: 465, securityMode: 'ssl' } },
      ],
    },
  ],
};

const CASES: ReadonlyArray<[string, ImportedTenant]> = [
  ['awkward-names', AWKWARD_TENANT],
  ['partial-tree', PARTIAL_TENANT],
  ['deep-tree', DEEP_TENANT],
  ['subtree', SUBTREE_TENANT],
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('the generated code', () => {
  const apps = new Map<string, { dir: string; app: GeneratedApp }>();

  beforeAll(() => {
    for (const [name, tenant] of CASES) {
      const app = generateApp(tenant, { domains: ['example.com'], stackName: name });
      apps.set(name, { dir: writeApp(name, app.source), app });
    }
  });

  test("type-checks with tsc --noEmit under the project's strict settings", async () => {
    const diagnostics = await typecheckApps([...apps.values()].map((a) => a.dir));
    expect(diagnostics).toBe('');
  });

  test.each(CASES.map(([name]) => name))('%s: synthesises as it is, to exactly the declared manifest', async (name) => {
    const { dir, app } = apps.get(name) as { dir: string; app: GeneratedApp };
    const canary = `canary-${name}-Pa55w0rd!`;
    const env = Object.fromEntries(
      app.secrets.map((s) => [s.name, s.purpose === 'password' ? canary : `${name}-user`]),
    );
    const manifest = await synthApp(dir, name, env);
    expect(comparable(manifest)).toEqual(comparable(app.manifest));
    for (const file of filesUnder(join(dir, 'cdktf.out'))) expect(readFileSync(file, 'utf8')).not.toContain(canary);
  });
});
