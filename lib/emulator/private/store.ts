/**
 * The emulator's state in one place: a SQLite database (WebAssembly SQLite, `./sqlite`) with indexed tables and prepared
 * statements. Every write method runs in a transaction; callers compose several writes with `transaction`.
 * SMTP passwords are never stored (only whether credentials were given). Only `prepare(...).run/get/all`,
 * `exec`, `pragma`, `transaction` and `close` of the database are used. Columns added after the first release are added
 * to older data files on open (`ALTER TABLE … ADD COLUMN`).
 */
import Database from './sqlite';

export interface OuRow {
  readonly id: string;
  readonly parentId: string | null;
  readonly name: string;
  readonly path: string;
  readonly description: string | null;
}

export interface UserRow {
  readonly email: string;
  readonly primaryEmail: string;
  readonly id: string;
  readonly orgUnitId: string;
  readonly orgUnitPath: string;
  readonly isAdmin: boolean;
  readonly suspended: boolean;
  readonly archived: boolean;
  /** Directory `isMailboxSetup`: whether the user's Gmail mailbox exists. */
  readonly isMailboxSetup: boolean;
}

export interface AliasRow {
  /** As given (display case). */
  readonly alias: string;
  /** Owner's lower-case email (the users table key). */
  readonly userEmail: string;
  /** false for `nonEditableAliases`. */
  readonly editable: boolean;
}

export interface GroupRow {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly description: string;
}

export interface MemberRow {
  readonly groupId: string;
  readonly email: string;
  readonly id: string;
  readonly role: string;
  readonly type: 'USER' | 'GROUP';
}

export interface PolicyRow {
  readonly name: string;
  readonly orgUnitId: string;
  /** Directory group id, or '' for an OU policy. */
  readonly groupId: string;
  readonly settingType: string;
  readonly value: Record<string, unknown>;
  readonly type: string;
  /** The fractional part of the sort order (0 < rank < 1), unique per policy; the integer part is derived. */
  readonly rank: number;
}

/** A gateway policy as it was in force at some moment. */
export interface PolicyState {
  readonly name: string;
  readonly orgUnitId: string;
  readonly groupId: string;
  readonly allow: boolean;
  readonly rank: number;
}

/** A send-as address as stored: the public SendAs fields (plus seed extras), never credentials. */
export interface StoredSendAs {
  sendAsEmail: string;
  displayName?: string;
  replyToAddress?: string;
  signature?: string;
  isPrimary?: boolean;
  isDefault?: boolean;
  treatAsAlias?: boolean;
  smtpMsa?: { host: string; port: number; securityMode: string };
  verificationStatus?: string;
  [extra: string]: unknown;
}

export const GATEWAY_SETTING = 'settings/gmail.per_user_outbound_gateway';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS org_units (id TEXT PRIMARY KEY, parent_id TEXT, name TEXT NOT NULL, path TEXT NOT NULL, description TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS org_units_path ON org_units(path COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS org_units_parent ON org_units(parent_id);
CREATE TABLE IF NOT EXISTS users (email TEXT PRIMARY KEY, primary_email TEXT NOT NULL, id TEXT NOT NULL, org_unit_id TEXT NOT NULL, is_admin INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS users_ou ON users(org_unit_id, email);
CREATE UNIQUE INDEX IF NOT EXISTS users_id ON users(id);
CREATE TABLE IF NOT EXISTS user_aliases (alias_key TEXT PRIMARY KEY, alias TEXT NOT NULL, user_email TEXT NOT NULL, editable INTEGER NOT NULL, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS user_aliases_user ON user_aliases(user_email, seq);
CREATE TABLE IF NOT EXISTS groups (id TEXT PRIMARY KEY, email_key TEXT NOT NULL, email TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS groups_email ON groups(email_key);
CREATE TABLE IF NOT EXISTS group_members (group_id TEXT NOT NULL, member_key TEXT NOT NULL, email TEXT NOT NULL, id TEXT NOT NULL, role TEXT NOT NULL, type TEXT NOT NULL, PRIMARY KEY (group_id, member_key));
CREATE INDEX IF NOT EXISTS group_members_member ON group_members(member_key);
CREATE TABLE IF NOT EXISTS policies (name TEXT PRIMARY KEY, org_unit_id TEXT NOT NULL, setting_type TEXT NOT NULL, value TEXT NOT NULL, type TEXT NOT NULL, sort_order REAL NOT NULL);
CREATE TABLE IF NOT EXISTS policy_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, setting_type TEXT NOT NULL, org_unit_id TEXT NOT NULL, group_id TEXT NOT NULL, allow INTEGER, rank REAL NOT NULL, changed_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS policy_events_type ON policy_events(setting_type, changed_at);
CREATE TABLE IF NOT EXISTS send_as (seq INTEGER PRIMARY KEY AUTOINCREMENT, user_email TEXT NOT NULL, send_as_key TEXT NOT NULL, data TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS send_as_key ON send_as(user_email, send_as_key);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS service_accounts (client_email TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS tokens_expiry ON tokens(expires_at);
`;

/** Columns added after the first release: [table, column, definition]. */
const ADDED_COLUMNS: readonly [string, string, string][] = [
  ['users', 'suspended', 'INTEGER NOT NULL DEFAULT 0'],
  ['users', 'archived', 'INTEGER NOT NULL DEFAULT 0'],
  ['policies', 'group_id', "TEXT NOT NULL DEFAULT ''"],
  ['users', 'mailbox_setup', 'INTEGER NOT NULL DEFAULT 1'],
];

/** Indexes that depend on added columns; the first release's one-policy-per-OU index is replaced. */
const LATE_SCHEMA = `
DROP INDEX IF EXISTS policies_ou;
CREATE UNIQUE INDEX IF NOT EXISTS policies_scope ON policies(setting_type, org_unit_id, group_id);
`;

/** Tables holding the tenant (emptied by a reseed; service accounts and tokens stay). */
const TENANT_TABLES = [
  'org_units',
  'users',
  'user_aliases',
  'groups',
  'group_members',
  'policies',
  'policy_events',
  'send_as',
  'outbox',
];

type Row = Record<string, unknown>;

function ouFromRow(r: Row): OuRow {
  return {
    id: r.id as string,
    parentId: (r.parent_id as string | null) ?? null,
    name: r.name as string,
    path: r.path as string,
    description: (r.description as string | null) ?? null,
  };
}

function userFromRow(r: Row): UserRow {
  return {
    email: r.email as string,
    primaryEmail: r.primary_email as string,
    id: r.id as string,
    orgUnitId: r.org_unit_id as string,
    orgUnitPath: r.path as string,
    isAdmin: r.is_admin === 1,
    suspended: r.suspended === 1,
    archived: r.archived === 1,
    isMailboxSetup: r.mailbox_setup !== 0,
  };
}

function policyFromRow(r: Row): PolicyRow {
  const order = r.sort_order as number;
  return {
    name: r.name as string,
    orgUnitId: r.org_unit_id as string,
    groupId: (r.group_id as string | undefined) ?? '',
    settingType: r.setting_type as string,
    value: JSON.parse(r.value as string) as Record<string, unknown>,
    type: r.type as string,
    // Data files of the first release stored 1000 + depth + rank.
    rank: order - Math.floor(order),
  };
}

const groupFromRow = (r: Row): GroupRow => ({
  id: r.id as string,
  email: r.email as string,
  name: r.name as string,
  description: r.description as string,
});

const memberFromRow = (r: Row): MemberRow => ({
  groupId: r.group_id as string,
  email: r.email as string,
  id: r.id as string,
  role: r.role as string,
  type: r.type as 'USER' | 'GROUP',
});

const aliasFromRow = (r: Row): AliasRow => ({
  alias: r.alias as string,
  userEmail: r.user_email as string,
  editable: r.editable === 1,
});

/** Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`. */
function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const key = (email: string): string => email.trim().toLowerCase();

export class Store {
  private readonly db: Database.Database;
  private readonly stmts: Record<string, Database.Statement>;

  public constructor(file: string) {
    this.db = new Database(file);
    if (file !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
    for (const [table, column, definition] of ADDED_COLUMNS) {
      const columns = this.db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as Row[];
      if (!columns.some((c) => c.name === column)) {
        this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
      }
    }
    this.db.exec(LATE_SCHEMA);
    const s = (sql: string): Database.Statement => this.db.prepare(sql);
    const ouCols = 'SELECT id, parent_id, name, path, description FROM org_units';
    const userCols =
      'SELECT u.email, u.primary_email, u.id, u.org_unit_id, u.is_admin, u.suspended, u.archived, u.mailbox_setup, o.path FROM users u JOIN org_units o ON o.id = u.org_unit_id';
    this.stmts = {
      metaGet: s('SELECT value FROM meta WHERE key = ?'),
      metaSet: s('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      ouById: s(`${ouCols} WHERE id = ?`),
      ouByPath: s(`${ouCols} WHERE path = ? COLLATE NOCASE`),
      ouChildren: s(`${ouCols} WHERE parent_id = ? ORDER BY path`),
      ouSubtree: s(`${ouCols} WHERE path LIKE ? ESCAPE '\\' ORDER BY path`),
      ouAll: s(`${ouCols} ORDER BY path`),
      ouInsert: s('INSERT INTO org_units(id, parent_id, name, path, description) VALUES (?, ?, ?, ?, ?)'),
      ouUpdate: s('UPDATE org_units SET parent_id = ?, name = ?, path = ?, description = ? WHERE id = ?'),
      ouSetPath: s('UPDATE org_units SET path = ? WHERE id = ?'),
      ouDelete: s('DELETE FROM org_units WHERE id = ?'),
      ouUserCount: s('SELECT COUNT(*) AS n FROM users WHERE org_unit_id = ?'),
      ouChildCount: s('SELECT COUNT(*) AS n FROM org_units WHERE parent_id = ?'),
      userByEmail: s(`${userCols} WHERE u.email = ?`),
      userById: s(`${userCols} WHERE u.id = ?`),
      userInsert: s(
        'INSERT INTO users(email, primary_email, id, org_unit_id, is_admin, suspended, archived, mailbox_setup) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      userSetOu: s('UPDATE users SET org_unit_id = ? WHERE email = ?'),
      usersAfter: s(
        `${userCols} WHERE u.email > ? AND (o.path = ? COLLATE NOCASE OR o.path LIKE ? ESCAPE '\\') ORDER BY u.email LIMIT ?`,
      ),
      usersBefore: s(
        `${userCols} WHERE u.email < ? AND (o.path = ? COLLATE NOCASE OR o.path LIKE ? ESCAPE '\\') ORDER BY u.email DESC LIMIT ?`,
      ),
      usersAll: s(`${userCols} ORDER BY u.email`),
      aliasGet: s('SELECT alias, user_email, editable FROM user_aliases WHERE alias_key = ?'),
      aliasesOf: s('SELECT alias, user_email, editable FROM user_aliases WHERE user_email = ? ORDER BY seq'),
      aliasInsert: s('INSERT INTO user_aliases(alias_key, alias, user_email, editable, seq) VALUES (?, ?, ?, ?, ?)'),
      aliasDelete: s('DELETE FROM user_aliases WHERE alias_key = ?'),
      groupById: s('SELECT * FROM groups WHERE id = ?'),
      groupByEmail: s('SELECT * FROM groups WHERE email_key = ?'),
      groupsAfter: s('SELECT * FROM groups WHERE email_key > ? ORDER BY email_key LIMIT ?'),
      groupsAll: s('SELECT * FROM groups ORDER BY email_key'),
      groupInsert: s('INSERT INTO groups(id, email_key, email, name, description) VALUES (?, ?, ?, ?, ?)'),
      membersOf: s('SELECT * FROM group_members WHERE group_id = ? ORDER BY member_key'),
      memberGet: s('SELECT * FROM group_members WHERE group_id = ? AND member_key = ?'),
      memberCount: s('SELECT COUNT(*) AS n FROM group_members WHERE group_id = ?'),
      groupsWithMember: s('SELECT group_id FROM group_members WHERE member_key = ? ORDER BY group_id'),
      memberInsert: s(
        'INSERT INTO group_members(group_id, member_key, email, id, role, type) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      policyAll: s('SELECT * FROM policies ORDER BY name'),
      policyByName: s('SELECT * FROM policies WHERE name = ?'),
      policyByScope: s('SELECT * FROM policies WHERE setting_type = ? AND org_unit_id = ? AND group_id = ?'),
      policyInsert: s(
        'INSERT INTO policies(name, org_unit_id, group_id, setting_type, value, type, sort_order) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      policySetValue: s('UPDATE policies SET value = ? WHERE name = ?'),
      policyDelete: s('DELETE FROM policies WHERE name = ?'),
      eventAdd: s(
        'INSERT INTO policy_events(name, setting_type, org_unit_id, group_id, allow, rank, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      eventsUntil: s('SELECT * FROM policy_events WHERE setting_type = ? AND changed_at <= ? ORDER BY changed_at, seq'),
      eventNames: s('SELECT DISTINCT name FROM policy_events WHERE setting_type = ?'),
      sendAsList: s('SELECT data FROM send_as WHERE user_email = ? ORDER BY seq'),
      sendAsGet: s('SELECT data FROM send_as WHERE user_email = ? AND send_as_key = ?'),
      sendAsInsert: s('INSERT INTO send_as(user_email, send_as_key, data) VALUES (?, ?, ?)'),
      sendAsUpdate: s('UPDATE send_as SET data = ? WHERE user_email = ? AND send_as_key = ?'),
      sendAsDelete: s('DELETE FROM send_as WHERE user_email = ? AND send_as_key = ?'),
      sendAsAll: s('SELECT user_email, data FROM send_as ORDER BY seq'),
      outboxAdd: s('INSERT INTO outbox(data) VALUES (?)'),
      outboxAll: s('SELECT data FROM outbox ORDER BY seq'),
      saPut: s(
        'INSERT INTO service_accounts(client_email, data) VALUES (?, ?) ON CONFLICT DO UPDATE SET data = excluded.data',
      ),
      saGet: s('SELECT data FROM service_accounts WHERE client_email = ?'),
      tokenPut: s('INSERT INTO tokens(token, data, expires_at) VALUES (?, ?, ?)'),
      tokenGet: s('SELECT data, expires_at FROM tokens WHERE token = ?'),
      tokenExpireAll: s('UPDATE tokens SET expires_at = 0'),
      tokenPurge: s('DELETE FROM tokens WHERE expires_at < ?'),
    };
  }

  public close(): void {
    this.db.close();
  }

  public transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- meta ----
  public meta(name: string): string | undefined {
    return (this.stmts.metaGet.get(name) as Row | undefined)?.value as string | undefined;
  }
  public setMeta(name: string, value: string): void {
    this.stmts.metaSet.run(name, value);
  }
  /** Whether the database holds a tenant. */
  public hasTenant(): boolean {
    return this.meta('customerId') !== undefined;
  }
  public customerId(): string {
    return this.meta('customerId') ?? 'C00empty0';
  }
  public domains(): string[] {
    return JSON.parse(this.meta('domains') ?? '[]') as string[];
  }
  public organizationName(): string {
    return this.meta('organizationName') ?? this.domains()[0] ?? 'Organization';
  }
  /** A new sequence number, unique in this database. */
  public nextSeq(): number {
    const n = Number(this.meta('seq') ?? '0') + 1;
    this.setMeta('seq', String(n));
    return n;
  }
  /** Empties every tenant table (service accounts and tokens stay). */
  public clearTenant(): void {
    for (const t of TENANT_TABLES) this.db.exec(`DELETE FROM ${t}`);
  }

  // ---- org units ----
  public rootOu(): OuRow {
    return ouFromRow(this.stmts.ouByPath.get('/') as Row);
  }
  public ouById(id: string): OuRow | undefined {
    const r = this.stmts.ouById.get(id) as Row | undefined;
    return r && ouFromRow(r);
  }
  public ouByPath(path: string): OuRow | undefined {
    const r = this.stmts.ouByPath.get(path) as Row | undefined;
    return r && ouFromRow(r);
  }
  public ouChildren(parentId: string): OuRow[] {
    return (this.stmts.ouChildren.all(parentId) as Row[]).map(ouFromRow);
  }
  /** Strict descendants of the OU at `path`, ordered by path. */
  public ouDescendants(path: string): OuRow[] {
    const prefix = path === '/' ? '/' : `${path}/`;
    return (this.stmts.ouSubtree.all(`${likeEscape(prefix)}%`) as Row[]).map(ouFromRow).filter((o) => o.path !== '/');
  }
  public ouAll(): OuRow[] {
    return (this.stmts.ouAll.all() as Row[]).map(ouFromRow);
  }
  public ouHasChildren(id: string): boolean {
    return ((this.stmts.ouChildCount.get(id) as Row).n as number) > 0;
  }
  public ouHasUsers(id: string): boolean {
    return ((this.stmts.ouUserCount.get(id) as Row).n as number) > 0;
  }
  public newOuId(): string {
    return `03ph8a2z${this.nextSeq().toString(16).padStart(8, '0')}`;
  }
  public insertOu(ou: OuRow): void {
    this.stmts.ouInsert.run(ou.id, ou.parentId, ou.name, ou.path, ou.description);
  }
  /** Renames/moves/re-describes an OU and rewrites the paths of its descendants. */
  public updateOu(ou: OuRow): void {
    const old = this.ouById(ou.id);
    if (!old) throw new Error(`internal invariant broken: OU ${ou.id} vanished`);
    this.transaction(() => {
      const descendants = old.path !== ou.path ? this.ouDescendants(old.path) : [];
      this.stmts.ouUpdate.run(ou.parentId, ou.name, ou.path, ou.description, ou.id);
      for (const d of descendants) this.stmts.ouSetPath.run(ou.path + d.path.slice(old.path.length), d.id);
    });
  }
  public deleteOu(id: string): void {
    this.stmts.ouDelete.run(id);
  }

  // ---- users and aliases ----
  public userByEmail(email: string): UserRow | undefined {
    const r = this.stmts.userByEmail.get(key(email)) as Row | undefined;
    return r && userFromRow(r);
  }
  public userById(id: string): UserRow | undefined {
    const r = this.stmts.userById.get(id) as Row | undefined;
    return r && userFromRow(r);
  }
  /** A user by primary email, alias (editable or not) or id. */
  public userByKey(userKey: string): UserRow | undefined {
    if (!userKey.includes('@')) return this.userById(userKey);
    const direct = this.userByEmail(userKey);
    if (direct) return direct;
    const alias = this.aliasGet(userKey);
    return alias && this.userByEmail(alias.userEmail);
  }
  /**
   * Up to `limit` users in the subtree of `ouPath`, ordered by email, strictly after `cursor` (ascending) or
   * strictly before it (descending; '' = from the end).
   */
  public usersInSubtree(ouPath: string, cursor: string, limit: number, descending = false): UserRow[] {
    const like = ouPath === '/' ? '/%' : `${likeEscape(ouPath)}/%`;
    if (!descending) return (this.stmts.usersAfter.all(cursor, ouPath, like, limit) as Row[]).map(userFromRow);
    const before = cursor === '' ? '\uffff' : cursor;
    return (this.stmts.usersBefore.all(before, ouPath, like, limit) as Row[]).map(userFromRow);
  }
  public allUsers(): UserRow[] {
    return (this.stmts.usersAll.all() as Row[]).map(userFromRow);
  }
  public insertUser(u: {
    primaryEmail: string;
    orgUnitId: string;
    isAdmin: boolean;
    suspended: boolean;
    archived: boolean;
    /** @default true */
    isMailboxSetup?: boolean;
  }): UserRow {
    const id = String(100000000000000000000n + BigInt(this.nextSeq()));
    const email = key(u.primaryEmail);
    this.stmts.userInsert.run(
      email,
      u.primaryEmail,
      id,
      u.orgUnitId,
      u.isAdmin ? 1 : 0,
      u.suspended ? 1 : 0,
      u.archived ? 1 : 0,
      u.isMailboxSetup === false ? 0 : 1,
    );
    return this.userByEmail(email)!;
  }
  public setUserOu(email: string, orgUnitId: string): void {
    this.stmts.userSetOu.run(orgUnitId, key(email));
  }
  public aliasGet(alias: string): AliasRow | undefined {
    const r = this.stmts.aliasGet.get(key(alias)) as Row | undefined;
    return r && aliasFromRow(r);
  }
  /** A user's aliases (editable and not), in insertion order. */
  public aliasesOf(userEmail: string): AliasRow[] {
    return (this.stmts.aliasesOf.all(key(userEmail)) as Row[]).map(aliasFromRow);
  }
  public insertAlias(userEmail: string, alias: string, editable: boolean): void {
    this.stmts.aliasInsert.run(key(alias), alias.trim(), key(userEmail), editable ? 1 : 0, this.nextSeq());
  }
  public deleteAlias(alias: string): void {
    this.stmts.aliasDelete.run(key(alias));
  }
  /** What already uses an address: a user, an alias or a group (addresses are unique across all three). */
  public addressOwner(address: string): 'user' | 'alias' | 'group' | undefined {
    if (this.userByEmail(address)) return 'user';
    if (this.aliasGet(address)) return 'alias';
    if (this.groupByEmail(address)) return 'group';
    return undefined;
  }

  // ---- groups ----
  public groupById(id: string): GroupRow | undefined {
    const r = this.stmts.groupById.get(id) as Row | undefined;
    return r && groupFromRow(r);
  }
  public groupByEmail(email: string): GroupRow | undefined {
    const r = this.stmts.groupByEmail.get(key(email)) as Row | undefined;
    return r && groupFromRow(r);
  }
  /** A group by email or id. */
  public groupByKey(groupKey: string): GroupRow | undefined {
    return groupKey.includes('@') ? this.groupByEmail(groupKey) : this.groupById(groupKey);
  }
  /** Up to `limit` groups ordered by email, after the lower-case email `after`. */
  public groupsAfter(after: string, limit: number): GroupRow[] {
    return (this.stmts.groupsAfter.all(after, limit) as Row[]).map(groupFromRow);
  }
  public allGroups(): GroupRow[] {
    return (this.stmts.groupsAll.all() as Row[]).map(groupFromRow);
  }
  public insertGroup(g: { email: string; name: string; description: string }): GroupRow {
    const id = `01emu${this.nextSeq().toString(36).padStart(10, '0')}`;
    this.stmts.groupInsert.run(id, key(g.email), g.email.trim(), g.name, g.description);
    return this.groupById(id)!;
  }
  public membersOf(groupId: string): MemberRow[] {
    return (this.stmts.membersOf.all(groupId) as Row[]).map(memberFromRow);
  }
  public member(groupId: string, email: string): MemberRow | undefined {
    const r = this.stmts.memberGet.get(groupId, key(email)) as Row | undefined;
    return r && memberFromRow(r);
  }
  public memberCount(groupId: string): number {
    return (this.stmts.memberCount.get(groupId) as Row).n as number;
  }
  /** Ids of the groups that list `email` as a direct member. */
  public groupsWithMember(email: string): string[] {
    return (this.stmts.groupsWithMember.all(key(email)) as Row[]).map((r) => r.group_id as string);
  }
  /** Ids of every group `email` belongs to, directly or through nested groups. */
  public groupsOfTransitive(email: string): Set<string> {
    const found = new Set<string>();
    const queue = [email];
    while (queue.length > 0) {
      for (const id of this.groupsWithMember(queue.shift()!)) {
        if (found.has(id)) continue;
        found.add(id);
        const g = this.groupById(id);
        if (g) queue.push(g.email);
      }
    }
    return found;
  }
  public insertMember(m: MemberRow): void {
    this.stmts.memberInsert.run(m.groupId, key(m.email), m.email.trim(), m.id, m.role, m.type);
  }

  // ---- policies ----
  public policies(): PolicyRow[] {
    return (this.stmts.policyAll.all() as Row[]).map(policyFromRow);
  }
  public policyByName(name: string): PolicyRow | undefined {
    const r = this.stmts.policyByName.get(name) as Row | undefined;
    return r && policyFromRow(r);
  }
  public policyFor(settingType: string, orgUnitId: string, groupId = ''): PolicyRow | undefined {
    const r = this.stmts.policyByScope.get(settingType, orgUnitId, groupId) as Row | undefined;
    return r && policyFromRow(r);
  }
  public insertPolicy(p: PolicyRow, now: number): void {
    this.transaction(() => {
      this.stmts.policyInsert.run(
        p.name,
        p.orgUnitId,
        p.groupId,
        p.settingType,
        JSON.stringify(p.value),
        p.type,
        p.rank,
      );
      this.recordGateway(p, p.value, now);
    });
  }
  public setPolicyValue(p: PolicyRow, value: Record<string, unknown>, now: number): void {
    this.transaction(() => {
      this.stmts.policySetValue.run(JSON.stringify(value), p.name);
      this.recordGateway(p, value, now);
    });
  }
  public deletePolicy(p: PolicyRow, now: number): void {
    this.transaction(() => {
      this.stmts.policyDelete.run(p.name);
      this.recordGateway(p, undefined, now);
    });
  }
  private recordGateway(p: PolicyRow, value: Record<string, unknown> | undefined, now: number): void {
    if (p.settingType !== GATEWAY_SETTING) return;
    const allow = value === undefined ? null : value.allowUsersToUseExternalSmtpServers === true ? 1 : 0;
    this.stmts.eventAdd.run(p.name, p.settingType, p.orgUnitId, p.groupId, allow, p.rank, now);
  }
  /** The gateway policies in force at time `at` (ms): each policy's last change at or before `at`. */
  public gatewayPoliciesAt(at: number): PolicyState[] {
    const states = new Map<string, PolicyState | null>();
    for (const r of this.stmts.eventsUntil.all(GATEWAY_SETTING, at) as Row[]) {
      states.set(
        r.name as string,
        r.allow === null
          ? null
          : {
              name: r.name as string,
              orgUnitId: r.org_unit_id as string,
              groupId: r.group_id as string,
              allow: r.allow === 1,
              rank: r.rank as number,
            },
      );
    }
    // Policies of older data files have no recorded changes: in force since ever.
    const recorded = new Set((this.stmts.eventNames.all(GATEWAY_SETTING) as Row[]).map((r) => r.name as string));
    for (const p of this.policies()) {
      if (p.settingType !== GATEWAY_SETTING || recorded.has(p.name)) continue;
      const allow = p.value.allowUsersToUseExternalSmtpServers === true;
      states.set(p.name, { name: p.name, orgUnitId: p.orgUnitId, groupId: p.groupId, allow, rank: p.rank });
    }
    return [...states.values()].filter((s): s is PolicyState => s !== null);
  }
  /** A new ADMIN policy row; its rank (the fractional part of the sort order) grows with creation order. */
  public newPolicy(ou: OuRow, groupId: string, settingType: string, value: Record<string, unknown>): PolicyRow {
    const seq = this.nextSeq();
    return {
      name: `policies/a${seq.toString(36).padStart(6, '0')}emu`,
      orgUnitId: ou.id,
      groupId,
      settingType,
      value,
      type: 'ADMIN',
      rank: (seq % 99_999) / 100_000 + 0.000_001,
    };
  }

  // ---- send-as ----
  public sendAsList(userEmail: string): StoredSendAs[] {
    return (this.stmts.sendAsList.all(key(userEmail)) as Row[]).map(
      (r) => JSON.parse(r.data as string) as StoredSendAs,
    );
  }
  public sendAsGet(userEmail: string, sendAsEmail: string): StoredSendAs | undefined {
    const r = this.stmts.sendAsGet.get(key(userEmail), key(sendAsEmail)) as Row | undefined;
    return r && (JSON.parse(r.data as string) as StoredSendAs);
  }
  /** Every send-as with its owner's lower-case email, in creation order. */
  public allSendAs(): { userEmail: string; sendAs: StoredSendAs }[] {
    return (this.stmts.sendAsAll.all() as Row[]).map((r) => ({
      userEmail: r.user_email as string,
      sendAs: JSON.parse(r.data as string) as StoredSendAs,
    }));
  }
  public sendAsInsert(userEmail: string, s: StoredSendAs): void {
    this.stmts.sendAsInsert.run(key(userEmail), key(s.sendAsEmail), JSON.stringify(s));
  }
  public sendAsUpdate(userEmail: string, s: StoredSendAs): void {
    this.stmts.sendAsUpdate.run(JSON.stringify(s), key(userEmail), key(s.sendAsEmail));
  }
  public sendAsDelete(userEmail: string, sendAsEmail: string): void {
    this.stmts.sendAsDelete.run(key(userEmail), key(sendAsEmail));
  }
  public clearDefault(userEmail: string): void {
    for (const s of this.sendAsList(userEmail)) {
      if (s.isDefault) this.sendAsUpdate(userEmail, { ...s, isDefault: false });
    }
  }

  // ---- outbox ----
  public outboxAdd(message: object): void {
    this.stmts.outboxAdd.run(JSON.stringify(message));
  }
  public outbox<T>(): T[] {
    return (this.stmts.outboxAll.all() as Row[]).map((r) => JSON.parse(r.data as string) as T);
  }

  // ---- service accounts and tokens ----
  public putServiceAccount(clientEmail: string, data: object): void {
    this.stmts.saPut.run(clientEmail, JSON.stringify(data));
  }
  public serviceAccount<T>(clientEmail: string): T | undefined {
    const r = this.stmts.saGet.get(clientEmail) as Row | undefined;
    return r && (JSON.parse(r.data as string) as T);
  }
  public putToken(token: string, data: object, expiresAt: number): void {
    this.stmts.tokenPurge.run(Date.now() - 86_400_000);
    this.stmts.tokenPut.run(token, JSON.stringify(data), expiresAt);
  }
  public token<T>(token: string): { data: T; expiresAt: number } | undefined {
    const r = this.stmts.tokenGet.get(token) as Row | undefined;
    return r && { data: JSON.parse(r.data as string) as T, expiresAt: r.expires_at as number };
  }
  public expireTokens(): void {
    this.stmts.tokenExpireAll.run();
  }
}
