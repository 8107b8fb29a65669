import { AdminApiError, type AdminErrorKind } from '../../../../lib/admin/admin-error';
import type {
  AccessLevel,
  AdminStats,
  GatewayPolicyRecord,
  OrgUnitRecord,
  SendAsInput,
  SendAsRecord,
  TargetInfo,
  UserRecord,
  WorkspaceAdmin,
} from '../../../../lib/admin/workspace-admin';

/** A fault: the next `times` calls of `method` matching `when` throw an error of `kind`. */
export interface Fault {
  readonly method: string;
  readonly kind: AdminErrorKind;
  readonly when?: (args: readonly unknown[]) => boolean;
  times: number;
}

/** What the fake keeps of a send-as identity: the record, plus the credentials it was last sent (for checks). */
interface StoredSendAs {
  record: SendAsRecord;
  username?: string;
  password?: string;
}

/**
 * A small in-memory WorkspaceAdmin: OUs, gateway policies, users and send-as identities, with a call log,
 * in-flight counters (global and per user) and injectable faults. Each call yields to the event loop once so that
 * concurrent work interleaves. The executor's tests no longer use it (they run the real client against the
 * emulator, `apply-bench.ts`); the import reader's test still does.
 */
export class FakeWorkspaceAdmin implements WorkspaceAdmin {
  public readonly target: TargetInfo = { kind: 'emulator', description: 'fake tenant' };
  public access: AccessLevel = 'write';
  public readonly calls: Array<{ method: string; args: unknown[] }> = [];
  public readonly faults: Fault[] = [];
  public maxInFlight = 0;
  public maxInFlightPerUser = 0;
  /** When true, setGatewayPolicy throws `policyWriteRefused`. */
  public policyWritesRefused = false;
  /** When it returns true, a send-as create/patch with SMTP settings is refused with `failedPrecondition`. */
  public refuseSmtp: (userEmail: string) => boolean = () => false;

  private readonly orgUnits = new Map<string, OrgUnitRecord>();
  private readonly policies = new Map<string, GatewayPolicyRecord>();
  private readonly users = new Map<string, UserRecord>();
  private readonly sendAs = new Map<string, Map<string, StoredSendAs>>();
  private readonly counts: Record<string, number> = {};
  private inFlight = 0;
  private readonly inFlightPerUser = new Map<string, number>();
  private nextId = 1;

  public constructor() {
    this.orgUnits.set('/', { orgUnitId: 'root', orgUnitPath: '/', name: '' });
  }

  // --- seeding and inspection -------------------------------------------------------------------------

  public addUser(email: string, orgUnitPath = '/'): void {
    this.users.set(email.toLowerCase(), { primaryEmail: email, orgUnitPath });
    this.sendAs.set(
      email.toLowerCase(),
      new Map([[email.toLowerCase(), { record: { sendAsEmail: email, isPrimary: true, isDefault: true } }]]),
    );
  }

  public addOrgUnit(path: string, description?: string): OrgUnitRecord {
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    const record: OrgUnitRecord = {
      orgUnitId: `ou${this.nextId++}`,
      orgUnitPath: path,
      name: path.slice(path.lastIndexOf('/') + 1),
      parentOrgUnitPath: parent,
      description,
    };
    this.orgUnits.set(path.toLowerCase(), record);
    return record;
  }

  public addSendAs(userEmail: string, record: SendAsRecord): void {
    this.mailbox(userEmail).set(record.sendAsEmail.toLowerCase(), { record });
  }

  public orgUnitPaths(): string[] {
    return [...this.orgUnits.values()].map((ou) => ou.orgUnitPath).sort();
  }

  public identities(userEmail: string): SendAsRecord[] {
    return [...this.mailbox(userEmail).values()].map((s) => s.record);
  }

  public credentialsOf(userEmail: string, sendAsEmail: string): { username?: string; password?: string } | undefined {
    const stored = this.mailbox(userEmail).get(sendAsEmail.toLowerCase());
    return stored && { username: stored.username, password: stored.password };
  }

  public policyOf(orgUnitPath: string): GatewayPolicyRecord | undefined {
    const ou = this.orgUnits.get(orgUnitPath.toLowerCase());
    return [...this.policies.values()].find((p) => p.orgUnitId === ou?.orgUnitId);
  }

  /** Sets a policy as a person in the Admin console would. */
  public setPolicyByHand(orgUnitPath: string, allow: boolean): void {
    const ou = this.orgUnits.get(orgUnitPath.toLowerCase());
    if (!ou) throw new Error(`no OU ${orgUnitPath}`);
    const name = `policies/p${this.nextId++}`;
    this.policies.set(name, {
      name,
      orgUnitId: ou.orgUnitId,
      allowUsersToUseExternalSmtpServers: allow,
      type: 'ADMIN',
    });
  }

  public user(email: string): UserRecord | undefined {
    return this.users.get(email.toLowerCase());
  }

  public methodsCalled(): string[] {
    return this.calls.map((c) => c.method);
  }

  // --- WorkspaceAdmin ---------------------------------------------------------------------------------

  public listOrgUnits(): Promise<OrgUnitRecord[]> {
    return this.call('listOrgUnits', [], undefined, () => [...this.orgUnits.values()]);
  }

  public createOrgUnit(input: {
    name: string;
    parentOrgUnitPath: string;
    description?: string;
  }): Promise<OrgUnitRecord> {
    return this.call('createOrgUnit', [input], undefined, () => {
      if (!this.orgUnits.has(input.parentOrgUnitPath.toLowerCase()))
        this.fail('notFound', `parent ${input.parentOrgUnitPath}`);
      const path = input.parentOrgUnitPath === '/' ? `/${input.name}` : `${input.parentOrgUnitPath}/${input.name}`;
      if (this.orgUnits.has(path.toLowerCase())) this.fail('alreadyExists', `OU ${path}`);
      return this.addOrgUnit(path, input.description);
    });
  }

  public updateOrgUnit(
    orgUnitPath: string,
    patch: { name?: string; parentOrgUnitPath?: string; description?: string },
  ): Promise<OrgUnitRecord> {
    return this.call('updateOrgUnit', [orgUnitPath, patch], undefined, () => {
      const ou = this.orgUnits.get(orgUnitPath.toLowerCase());
      if (!ou) return this.fail('notFound', `OU ${orgUnitPath}`);
      const parent = patch.parentOrgUnitPath ?? ou.parentOrgUnitPath ?? '/';
      const name = patch.name ?? ou.name;
      const path = parent === '/' ? `/${name}` : `${parent}/${name}`;
      const next: OrgUnitRecord = {
        ...ou,
        name,
        parentOrgUnitPath: parent,
        orgUnitPath: path,
        description: patch.description ?? ou.description,
      };
      this.orgUnits.delete(orgUnitPath.toLowerCase());
      this.orgUnits.set(path.toLowerCase(), next);
      return next;
    });
  }

  public deleteOrgUnit(orgUnitPath: string): Promise<void> {
    return this.call('deleteOrgUnit', [orgUnitPath], undefined, () => {
      if (!this.orgUnits.delete(orgUnitPath.toLowerCase())) this.fail('notFound', `OU ${orgUnitPath}`);
    });
  }

  public listGatewayPolicies(): Promise<GatewayPolicyRecord[]> {
    return this.call('listGatewayPolicies', [], undefined, () => [...this.policies.values()]);
  }

  public setGatewayPolicy(
    orgUnitId: string,
    allow: boolean,
    existingPolicyName?: string,
  ): Promise<GatewayPolicyRecord> {
    return this.call('setGatewayPolicy', [orgUnitId, allow, existingPolicyName], undefined, () => {
      if (this.policyWritesRefused) this.fail('policyWriteRefused', 'setting is not mutable');
      if (![...this.orgUnits.values()].some((ou) => ou.orgUnitId === orgUnitId))
        this.fail('notFound', `OU id ${orgUnitId}`);
      const existing = [...this.policies.values()].find((p) => p.orgUnitId === orgUnitId);
      const name = existing?.name ?? `policies/p${this.nextId++}`;
      const record: GatewayPolicyRecord = { name, orgUnitId, allowUsersToUseExternalSmtpServers: allow, type: 'ADMIN' };
      this.policies.set(name, record);
      return record;
    });
  }

  public deleteGatewayPolicy(policyName: string): Promise<void> {
    return this.call('deleteGatewayPolicy', [policyName], undefined, () => {
      if (!this.policies.delete(policyName)) this.fail('notFound', policyName);
    });
  }

  public getUser(email: string): Promise<UserRecord | undefined> {
    return this.call('getUser', [email], undefined, () => this.users.get(email.toLowerCase()));
  }

  public listUsers(orgUnitPath: string): Promise<UserRecord[]> {
    return this.call('listUsers', [orgUnitPath], undefined, () =>
      [...this.users.values()].filter((u) => u.orgUnitPath.toLowerCase().startsWith(orgUnitPath.toLowerCase())),
    );
  }

  public moveUser(email: string, orgUnitPath: string): Promise<UserRecord> {
    return this.call('moveUser', [email, orgUnitPath], email, () => {
      const user = this.users.get(email.toLowerCase());
      if (!user) return this.fail('notFound', `user ${email}`);
      if (!this.orgUnits.has(orgUnitPath.toLowerCase())) this.fail('notFound', `OU ${orgUnitPath}`);
      const next = { ...user, orgUnitPath };
      this.users.set(email.toLowerCase(), next);
      return next;
    });
  }

  public listSendAs(userEmail: string): Promise<SendAsRecord[]> {
    return this.call('listSendAs', [userEmail], userEmail, () => this.identities(userEmail));
  }

  public getSendAs(userEmail: string, sendAsEmail: string): Promise<SendAsRecord | undefined> {
    return this.call(
      'getSendAs',
      [userEmail, sendAsEmail],
      userEmail,
      () => this.mailbox(userEmail).get(sendAsEmail.toLowerCase())?.record,
    );
  }

  public createSendAs(userEmail: string, input: SendAsInput): Promise<SendAsRecord> {
    return this.call('createSendAs', [userEmail, redact(input)], userEmail, () => {
      const box = this.mailbox(userEmail);
      if (box.has(input.sendAsEmail.toLowerCase())) this.fail('alreadyExists', `send-as ${input.sendAsEmail}`);
      if (input.smtpMsa && this.refuseSmtp(userEmail))
        this.fail('failedPrecondition', 'per-user outbound gateways are not allowed');
      const stored = store(input);
      box.set(input.sendAsEmail.toLowerCase(), stored);
      if (input.isDefault) this.makeDefault(userEmail, input.sendAsEmail);
      return stored.record;
    });
  }

  public patchSendAs(userEmail: string, sendAsEmail: string, input: Partial<SendAsInput>): Promise<SendAsRecord> {
    return this.call('patchSendAs', [userEmail, sendAsEmail, redact(input)], userEmail, () => {
      const existing = this.mailbox(userEmail).get(sendAsEmail.toLowerCase());
      if (!existing) return this.fail('notFound', `send-as ${sendAsEmail}`);
      if (input.smtpMsa && this.refuseSmtp(userEmail))
        this.fail('failedPrecondition', 'per-user outbound gateways are not allowed');
      const merged = store({ ...existing.record, ...input, sendAsEmail: existing.record.sendAsEmail } as SendAsInput);
      if (!input.smtpMsa) {
        merged.username = existing.username;
        merged.password = existing.password;
        merged.record = { ...merged.record, smtpMsa: existing.record.smtpMsa };
      }
      this.mailbox(userEmail).set(sendAsEmail.toLowerCase(), merged);
      if (input.isDefault) this.makeDefault(userEmail, sendAsEmail);
      return merged.record;
    });
  }

  public deleteSendAs(userEmail: string, sendAsEmail: string): Promise<void> {
    return this.call('deleteSendAs', [userEmail, sendAsEmail], userEmail, () => {
      if (!this.mailbox(userEmail).delete(sendAsEmail.toLowerCase())) this.fail('notFound', `send-as ${sendAsEmail}`);
    });
  }

  public verifySendAs(userEmail: string, sendAsEmail: string): Promise<void> {
    return this.call('verifySendAs', [userEmail, sendAsEmail], userEmail, () => undefined);
  }

  public addUserAlias(userEmail: string, alias: string): Promise<void> {
    return this.call('addUserAlias', [userEmail, alias], undefined, () => undefined);
  }

  public deleteUserAlias(userEmail: string, alias: string): Promise<void> {
    return this.call('deleteUserAlias', [userEmail, alias], undefined, () => undefined);
  }

  public async listGroupGatewayPolicies(): Promise<[]> {
    return [];
  }

  public async getGroup(): Promise<undefined> {
    return undefined;
  }

  public async listGroupMembers(): Promise<string[]> {
    return [];
  }

  public stats(): AdminStats {
    return { calls: { ...this.counts }, retries: {} };
  }

  // --- internals ---------------------------------------------------------------------------------------

  private mailbox(userEmail: string): Map<string, StoredSendAs> {
    const key = userEmail.toLowerCase();
    let box = this.sendAs.get(key);
    if (!box) {
      box = new Map();
      this.sendAs.set(key, box);
    }
    return box;
  }

  private makeDefault(userEmail: string, sendAsEmail: string): void {
    for (const stored of this.mailbox(userEmail).values()) {
      stored.record = {
        ...stored.record,
        isDefault: stored.record.sendAsEmail.toLowerCase() === sendAsEmail.toLowerCase(),
      };
    }
  }

  private fail(kind: AdminErrorKind, message: string): never {
    throw new AdminApiError(kind, 'fake', message);
  }

  private async call<T>(method: string, args: unknown[], user: string | undefined, fn: () => T): Promise<T> {
    this.calls.push({ method, args });
    this.counts[method] = (this.counts[method] ?? 0) + 1;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const userKey = user?.toLowerCase();
    if (userKey) {
      const n = (this.inFlightPerUser.get(userKey) ?? 0) + 1;
      this.inFlightPerUser.set(userKey, n);
      this.maxInFlightPerUser = Math.max(this.maxInFlightPerUser, n);
    }
    try {
      await new Promise((resolve) => setImmediate(resolve));
      const fault = this.faults.find((f) => f.method === method && f.times > 0 && (f.when?.(args) ?? true));
      if (fault) {
        fault.times--;
        this.fail(fault.kind, `injected ${fault.kind}`);
      }
      return fn();
    } finally {
      this.inFlight--;
      if (userKey) this.inFlightPerUser.set(userKey, (this.inFlightPerUser.get(userKey) ?? 1) - 1);
    }
  }
}

function store(input: SendAsInput): StoredSendAs {
  const { smtpMsa, ...rest } = input;
  const record: SendAsRecord = {
    ...rest,
    verificationStatus: 'accepted',
    smtpMsa: smtpMsa && { host: smtpMsa.host, port: smtpMsa.port, securityMode: smtpMsa.securityMode },
  };
  return { record, username: smtpMsa?.username, password: smtpMsa?.password };
}

/** The call log never keeps a password. */
function redact(input: Partial<SendAsInput>): Partial<SendAsInput> {
  return input.smtpMsa ? { ...input, smtpMsa: { ...input.smtpMsa, password: '(redacted)' } } : input;
}
