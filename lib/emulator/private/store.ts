/**
 * The emulator's state in one place: a SQLite database (better-sqlite3 12) with indexed tables and prepared
 * statements. Every write method runs in a transaction; callers compose several writes with `transaction`.
 * SMTP passwords are never stored (only whether credentials were given).
 */
import Database from './sqlite';
import type { ParsedSeedTenant } from '../seed';

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
}

export interface PolicyRow {
  readonly name: string;
  readonly orgUnitId: string;
  readonly settingType: string;
  readonly value: Record<string, unknown>;
  readonly type: string;
  readonly sortOrder: number;
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
CREATE TABLE IF NOT EXISTS policies (name TEXT PRIMARY KEY, org_unit_id TEXT NOT NULL, setting_type TEXT NOT NULL, value TEXT NOT NULL, type TEXT NOT NULL, sort_order REAL NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS policies_ou ON policies(setting_type, org_unit_id);
CREATE TABLE IF NOT EXISTS policy_history (seq INTEGER PRIMARY KEY AUTOINCREMENT, org_unit_id TEXT NOT NULL, allow INTEGER, changed_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS policy_history_ou ON policy_history(org_unit_id, changed_at);
CREATE TABLE IF NOT EXISTS send_as (seq INTEGER PRIMARY KEY AUTOINCREMENT, user_email TEXT NOT NULL, send_as_key TEXT NOT NULL, data TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS send_as_key ON send_as(user_email, send_as_key);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS service_accounts (client_email TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS tokens_expiry ON tokens(expires_at);
`;

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
  };
}

function policyFromRow(r: Row): PolicyRow {
  return {
    name: r.name as string,
    orgUnitId: r.org_unit_id as string,
    settingType: r.setting_type as string,
    value: JSON.parse(r.value as string) as Record<string, unknown>,
    type: r.type as string,
    sortOrder: r.sort_order as number,
  };
}

/** Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`. */
function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class Store {
  private readonly db: Database.Database;
  private readonly stmts: Record<string, Database.Statement>;

  public constructor(file: string) {
    this.db = new Database(file);
    if (file !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
    const s = (sql: string): Database.Statement => this.db.prepare(sql);
    const ouCols = 'SELECT id, parent_id, name, path, description FROM org_units';
    const userCols =
      'SELECT u.email, u.primary_email, u.id, u.org_unit_id, u.is_admin, o.path FROM users u JOIN org_units o ON o.id = u.org_unit_id';
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
      userInsert: s('INSERT INTO users(email, primary_email, id, org_unit_id, is_admin) VALUES (?, ?, ?, ?, ?)'),
      userSetOu: s('UPDATE users SET org_unit_id = ? WHERE email = ?'),
      usersAfter: s(
        `${userCols} WHERE u.email > ? AND (o.path = ? COLLATE NOCASE OR o.path LIKE ? ESCAPE '\\') ORDER BY u.email LIMIT ?`,
      ),
      usersAll: s(`${userCols} ORDER BY u.email`),
      policyAll: s('SELECT * FROM policies ORDER BY name'),
      policyByName: s('SELECT * FROM policies WHERE name = ?'),
      policyByOu: s('SELECT * FROM policies WHERE setting_type = ? AND org_unit_id = ?'),
      policyInsert: s(
        'INSERT INTO policies(name, org_unit_id, setting_type, value, type, sort_order) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      policySetValue: s('UPDATE policies SET value = ? WHERE name = ?'),
      policyDelete: s('DELETE FROM policies WHERE name = ?'),
      historyAdd: s('INSERT INTO policy_history(org_unit_id, allow, changed_at) VALUES (?, ?, ?)'),
      historyAt: s(
        'SELECT allow FROM policy_history WHERE org_unit_id = ? AND changed_at <= ? ORDER BY changed_at DESC, seq DESC LIMIT 1',
      ),
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
  public meta(key: string): string | undefined {
    return (this.stmts.metaGet.get(key) as Row | undefined)?.value as string | undefined;
  }
  public setMeta(key: string, value: string): void {
    this.stmts.metaSet.run(key, value);
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

  // ---- users ----
  public userByEmail(email: string): UserRow | undefined {
    const r = this.stmts.userByEmail.get(email.trim().toLowerCase()) as Row | undefined;
    return r && userFromRow(r);
  }
  public userById(id: string): UserRow | undefined {
    const r = this.stmts.userById.get(id) as Row | undefined;
    return r && userFromRow(r);
  }
  /** Users in the subtree of `ouPath` with an email after `after`, ordered by email. */
  public usersInSubtree(ouPath: string, after: string, limit: number): UserRow[] {
    const like = ouPath === '/' ? '/%' : `${likeEscape(ouPath)}/%`;
    return (this.stmts.usersAfter.all(after, ouPath, like, limit) as Row[]).map(userFromRow);
  }
  public allUsers(): UserRow[] {
    return (this.stmts.usersAll.all() as Row[]).map(userFromRow);
  }
  public setUserOu(email: string, orgUnitId: string): void {
    this.stmts.userSetOu.run(orgUnitId, email.toLowerCase());
  }

  // ---- policies ----
  public policies(): PolicyRow[] {
    return (this.stmts.policyAll.all() as Row[]).map(policyFromRow);
  }
  public policyByName(name: string): PolicyRow | undefined {
    const r = this.stmts.policyByName.get(name) as Row | undefined;
    return r && policyFromRow(r);
  }
  public policyFor(settingType: string, orgUnitId: string): PolicyRow | undefined {
    const r = this.stmts.policyByOu.get(settingType, orgUnitId) as Row | undefined;
    return r && policyFromRow(r);
  }
  public insertPolicy(p: PolicyRow, now: number): void {
    this.transaction(() => {
      this.stmts.policyInsert.run(p.name, p.orgUnitId, p.settingType, JSON.stringify(p.value), p.type, p.sortOrder);
      this.recordGateway(p.settingType, p.orgUnitId, p.value, now);
    });
  }
  public setPolicyValue(p: PolicyRow, value: Record<string, unknown>, now: number): void {
    this.transaction(() => {
      this.stmts.policySetValue.run(JSON.stringify(value), p.name);
      this.recordGateway(p.settingType, p.orgUnitId, value, now);
    });
  }
  public deletePolicy(p: PolicyRow, now: number): void {
    this.transaction(() => {
      this.stmts.policyDelete.run(p.name);
      this.recordGateway(p.settingType, p.orgUnitId, undefined, now);
    });
  }
  private recordGateway(type: string, ouId: string, value: Record<string, unknown> | undefined, now: number): void {
    if (type !== GATEWAY_SETTING) return;
    const allow = value === undefined ? null : value.allowUsersToUseExternalSmtpServers === true ? 1 : 0;
    this.stmts.historyAdd.run(ouId, allow, now);
  }
  /**
   * Whether per-user gateways are allowed for a user in OU `ouId`, as seen at time `at` (ms): the explicit
   * policy of the nearest OU up the tree that was in force at `at`; none → false.
   */
  public gatewayAllowedAt(ouId: string, at: number): boolean {
    let ou = this.ouById(ouId);
    while (ou) {
      const r = this.stmts.historyAt.get(ou.id, at) as Row | undefined;
      if (r && r.allow !== null) return r.allow === 1;
      ou = ou.parentId ? this.ouById(ou.parentId) : undefined;
    }
    return false;
  }

  // ---- send-as ----
  public sendAsList(userEmail: string): StoredSendAs[] {
    return (this.stmts.sendAsList.all(userEmail.toLowerCase()) as Row[]).map(
      (r) => JSON.parse(r.data as string) as StoredSendAs,
    );
  }
  public sendAsGet(userEmail: string, sendAsEmail: string): StoredSendAs | undefined {
    const r = this.stmts.sendAsGet.get(userEmail.toLowerCase(), sendAsEmail.trim().toLowerCase()) as Row | undefined;
    return r && (JSON.parse(r.data as string) as StoredSendAs);
  }
  public sendAsInsert(userEmail: string, s: StoredSendAs): void {
    this.stmts.sendAsInsert.run(userEmail.toLowerCase(), s.sendAsEmail.toLowerCase(), JSON.stringify(s));
  }
  public sendAsUpdate(userEmail: string, s: StoredSendAs): void {
    this.stmts.sendAsUpdate.run(JSON.stringify(s), userEmail.toLowerCase(), s.sendAsEmail.toLowerCase());
  }
  public sendAsDelete(userEmail: string, sendAsEmail: string): void {
    this.stmts.sendAsDelete.run(userEmail.toLowerCase(), sendAsEmail.toLowerCase());
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

  // ---- whole tenant ----
  /** Replaces the tenant (service accounts and issued tokens survive, as they would at Google). */
  public replaceTenant(seed: ParsedSeedTenant): void {
    this.transaction(() => {
      for (const t of ['org_units', 'users', 'policies', 'policy_history', 'send_as', 'outbox']) {
        this.db.exec(`DELETE FROM ${t}`);
      }
      this.setMeta('customerId', seed.customerId);
      this.setMeta('domains', JSON.stringify(seed.domains.map((d) => d.toLowerCase())));
      this.setMeta('organizationName', seed.organizationName ?? seed.domains[0] ?? 'Organization');
      this.insertOu({
        id: this.newOuId(),
        parentId: null,
        name: this.organizationName(),
        path: '/',
        description: null,
      });
      const paths = [...seed.orgUnits.map((o) => o.path), ...seed.users.map((u) => u.orgUnitPath)];
      paths.push(...seed.policies.map((p) => p.orgUnitPath));
      const described = new Map(seed.orgUnits.map((o) => [o.path.toLowerCase(), o.description]));
      for (const path of [...new Set(paths)].sort()) this.ensureOuPath(path, described);
      for (const u of seed.users) {
        const ou = this.ouByPath(u.orgUnitPath);
        const email = u.primaryEmail.toLowerCase();
        this.stmts.userInsert.run(
          email,
          u.primaryEmail,
          String(100000000000000000000n + BigInt(this.nextSeq())),
          ou!.id,
          u.isAdmin ? 1 : 0,
        );
        this.sendAsInsert(email, {
          sendAsEmail: u.primaryEmail,
          displayName: '',
          replyToAddress: '',
          signature: '',
          isPrimary: true,
          isDefault: true,
        });
      }
      for (const p of seed.policies) {
        const ou = this.ouByPath(p.orgUnitPath)!;
        const value = { allowUsersToUseExternalSmtpServers: p.allowUsersToUseExternalSmtpServers };
        this.insertPolicy(this.newPolicy(ou, GATEWAY_SETTING, value), 0);
      }
      for (const s of seed.sendAs) {
        const { userEmail, ...fields } = s;
        const user = this.userByEmail(userEmail);
        if (!user)
          throw new Error(
            `Emulator seed is invalid: sendAs ${s.sendAsEmail} names user ${userEmail}, who is not in users`,
          );
        const existing = this.sendAsGet(userEmail, s.sendAsEmail);
        if (fields.isDefault) this.clearDefault(userEmail);
        if (existing) {
          this.sendAsUpdate(userEmail, { ...existing, ...fields, isPrimary: existing.isPrimary });
        } else {
          const smtp = fields.smtpMsa
            ? { host: fields.smtpMsa.host, port: fields.smtpMsa.port, securityMode: fields.smtpMsa.securityMode }
            : undefined;
          this.sendAsInsert(userEmail, {
            ...fields,
            smtpMsa: smtp,
            isPrimary: false,
            isDefault: fields.isDefault === true,
            treatAsAlias: fields.treatAsAlias ?? false,
            verificationStatus: fields.verificationStatus ?? 'accepted',
          });
        }
      }
    });
  }

  /** Builds a new ADMIN policy row for `ou`; sortOrder grows with depth so deeper OUs win. */
  public newPolicy(ou: OuRow, settingType: string, value: Record<string, unknown>): PolicyRow {
    const seq = this.nextSeq();
    const depth = ou.path === '/' ? 0 : ou.path.split('/').length - 1;
    return {
      name: `policies/a${seq.toString(36).padStart(6, '0')}emu`,
      orgUnitId: ou.id,
      settingType,
      value,
      type: 'ADMIN',
      sortOrder: 1000 + depth + seq / 1_000_000,
    };
  }

  public clearDefault(userEmail: string): void {
    for (const s of this.sendAsList(userEmail)) {
      if (s.isDefault) this.sendAsUpdate(userEmail, { ...s, isDefault: false });
    }
  }

  private ensureOuPath(path: string, described: Map<string, string | undefined>): void {
    if (path === '/' || this.ouByPath(path)) return;
    const parentPath = path.slice(0, path.lastIndexOf('/')) || '/';
    this.ensureOuPath(parentPath, described);
    const parent = this.ouByPath(parentPath)!;
    const name = path.slice(path.lastIndexOf('/') + 1);
    this.insertOu({
      id: this.newOuId(),
      parentId: parent.id,
      name,
      path,
      description: described.get(path.toLowerCase()) ?? null,
    });
  }

  /** The whole tenant as a seed. */
  public snapshot(): ParsedSeedTenant {
    const ous = this.ouAll().filter((o) => o.path !== '/');
    const byId = new Map(this.ouAll().map((o) => [o.id, o]));
    const sendAs: ParsedSeedTenant['sendAs'] = [];
    for (const r of this.stmts.sendAsAll.all() as Row[]) {
      const s = JSON.parse(r.data as string) as StoredSendAs;
      if (s.isPrimary && !s.displayName && !s.signature && !s.replyToAddress && s.isDefault) continue;
      const user = this.userByEmail(r.user_email as string);
      sendAs.push({
        ...s,
        userEmail: user?.primaryEmail ?? (r.user_email as string),
      } as ParsedSeedTenant['sendAs'][number]);
    }
    return {
      customerId: this.customerId(),
      organizationName: this.organizationName(),
      domains: this.domains(),
      orgUnits: ous.map((o) => (o.description ? { path: o.path, description: o.description } : { path: o.path })),
      users: this.allUsers().map((u) => ({
        primaryEmail: u.primaryEmail,
        orgUnitPath: u.orgUnitPath,
        ...(u.isAdmin ? { isAdmin: true } : {}),
      })),
      policies: this.policies()
        .filter((p) => p.settingType === GATEWAY_SETTING)
        .map((p) => ({
          orgUnitPath: byId.get(p.orgUnitId)?.path ?? '/',
          allowUsersToUseExternalSmtpServers: p.value.allowUsersToUseExternalSmtpServers === true,
        })),
      sendAs,
    };
  }
}
