import type {
  GatewayPolicyRecord,
  OrgUnitRecord,
  SendAsRecord,
  UserRecord,
  WorkspaceAdmin,
} from '../../../lib/admin/workspace-admin';
import { AdminApiError } from '../../../lib/admin/admin-error';
import { joinOrgUnitPath, parentOrgUnitPath, orgUnitSegments } from '../../../lib/model/org-unit-path';
import { isWithinOrgUnit } from '../../../lib/model/org-unit-path';

/** A small in-memory tenant for unit tests of the import (read calls only). */
export interface FakeTenant {
  readonly orgUnits?: ReadonlyArray<{ path: string; description?: string }>;
  readonly policies?: ReadonlyArray<{ path: string; allow: boolean }>;
  readonly users?: ReadonlyArray<{ email: string; orgUnitPath?: string }>;
  readonly sendAs?: Readonly<Record<string, readonly SendAsRecord[]>>;
  /** Method names whose calls fail (e.g. `listSendAs:bob@example.com` or `listGatewayPolicies`). */
  readonly failing?: readonly string[];
}

export interface FakeAdmin extends WorkspaceAdmin {
  /** Most send-as reads seen in flight at once. */
  readonly maxInFlight: () => number;
  readonly calls: string[];
}

function idOf(path: string): string {
  return path === '/' ? 'root0' : `ou${Buffer.from(path.toLowerCase()).toString('hex').slice(0, 24)}`;
}

export function fakeAdmin(tenant: FakeTenant): FakeAdmin {
  const failing = new Set(tenant.failing ?? []);
  const calls: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fail = (key: string, method: string) => {
    if (failing.has(key))
      throw new AdminApiError('permission', method, 'Request had insufficient authentication scopes.', { status: 403 });
  };
  const ous: OrgUnitRecord[] = [
    { orgUnitId: `id:${idOf('/')}`, orgUnitPath: '/', name: 'Example Org' },
    ...(tenant.orgUnits ?? []).map((ou) => {
      const segments = orgUnitSegments(ou.path);
      const parent = parentOrgUnitPath(ou.path) ?? '/';
      return {
        orgUnitId: `id:${idOf(ou.path)}`,
        orgUnitPath: joinOrgUnitPath(parent, segments[segments.length - 1]),
        name: segments[segments.length - 1],
        parentOrgUnitPath: parent,
        parentOrgUnitId: `id:${idOf(parent)}`,
        ...(ou.description !== undefined ? { description: ou.description } : {}),
      };
    }),
  ];
  const notUsed = (): never => {
    throw new Error('the import never writes');
  };
  return {
    target: { kind: 'emulator', description: 'fake tenant (unit test)' },
    access: 'read',
    calls,
    maxInFlight: () => maxInFlight,
    async listOrgUnits() {
      calls.push('listOrgUnits');
      fail('listOrgUnits', 'directory.orgunits.list');
      return ous;
    },
    async listGatewayPolicies(): Promise<GatewayPolicyRecord[]> {
      calls.push('listGatewayPolicies');
      fail('listGatewayPolicies', 'cloudidentity.policies.list');
      return (tenant.policies ?? []).map((p, i) => ({
        name: `policies/p${i}`,
        orgUnitId: idOf(p.path),
        allowUsersToUseExternalSmtpServers: p.allow,
        type: 'ADMIN',
      }));
    },
    async listUsers(path: string): Promise<UserRecord[]> {
      calls.push(`listUsers:${path}`);
      fail('listUsers', 'directory.users.list');
      return (tenant.users ?? [])
        .map((u) => ({ primaryEmail: u.email, orgUnitPath: u.orgUnitPath ?? '/' }))
        .filter((u) => isWithinOrgUnit(u.orgUnitPath, path));
    },
    async listSendAs(email: string): Promise<SendAsRecord[]> {
      calls.push(`listSendAs:${email}`);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await new Promise((resolve) => setImmediate(resolve));
        fail(`listSendAs:${email}`, 'gmail.users.settings.sendAs.list');
        const own = tenant.sendAs?.[email.toLowerCase()] ?? [];
        return [{ sendAsEmail: email, isPrimary: true, isDefault: !own.some((s) => s.isDefault) }, ...own];
      } finally {
        inFlight--;
      }
    },
    listGroupGatewayPolicies: async () => [],
    getGroup: notUsed,
    listGroupMembers: notUsed,
    addUserAlias: notUsed,
    deleteUserAlias: notUsed,
    verifySendAs: notUsed,
    getUser: notUsed,
    getSendAs: notUsed,
    createOrgUnit: notUsed,
    updateOrgUnit: notUsed,
    deleteOrgUnit: notUsed,
    setGatewayPolicy: notUsed,
    deleteGatewayPolicy: notUsed,
    moveUser: notUsed,
    createSendAs: notUsed,
    patchSendAs: notUsed,
    deleteSendAs: notUsed,
    stats: () => ({ calls: {}, retries: {} }),
  };
}
