/**
 * Loads a validated seed into the store (replacing the tenant) and writes the tenant back out as a seed.
 * Cross-references (aliases unique across users and groups, policies naming seeded groups, send-as naming
 * seeded users) are checked first and reported all at once; nothing is written when any fails.
 */
import type { ParsedSeedTenant, SeedTenant } from '../seed';
import { jsonPath } from './json-path';
import { GATEWAY_SETTING, type OuRow, type Store } from './store';

function crossReferenceProblems(seed: ParsedSeedTenant): string[] {
  const problems: string[] = [];
  const owners = new Map<string, string>();
  const claim = (address: string, where: string): void => {
    const k = address.toLowerCase();
    const previous = owners.get(k);
    if (previous) problems.push(`${where}: ${address} is already used at ${previous}`);
    else owners.set(k, where);
  };
  seed.users.forEach((u, i) => claim(u.primaryEmail, jsonPath(['users', i, 'primaryEmail'])));
  seed.groups.forEach((g, i) => claim(g.email, jsonPath(['groups', i, 'email'])));
  seed.users.forEach((u, i) => {
    u.aliases.forEach((a, j) => claim(a, jsonPath(['users', i, 'aliases', j])));
    u.nonEditableAliases.forEach((a, j) => claim(a, jsonPath(['users', i, 'nonEditableAliases', j])));
  });
  const groups = new Set(seed.groups.map((g) => g.email.toLowerCase()));
  seed.policies.forEach((p, i) => {
    if (p.groupEmail !== undefined && !groups.has(p.groupEmail.toLowerCase())) {
      problems.push(`${jsonPath(['policies', i, 'groupEmail'])}: ${p.groupEmail} is not in groups`);
    }
  });
  const scopes = new Set<string>();
  seed.policies.forEach((p, i) => {
    const scope = `${(p.orgUnitPath ?? '/').toLowerCase()}\u0000${(p.groupEmail ?? '').toLowerCase()}`;
    if (scopes.has(scope)) problems.push(`${jsonPath(['policies', i])}: a second policy for the same OU and group`);
    scopes.add(scope);
  });
  const users = new Set(seed.users.map((u) => u.primaryEmail.toLowerCase()));
  seed.sendAs.forEach((s, i) => {
    if (!users.has(s.userEmail.toLowerCase())) {
      problems.push(`${jsonPath(['sendAs', i, 'userEmail'])}: ${s.userEmail} is not in users`);
    }
  });
  return problems;
}

function ensureOuPath(store: Store, path: string, described: Map<string, string | undefined>): void {
  if (path === '/' || store.ouByPath(path)) return;
  const parentPath = path.slice(0, path.lastIndexOf('/')) || '/';
  ensureOuPath(store, parentPath, described);
  const parent = store.ouByPath(parentPath)!;
  store.insertOu({
    id: store.newOuId(),
    parentId: parent.id,
    name: path.slice(path.lastIndexOf('/') + 1),
    path,
    description: described.get(path.toLowerCase()) ?? null,
  });
}

/** Replaces the tenant (service accounts and issued tokens survive, as they would at Google). */
export function loadTenant(store: Store, seed: ParsedSeedTenant): void {
  const problems = crossReferenceProblems(seed);
  if (problems.length > 0) throw new Error(`Emulator seed is invalid: ${problems.join('; ')}`);
  store.transaction(() => {
    store.clearTenant();
    store.setMeta('customerId', seed.customerId);
    store.setMeta('domains', JSON.stringify(seed.domains.map((d) => d.toLowerCase())));
    store.setMeta('organizationName', seed.organizationName ?? seed.domains[0] ?? 'Organization');
    store.insertOu({
      id: store.newOuId(),
      parentId: null,
      name: store.organizationName(),
      path: '/',
      description: null,
    });
    const paths = [
      ...seed.orgUnits.map((o) => o.path),
      ...seed.users.map((u) => u.orgUnitPath),
      ...seed.policies.map((p) => p.orgUnitPath ?? '/'),
    ];
    const described = new Map(seed.orgUnits.map((o) => [o.path.toLowerCase(), o.description]));
    for (const path of [...new Set(paths)].sort()) ensureOuPath(store, path, described);
    for (const u of seed.users) {
      const user = store.insertUser({
        primaryEmail: u.primaryEmail,
        orgUnitId: store.ouByPath(u.orgUnitPath)!.id,
        isAdmin: u.isAdmin === true,
        suspended: u.suspended === true,
        archived: u.archived === true,
        isMailboxSetup: u.isMailboxSetup !== false,
      });
      for (const a of u.aliases) store.insertAlias(user.email, a, true);
      for (const a of u.nonEditableAliases) store.insertAlias(user.email, a, false);
      store.sendAsInsert(user.email, {
        sendAsEmail: u.primaryEmail,
        displayName: '',
        replyToAddress: '',
        signature: '',
        isPrimary: true,
        isDefault: true,
      });
    }
    const groups = seed.groups.map((g) =>
      store.insertGroup({ email: g.email, name: g.name ?? g.email.split('@')[0], description: g.description ?? '' }),
    );
    seed.groups.forEach((g, i) => {
      for (const m of g.members) {
        // A user may be named by an alias; membership belongs to the user.
        const user = store.userByKey(m);
        const nested = user ? undefined : store.groupByEmail(m);
        store.insertMember({
          groupId: groups[i].id,
          email: user?.primaryEmail ?? nested?.email ?? m,
          id: user?.id ?? nested?.id ?? `ext${store.nextSeq().toString(36).padStart(12, '0')}`,
          role: 'MEMBER',
          type: nested ? 'GROUP' : 'USER',
        });
      }
    });
    for (const p of seed.policies) {
      const ou = store.ouByPath(p.orgUnitPath ?? '/')!;
      const groupId = p.groupEmail === undefined ? '' : store.groupByEmail(p.groupEmail)!.id;
      const value = { allowUsersToUseExternalSmtpServers: p.allowUsersToUseExternalSmtpServers };
      store.insertPolicy(store.newPolicy(ou, groupId, GATEWAY_SETTING, value), 0);
    }
    for (const s of seed.sendAs) {
      const { userEmail, ...fields } = s;
      const existing = store.sendAsGet(userEmail, s.sendAsEmail);
      if (fields.isDefault) store.clearDefault(userEmail);
      if (existing) {
        store.sendAsUpdate(userEmail, { ...existing, ...fields, isPrimary: existing.isPrimary });
        continue;
      }
      const smtp = fields.smtpMsa
        ? { host: fields.smtpMsa.host, port: fields.smtpMsa.port, securityMode: fields.smtpMsa.securityMode }
        : undefined;
      store.sendAsInsert(userEmail, {
        ...fields,
        smtpMsa: smtp,
        isPrimary: false,
        isDefault: fields.isDefault === true,
        treatAsAlias: fields.treatAsAlias ?? false,
        verificationStatus: fields.verificationStatus ?? 'accepted',
      });
    }
  });
}

/** `{ [name]: values }`, or nothing when empty (snapshots stay as small as the seeds they came from). */
function listed<K extends string>(name: K, values: string[]): Partial<Record<K, string[]>> {
  return values.length > 0 ? ({ [name]: values } as Record<K, string[]>) : {};
}

/** The whole tenant as a seed (SYSTEM policies, which Google derives, are not part of it). */
export function snapshotTenant(store: Store): SeedTenant {
  const all = store.ouAll();
  const byId = new Map<string, OuRow>(all.map((o) => [o.id, o]));
  const groups = store.allGroups();
  const groupEmail = new Map(groups.map((g) => [g.id, g.email]));
  const sendAs: ParsedSeedTenant['sendAs'] = [];
  for (const { userEmail, sendAs: s } of store.allSendAs()) {
    if (s.isPrimary && !s.displayName && !s.signature && !s.replyToAddress && s.isDefault) continue;
    const user = store.userByEmail(userEmail);
    sendAs.push({ ...s, userEmail: user?.primaryEmail ?? userEmail } as ParsedSeedTenant['sendAs'][number]);
  }
  return {
    customerId: store.customerId(),
    organizationName: store.organizationName(),
    domains: store.domains(),
    orgUnits: all
      .filter((o) => o.path !== '/')
      .map((o) => (o.description ? { path: o.path, description: o.description } : { path: o.path })),
    users: store.allUsers().map((u) => {
      const aliases = store.aliasesOf(u.email);
      return {
        primaryEmail: u.primaryEmail,
        orgUnitPath: u.orgUnitPath,
        ...(u.isAdmin ? { isAdmin: true } : {}),
        ...(u.suspended ? { suspended: true } : {}),
        ...(u.archived ? { archived: true } : {}),
        ...(u.isMailboxSetup ? {} : { isMailboxSetup: false }),
        ...listed(
          'aliases',
          aliases.filter((a) => a.editable).map((a) => a.alias),
        ),
        ...listed(
          'nonEditableAliases',
          aliases.filter((a) => !a.editable).map((a) => a.alias),
        ),
      };
    }),
    groups: groups.map((g) => ({
      email: g.email,
      name: g.name,
      ...(g.description ? { description: g.description } : {}),
      members: store.membersOf(g.id).map((m) => m.email),
    })),
    policies: store
      .policies()
      .filter((p) => p.settingType === GATEWAY_SETTING)
      .map((p) => {
        const path = byId.get(p.orgUnitId)?.path ?? '/';
        const allow = p.value.allowUsersToUseExternalSmtpServers === true;
        if (p.groupId === '') return { orgUnitPath: path, allowUsersToUseExternalSmtpServers: allow };
        return {
          ...(path !== '/' ? { orgUnitPath: path } : {}),
          groupEmail: groupEmail.get(p.groupId) ?? p.groupId,
          allowUsersToUseExternalSmtpServers: allow,
        };
      }),
    sendAs,
  };
}
