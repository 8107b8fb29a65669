import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { readTerraformState, type MigrationSource } from '../../lib/import';
import { MailPolicyError } from '../../lib/model/errors';

const FIXTURES = join(__dirname, '..', 'fixtures', 'migrate');
const STATE = readFileSync(join(FIXTURES, 'terraform.tfstate'), 'utf8');
const SHOW_JSON = readFileSync(join(FIXTURES, 'terraform-show.json'), 'utf8');
const CANARIES = ['tf-state-canary-P4ss!partner', 'tf-state-canary-P4ss!reseller'];

type Json = Record<string, unknown>;

/** The fixture as JSON, changed by `edit`, as text. */
function edited(edit: (state: { resources: Json[] }) => void): string {
  const state = JSON.parse(STATE) as { resources: Json[] };
  edit(state);
  return JSON.stringify(state);
}

function attributesOf(state: { resources: Json[] }, type: string, name: string): Json {
  const resource = state.resources.find((r) => r.type === type && r.name === name) as { instances: Json[] };
  return resource.instances[0].attributes as Json;
}

function failure(text: string): MailPolicyError {
  try {
    readTerraformState(text, 'terraform.tfstate');
  } catch (error) {
    if (MailPolicyError.isMailPolicyError(error)) return error;
    throw error;
  }
  throw new Error('expected the state to be refused');
}

describe('readTerraformState', () => {
  let source: MigrationSource;
  beforeAll(() => {
    source = readTerraformState(STATE, 'terraform.tfstate');
  });

  test('reads the OUs with their paths, descriptions and ids, wherever they sit (for_each, modules)', () => {
    expect(source.orgUnits).toEqual([
      {
        address: 'googleworkspace_org_unit.sales',
        path: '/Sales',
        name: 'Sales',
        parentPath: '/',
        description: 'Sales team',
        orgUnitId: '03ph8a2z2r4nhx1',
      },
      {
        address: 'googleworkspace_org_unit.partners',
        path: '/Sales/Partners',
        name: 'Partners',
        parentPath: '/Sales',
        description: 'Partner desk',
        orgUnitId: '03ph8a2z3v8c0km',
      },
      {
        address: 'googleworkspace_org_unit.regions["emea"]',
        path: '/Sales/Partners/EMEA',
        name: 'EMEA',
        parentPath: '/Sales/Partners',
        description: 'Partners in Europe',
        orgUnitId: '03ph8a2z0d6ufy2',
      },
      {
        address: 'module.legal.googleworkspace_org_unit.this',
        path: '/Legal',
        name: 'Legal',
        parentPath: '/',
        description: 'Legal and compliance',
        orgUnitId: '03ph8a2z4b1sq9w',
      },
    ]);
  });

  test('reads the send-as identities with the fields the provider records, SMTP without credentials', () => {
    expect(source.sendAs).toEqual([
      {
        address: 'googleworkspace_gmail_send_as_alias.partner',
        userEmail: 'user@example.com',
        verificationStatus: 'accepted',
        sendAs: {
          sendAsEmail: 'user.name@partnerdomain.com',
          displayName: 'User Name',
          replyToAddress: 'replies@partnerdomain.com',
          signature: '<div>User Name<br>Partner desk, "EMEA"</div>',
          treatAsAlias: false,
          isDefault: true,
          smtpMsa: { host: 'smtp.partnerdomain.com', port: 587, securityMode: 'starttls' },
        },
      },
      {
        address: 'googleworkspace_gmail_send_as_alias.team',
        userEmail: 'user@example.com',
        verificationStatus: 'accepted',
        sendAs: { sendAsEmail: 'team@example.com', displayName: 'Sales Team', treatAsAlias: true },
      },
      {
        address: 'googleworkspace_gmail_send_as_alias.reseller[0]',
        userEmail: 'zoe@example.com',
        verificationStatus: 'accepted',
        sendAs: {
          sendAsEmail: 'zoe@resellers.net',
          displayName: 'Zoë Müller',
          treatAsAlias: false,
          smtpMsa: { host: 'mail.resellers.net', port: 587, securityMode: 'starttls' },
        },
      },
    ]);
  });

  test('lists data sources and other resource types as skipped, not as errors', () => {
    expect(source.skipped).toEqual([
      { address: 'data.googleworkspace_user.sales_lead', reason: 'a data source: read-only, nothing to manage' },
      { address: 'googleworkspace_group.sales', reason: 'a resource type workspace-mail-policy does not manage' },
    ]);
  });

  test('never keeps a password the state holds', () => {
    for (const canary of CANARIES) {
      expect(STATE).toContain(canary);
      expect(JSON.stringify(source)).not.toContain(canary);
    }
  });

  test('`terraform show -json` of the same state gives the same objects', () => {
    const shown = readTerraformState(SHOW_JSON, 'show.json');
    expect(shown.orgUnits).toEqual(source.orgUnits);
    expect(shown.sendAs).toEqual(source.sendAs);
    expect(shown.skipped).toEqual(source.skipped);
    expect(shown.description).toBe('Terraform state show.json');
  });

  test('accepts a password that is null, empty, redacted or absent', () => {
    for (const password of [null, '', '(sensitive value)', undefined]) {
      const text = edited((state) => {
        const smtp = (attributesOf(state, 'googleworkspace_gmail_send_as_alias', 'partner').smtp_msa as Json[])[0];
        if (password === undefined) delete smtp.password;
        else smtp.password = password;
      });
      expect(readTerraformState(text, 'x').sendAs[0].sendAs.smtpMsa).toEqual({
        host: 'smtp.partnerdomain.com',
        port: 587,
        securityMode: 'starttls',
      });
    }
  });

  test("takes an OU's path from its parent when the provider never recorded org_unit_path", () => {
    const text = edited((state) => {
      const partners = attributesOf(state, 'googleworkspace_org_unit', 'partners');
      partners.org_unit_path = null;
      partners.parent_org_unit_path = null; // only parent_org_unit_id = the id of /Sales
      const legal = attributesOf(state, 'googleworkspace_org_unit', 'this');
      legal.org_unit_path = '';
    });
    const ous = readTerraformState(text, 'x').orgUnits.map((o) => o.path);
    expect(ous).toEqual(['/Sales', '/Sales/Partners', '/Sales/Partners/EMEA', '/Legal']);
  });

  test('skips the root OU and says block_inheritance is not carried over', () => {
    const text = edited((state) => {
      const sales = attributesOf(state, 'googleworkspace_org_unit', 'sales');
      sales.block_inheritance = true;
      const legal = attributesOf(state, 'googleworkspace_org_unit', 'this');
      legal.org_unit_path = '/';
    });
    const read = readTerraformState(text, 'x');
    expect(read.orgUnits.map((o) => o.path)).not.toContain('/');
    expect(read.skipped).toContainEqual({
      address: 'module.legal.googleworkspace_org_unit.this',
      reason: 'the root OU, which always exists and is never managed',
    });
    expect(read.notes).toEqual([
      'googleworkspace_org_unit.sales: block_inheritance = true is not carried over: Google deprecated the field and setting it has no effect',
    ]);
  });

  test('skips an identity on the primary address', () => {
    const text = edited((state) => {
      const team = attributesOf(state, 'googleworkspace_gmail_send_as_alias', 'team');
      team.is_primary = true;
    });
    expect(readTerraformState(text, 'x').skipped).toContainEqual({
      address: 'googleworkspace_gmail_send_as_alias.team',
      reason: "the user's primary address, which is never managed",
    });
  });

  test('lists every broken resource at once with its address, echoing no value', () => {
    const error = failure(
      edited((state) => {
        const partner = attributesOf(state, 'googleworkspace_gmail_send_as_alias', 'partner');
        (partner.smtp_msa as Json[])[0].port = '587';
        partner.send_as_email = CANARIES[0];
        const reseller = state.resources.find((r) => r.name === 'reseller') as { instances: Json[] };
        const attributes = reseller.instances[0].attributes as Json;
        (attributes.smtp_msa as Json[])[0].security_mode = 'tls';
        const sales = attributesOf(state, 'googleworkspace_org_unit', 'sales');
        delete sales.name;
      }),
    );
    expect(error.code).toBe('MP5002');
    expect(error.message).toMatch(/terraform.tfstate has 4 problems; nothing was imported/);
    expect(error.message).toMatch(/googleworkspace_org_unit\.sales: name: /);
    expect(error.message).toMatch(/googleworkspace_gmail_send_as_alias\.partner: send_as_email: must be an email/);
    expect(error.message).toMatch(/googleworkspace_gmail_send_as_alias\.partner: smtp_msa\.0\.port: /);
    expect(error.message).toMatch(/googleworkspace_gmail_send_as_alias\.reseller\[0\]: smtp_msa\.0\.security_mode: /);
    for (const canary of CANARIES) expect(error.message).not.toContain(canary);
  });

  test('refuses two resources for one identity', () => {
    const error = failure(
      edited((state) => {
        const copy = JSON.parse(JSON.stringify(state.resources.find((r) => r.name === 'team'))) as Json;
        copy.name = 'team_again';
        state.resources.push(copy);
      }),
    );
    expect(error.message).toContain(
      'googleworkspace_gmail_send_as_alias.team_again: describes the same send-as identity (user@example.com → team@example.com) as googleworkspace_gmail_send_as_alias.team',
    );
  });

  test.each([
    ['not JSON', '{ "version": 4,', /is not JSON/],
    ['an old state', JSON.stringify({ version: 3, modules: [] }), /is a version 3 state; only version 4 is read/],
    [
      'a plan',
      JSON.stringify({ format_version: '1.2', planned_values: {}, resource_changes: [] }),
      /is a plan, not a state/,
    ],
    ['something else', JSON.stringify({ hello: 'world' }), /has neither "version"/],
  ])('refuses %s with MP5002 saying what is allowed', (_name, text, message) => {
    const error = failure(text);
    expect(error.code).toBe('MP5002');
    expect(error.message).toMatch(message);
    expect(error.message).toContain('allowed: a v4 Terraform state');
  });

  test('an empty state (`terraform show -json` prints no values) imports nothing', () => {
    const empty = readTerraformState(JSON.stringify({ format_version: '1.0' }), 'x');
    expect(empty.orgUnits).toEqual([]);
    expect(empty.sendAs).toEqual([]);
  });
});
