/**
 * Any OU name that passes validation can be created, read, renamed and deleted through the client against the
 * emulator (which decodes paths as Google does: a raw `+` reads as a space, `#` ends the path), and no other OU
 * changes. Before the client encoded every reserved character, renaming `/Eng#old` renamed `/Eng`.
 */
import fc from 'fast-check';

import { createWorkspaceAdmin } from '../../lib/admin/google-workspace-admin';
import type { OrgUnitRecord, WorkspaceAdmin } from '../../lib/admin/workspace-admin';
import { startEmulator, type RunningEmulator } from '../../lib/emulator';
import { orgUnitNameProblem } from '../../lib/model/validation/org-unit-rules';

let emulator: RunningEmulator;
let admin: WorkspaceAdmin;

/** OUs whose names a careless encoding confuses with the names under test. */
const DECOYS = ['Eng', 'A', 'R D', 'R', 'Z', 'Zürich ', '50', 'x'];

beforeAll(async () => {
  emulator = await startEmulator({
    seed: {
      customerId: 'C0ounames0',
      domains: ['example.com'],
      orgUnits: DECOYS.map((name) => ({ path: `/${name}`, description: `decoy ${name}` })),
      users: [{ primaryEmail: 'admin@example.com', isAdmin: true }],
    },
  });
  admin = createWorkspaceAdmin({
    credentials: emulator.createServiceAccountKey(),
    adminEmail: 'admin@example.com',
    customerId: emulator.customerId,
    access: 'write',
    endpoint: { rootUrl: emulator.url, tokenUrl: emulator.tokenUrl },
  });
});
afterAll(() => emulator.close());

function decoys(list: readonly OrgUnitRecord[]): string[] {
  return list
    .filter((ou) => DECOYS.some((d) => ou.orgUnitPath === `/${d}`))
    .map((ou) => `${ou.orgUnitId} ${ou.orgUnitPath} ${ou.description ?? ''}`)
    .sort();
}

async function roundTrip(name: string, renamed: string): Promise<void> {
  const before = decoys(await admin.listOrgUnits());
  const created = await admin.createOrgUnit({ name, parentOrgUnitPath: '/', description: 'under test' });
  expect(created.orgUnitPath).toBe(`/${name}`);
  // Read back, by its path.
  const listed = (await admin.listOrgUnits()).filter((ou) => ou.orgUnitId === created.orgUnitId);
  expect(listed.map((ou) => ou.name)).toEqual([name]);
  // Renamed and re-described by its path (the encoding under test), then deleted by its new path.
  const updated = await admin.updateOrgUnit(`/${name}`, { name: renamed, description: 'renamed' });
  expect(updated).toMatchObject({ orgUnitId: created.orgUnitId, orgUnitPath: `/${renamed}`, description: 'renamed' });
  await admin.deleteOrgUnit(`/${renamed}`);
  const after = await admin.listOrgUnits();
  expect(after.some((ou) => ou.orgUnitId === created.orgUnitId)).toBe(false);
  expect(decoys(after)).toEqual(before);
}

test.each([
  ['Eng#old', 'Eng#new'],
  ['A?b', 'A?c'],
  ['R+D', 'R+D 2'],
  ['Zürich & Co', 'Zürich & Co.'],
  ['50% Off', '100%'],
])('%s can be created, read, renamed (to %s) and deleted; no other OU changes', async (name, renamed) => {
  await roundTrip(name, renamed);
});

test('any name that passes validation round-trips through the client', async () => {
  const char = fc.constantFrom(...'aZ09 #?%+&=;:,@!$\'"()[]{}<>|\\^`~*.-_ü€日'.split(''));
  const name = fc
    .array(char, { minLength: 1, maxLength: 12 })
    .map((chars) => chars.join(''))
    .filter((n) => orgUnitNameProblem(n) === undefined && !DECOYS.some((d) => d.toLowerCase() === n.toLowerCase()));
  await fc.assert(
    fc.asyncProperty(name, name, async (a, b) => {
      fc.pre(a.toLowerCase() !== b.toLowerCase());
      await roundTrip(a, b);
    }),
    { numRuns: 60 },
  );
});
