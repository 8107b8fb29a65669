import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { OrgUnitRecord } from '../../../lib/admin/workspace-admin';

/**
 * The migration fixtures (test/fixtures/migrate) made to describe an emulator tenant: their OU ids are those of a
 * real tenant and their SMTP endpoints real hosts, so a test rewrites both — the ids to the ones the emulator gave
 * the same paths, the endpoints to the loopback SMTP server it started. Everything else stays as the fixture has it.
 */

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'migrate');

/** The passwords the Terraform fixtures hold in plain text, as Terraform stores them. */
export const STATE_CANARIES = ['tf-state-canary-P4ss!partner', 'tf-state-canary-P4ss!reseller'];

/** The fixtures' OU ids (without `id:`) and the paths they name. */
const FIXTURE_OU_IDS: Readonly<Record<string, string>> = {
  '03ph8a2z1k5tbq7': '/',
  '03ph8a2z2r4nhx1': '/Sales',
  '03ph8a2z3v8c0km': '/Sales/Partners',
  '03ph8a2z0d6ufy2': '/Sales/Partners/EMEA',
  '03ph8a2z4b1sq9w': '/Legal',
};

const SMTP_HOSTS = ['smtp.partnerdomain.com', 'mail.resellers.net'];

export interface Alignment {
  /** The tenant's OUs: each fixture id is replaced by the id of the OU at the same path, when there is one. */
  readonly orgUnits: readonly OrgUnitRecord[];
  /** Where the SMTP servers of the fixture's identities listen in the test. */
  readonly smtp: { readonly host: string; readonly port: number };
  /** Paths whose fixture id is kept (to describe an OU deleted and re-created outside the old tool). */
  readonly keepIds?: readonly string[];
}

/** The text of fixture `name`, rewritten as {@link Alignment} says. */
export function alignedFixture(name: string, alignment: Alignment): string {
  let text = readFileSync(join(FIXTURES, name), 'utf8');
  const liveByPath = new Map(alignment.orgUnits.map((ou) => [ou.orgUnitPath.toLowerCase(), ou.orgUnitId]));
  for (const [id, path] of Object.entries(FIXTURE_OU_IDS)) {
    const live = liveByPath.get(path.toLowerCase());
    if (live && !(alignment.keepIds ?? []).includes(path)) text = text.split(`id:${id}`).join(`id:${live}`);
  }
  const csv = name.endsWith('.csv');
  for (const host of SMTP_HOSTS) {
    text = csv
      ? text.split(`${host},587,`).join(`${alignment.smtp.host},${alignment.smtp.port},`)
      : text.replace(
          new RegExp(`"host": "${host.replace(/\./g, '\\.')}",(\\s*"password": [^\\n]*\\s*)"port": 587`, 'g'),
          `"host": "${alignment.smtp.host}",$1"port": ${alignment.smtp.port}`,
        );
  }
  for (const host of SMTP_HOSTS) {
    if (text.includes(host)) throw new Error(`${name}: the endpoint of ${host} was not rewritten`);
  }
  return text;
}
