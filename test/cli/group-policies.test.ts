/**
 * Group-scoped gateway policies outrank OU policies (ScubaGoggles #1099): a group override that allows per-user
 * gateways is shown in every plan format and in drift, a group that forbids them blocks an identity its OU
 * would allow, and a stack authoritative over the setting removes group overrides. Through the `mailpolicy`
 * binary against the emulator, which serves group-scoped policies as the Policy API does.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { SeedTenant } from '../../lib/emulator';
import type { Manifest } from '../../lib/model';
import { describeRun, runCli, type CliResult } from './helpers/cli';
import { startCliTenant, type CliTenant } from './helpers/tenant';

const SEED: SeedTenant = {
  customerId: 'C0groups00',
  domains: ['example.com'],
  orgUnits: [{ path: '/Sales' }],
  users: [
    { primaryEmail: 'admin@example.com', isAdmin: true },
    { primaryEmail: 'ana@example.com', orgUnitPath: '/Sales', aliases: ['ana.team@example.com'] },
    { primaryEmail: 'bo@example.com', orgUnitPath: '/Sales' },
  ],
  groups: [
    { email: 'contractors@example.com', members: ['bo@example.com'] },
    { email: 'partners-team@example.com', members: ['ana@example.com'] },
  ],
  policies: [{ groupEmail: 'contractors@example.com', allowUsersToUseExternalSmtpServers: true }],
};

const MANIFEST: Manifest = {
  version: 1,
  stack: 'groups',
  customerId: 'my_customer',
  domains: ['example.com'],
  orgUnits: [{ path: '/Sales', name: 'Sales', parentPath: '/', managed: false }],
  gatewayPolicies: [],
  users: [{ email: 'ana@example.com', aliases: ['ana.team@example.com'] }],
  sendAs: [{ userEmail: 'ana@example.com', sendAsEmail: 'ana.team@example.com', displayName: 'Ana (team)' }],
  ownership: [],
  acknowledgements: [],
};

let tenant: CliTenant;
beforeAll(async () => {
  tenant = await startCliTenant({ seed: SEED });
});
afterAll(() => tenant.close());

function app(name: string, manifest: Manifest): { cli: (...args: string[]) => Promise<CliResult> } {
  const cwd = tenant.freshDir(name);
  writeFileSync(join(cwd, 'mail-policy.json'), JSON.stringify(manifest));
  return {
    cli: (...args) => runCli([args[0], '--manifest', 'mail-policy.json', ...args.slice(1)], { cwd, env: tenant.env }),
  };
}

beforeEach(() => tenant.emulator.control.seed(SEED));

test('a group override allowing per-user gateways appears in the text, markdown and JSON plans, and in drift', async () => {
  const { cli } = app('shown', MANIFEST);
  const text = await cli('plan');
  expect(describeRun(text)).toMatch(/^exit 0/);
  expect(text.stdout).toMatch(
    /WARNING MPR-LIVE-GROUP-GATEWAY group:contractors@example.com: The group contractors@example.com allows per-user outbound gateways for its 1 member/,
  );
  const markdown = await cli('plan', '--format', 'markdown');
  expect(markdown.stdout).toContain('MPR-LIVE-GROUP-GATEWAY');
  expect(markdown.stdout).toContain('contractors@example.com');
  const json = JSON.parse((await cli('plan', '--format', 'json')).stdout) as {
    findings: Array<{ ruleId: string; subject: string; advisory?: boolean }>;
    picture: { groups: Array<{ email: string; before: { allowed: boolean } }> };
  };
  expect(json.findings).toContainEqual(
    expect.objectContaining({
      ruleId: 'MPR-LIVE-GROUP-GATEWAY',
      subject: 'group:contractors@example.com',
      advisory: true,
    }),
  );
  expect(json.picture.groups).toContainEqual(
    expect.objectContaining({ email: 'contractors@example.com', before: expect.objectContaining({ allowed: true }) }),
  );
  const drift = await cli('drift', '--format', 'markdown');
  expect(drift.stdout).toContain('MPR-LIVE-GROUP-GATEWAY');
});

test('a group that forbids per-user gateways outranks the OU that allows them: the identity is refused before apply', async () => {
  tenant.emulator.control.seed({
    ...SEED,
    policies: [
      { orgUnitPath: '/Sales', allowUsersToUseExternalSmtpServers: true },
      { groupEmail: 'partners-team@example.com', allowUsersToUseExternalSmtpServers: false },
    ],
  });
  const manifest: Manifest = {
    ...MANIFEST,
    sendAs: [
      {
        userEmail: 'ana@example.com',
        sendAsEmail: 'ana@partner.test',
        smtp: {
          host: 'smtp.partner.test',
          port: 587,
          securityMode: 'starttls',
          username: 'ana',
          password: { ref: 'env:ANA_PASSWORD' },
        },
      },
    ],
  };
  const planned = await app('outranked', manifest).cli('plan');
  expect(describeRun(planned)).toMatch(/^exit 1/);
  expect(planned.stdout).toMatch(
    /ERROR MPR-LIVE-GATEWAY-NOT-ALLOWED .*per-user outbound gateways are not allowed for \/Sales: the setting of its group partners-team@example.com does not allow it, and outranks the OU's/,
  );
});

test('ownGatewayPolicies removes group overrides too', async () => {
  const { cli } = app('authority', { ...MANIFEST, ownership: [{ kind: 'gatewayPolicies', orgUnitPath: '/' }] });
  const planned = await cli('plan', '--detailed-exitcode');
  expect(describeRun(planned)).toMatch(/^exit 2/);
  expect(planned.stdout).toMatch(/- group contractors@example.com {2}\[destructive\]/);
  expect(describeRun(await cli('apply', '--auto-approve'))).toMatch(/^exit 0/);
  expect(tenant.emulator.control.snapshot().policies ?? []).toEqual([]);
  const after = await cli('plan', '--detailed-exitcode');
  expect(describeRun(after)).toMatch(/^exit 0/);
  expect(after.stdout).not.toContain('MPR-LIVE-GROUP-GATEWAY');
});
