/**
 * `GoogleWorkspaceAdmin`: the `WorkspaceAdmin` seam over Google's official Node clients (`@googleapis/admin`,
 * `@googleapis/gmail`, `@googleapis/cloudidentity`) with domain-wide delegation. The same class talks to the
 * emulator: only the services' `rootUrl` and the token URL differ.
 */
import { admin, type admin_directory_v1 } from '@googleapis/admin';
import { cloudidentity, type cloudidentity_v1, type cloudidentity_v1beta1 } from '@googleapis/cloudidentity';
import { gmail, type gmail_v1 } from '@googleapis/gmail';
import type { JWT } from 'google-auth-library';
import { AdminApiError } from './admin-error';
import { AuthClientCache, createTransporter } from './private/auth-clients';
import { CallRunner } from './private/call-runner';
import { listSendAsBatched, type SendAsBatchDeps } from './private/gmail-batch';
import * as extras from './private/directory-extras';
import type { ExtrasContext } from './private/directory-extras';
import {
  encodeOrgUnitPathParam,
  gatewayPolicyBody,
  gatewayPolicyFilter,
  orgUnitUserQuery,
  sendAsBody,
  toGatewayPolicy,
  toOrgUnit,
  toSendAs,
  toUser,
} from './private/records';
import { checkServiceAccountKey, loadServiceAccountKey, type ServiceAccountKey } from './service-account-key';
import type {
  AccessLevel,
  AdminStats,
  GatewayPolicyRecord,
  GroupGatewayPolicyRecord,
  GroupRecord,
  OrgUnitRecord,
  SendAsInput,
  SendAsRecord,
  TargetInfo,
  UserRecord,
  WorkspaceAdmin,
} from './workspace-admin';
import type { WorkspaceAdminOptions } from './workspace-admin-options';

const BRAND = Symbol.for('workspace-mail-policy.GoogleWorkspaceAdmin');
/** Upper bound of pages followed in one list, against a server that never stops handing out tokens. */
const MAX_PAGES = 10_000;

type Operation = cloudidentity_v1beta1.Schema$Operation;

/** Creates the client. Reads the key file when `credentials` is a path. */
export function createWorkspaceAdmin(options: WorkspaceAdminOptions): WorkspaceAdmin {
  return new GoogleWorkspaceAdmin(options);
}

export class GoogleWorkspaceAdmin implements WorkspaceAdmin {
  public static isGoogleWorkspaceAdmin(x: unknown): x is GoogleWorkspaceAdmin {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[BRAND] === true;
  }

  public readonly target: TargetInfo;
  public readonly access: AccessLevel;
  private readonly customerId: string;
  private readonly adminEmail: string;
  private readonly rootUrl: string;
  private readonly runner: CallRunner;
  private readonly directory: admin_directory_v1.Admin;
  private readonly mail: gmail_v1.Gmail;
  private readonly policiesRead: cloudidentity_v1.Cloudidentity;
  private readonly policiesWrite: cloudidentity_v1beta1.Cloudidentity;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly deadlineMs: number;
  private readonly batch: SendAsBatchDeps;

  public constructor(options: WorkspaceAdminOptions) {
    const key: ServiceAccountKey =
      typeof options.credentials === 'string'
        ? loadServiceAccountKey(options.credentials)
        : checkServiceAccountKey(options.credentials);
    this.access = options.access;
    this.customerId = options.customerId ?? 'my_customer';
    this.adminEmail = options.adminEmail;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
    this.deadlineMs = options.retry?.deadlineMs ?? 120_000;
    const endpoint = options.endpoint;
    this.target = options.target ?? {
      kind: endpoint ? 'emulator' : 'google',
      description: endpoint
        ? `Workspace emulator at ${endpoint.rootUrl} (customer ${this.customerId}, admin ${this.adminEmail})`
        : `Google Workspace (customer ${this.customerId}, admin ${this.adminEmail})`,
    };
    const transporter = createTransporter(endpoint?.tokenUrl, options.attemptTimeoutMs ?? 60_000);
    this.runner = new CallRunner({
      access: this.access,
      gmailReadScope: options.gmailReadScope,
      auth: new AuthClientCache(key, transporter),
      clientId: key.client_id,
      concurrency: options.concurrency ?? 50,
      rateLimit: options.rateLimit ?? {},
      retry: options.retry ?? {},
      env: { now: this.now, sleep: this.sleep, random: options.random ?? Math.random },
    });
    // Service-level rootUrl replaces scheme, host and port; retry is ours, never gaxios'.
    const common = { rootUrl: endpoint?.rootUrl, retry: false, timeout: options.attemptTimeoutMs ?? 60_000 };
    this.rootUrl = endpoint?.rootUrl ?? 'https://cloudidentity.googleapis.com/';
    this.directory = admin({ version: 'directory_v1', ...common });
    this.mail = gmail({ version: 'v1', ...common });
    this.policiesRead = cloudidentity({ version: 'v1', ...common });
    this.policiesWrite = cloudidentity({ version: 'v1beta1', ...common });
    this.batch = {
      runner: this.runner,
      transporter,
      batchUrl: new URL('batch/gmail/v1', endpoint?.rootUrl ?? 'https://gmail.googleapis.com/').href,
      single: (user) => this.listSendAs(user),
      partsPerBatch: options.gmailBatchParts,
    };
    Object.defineProperty(this, BRAND, { value: true });
  }

  public stats(): AdminStats {
    return this.runner.stats();
  }

  /** What the delegated group, alias and verification calls need. */
  private get extras(): ExtrasContext {
    return {
      runner: this.runner,
      directory: this.directory,
      mail: this.mail,
      policiesRead: this.policiesRead,
      customerId: this.customerId,
      adminEmail: this.adminEmail,
    };
  }

  public listGroupGatewayPolicies(): Promise<GroupGatewayPolicyRecord[]> {
    return extras.listGroupGatewayPolicies(this.extras);
  }

  public getGroup(groupKey: string): Promise<GroupRecord | undefined> {
    return extras.getGroup(this.extras, groupKey);
  }

  public listGroupMembers(groupKey: string): Promise<string[]> {
    return extras.listGroupMembers(this.extras, groupKey);
  }

  public addUserAlias(userEmail: string, alias: string): Promise<void> {
    return extras.addUserAlias(this.extras, userEmail, alias);
  }

  public deleteUserAlias(userEmail: string, alias: string): Promise<void> {
    return extras.deleteUserAlias(this.extras, userEmail, alias);
  }

  public verifySendAs(userEmail: string, sendAsEmail: string): Promise<void> {
    return extras.verifySendAs(this.extras, userEmail, sendAsEmail);
  }

  public async listOrgUnits(): Promise<OrgUnitRecord[]> {
    const res = await this.runner.run('directory.orgunits.list', this.adminEmail, (auth) =>
      this.directory.orgunits.list({ auth, customerId: this.customerId, type: 'allIncludingParent' }),
    );
    return (res.data.organizationUnits ?? []).map(toOrgUnit);
  }

  public async createOrgUnit(input: {
    name: string;
    parentOrgUnitPath: string;
    description?: string;
  }): Promise<OrgUnitRecord> {
    const res = await this.runner.run('directory.orgunits.insert', this.adminEmail, (auth) =>
      this.directory.orgunits.insert({
        auth,
        customerId: this.customerId,
        requestBody: { name: input.name, parentOrgUnitPath: input.parentOrgUnitPath, description: input.description },
      }),
    );
    return toOrgUnit(res.data);
  }

  public async updateOrgUnit(
    orgUnitPath: string,
    patch: { name?: string; parentOrgUnitPath?: string; description?: string },
  ): Promise<OrgUnitRecord> {
    const requestBody: admin_directory_v1.Schema$OrgUnit = {};
    if (patch.name !== undefined) requestBody.name = patch.name;
    if (patch.parentOrgUnitPath !== undefined) requestBody.parentOrgUnitPath = patch.parentOrgUnitPath;
    if (patch.description !== undefined) requestBody.description = patch.description;
    const res = await this.runner.run('directory.orgunits.patch', this.adminEmail, (auth) =>
      this.directory.orgunits.patch({
        auth,
        customerId: this.customerId,
        orgUnitPath: encodeOrgUnitPathParam(orgUnitPath),
        requestBody,
      }),
    );
    return toOrgUnit(res.data);
  }

  public async deleteOrgUnit(orgUnitPath: string): Promise<void> {
    await this.runner.run('directory.orgunits.delete', this.adminEmail, (auth) =>
      this.directory.orgunits.delete({
        auth,
        customerId: this.customerId,
        orgUnitPath: encodeOrgUnitPathParam(orgUnitPath),
      }),
    );
  }

  public async listGatewayPolicies(): Promise<GatewayPolicyRecord[]> {
    const out: GatewayPolicyRecord[] = [];
    const filter = gatewayPolicyFilter(this.customerId);
    let pageToken: string | undefined;
    const seen = new Set<string>();
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await this.runner.run('cloudidentity.policies.list', this.adminEmail, (auth) =>
        this.policiesRead.policies.list({ auth, filter, pageSize: 100, pageToken }),
      );
      for (const policy of res.data.policies ?? []) {
        const record = toGatewayPolicy(policy);
        if (record) out.push(record);
      }
      // Pages may be blank and still carry a token: follow tokens, not contents; stop on a repeated token.
      pageToken = res.data.nextPageToken ?? undefined;
      if (!pageToken || seen.has(pageToken)) break;
      seen.add(pageToken);
    }
    return out;
  }

  public async setGatewayPolicy(
    orgUnitId: string,
    allow: boolean,
    existingPolicyName?: string,
  ): Promise<GatewayPolicyRecord> {
    const requestBody = gatewayPolicyBody(this.customerId, orgUnitId, allow);
    const res = existingPolicyName
      ? await this.runner.run('cloudidentity.policies.patch', this.adminEmail, (auth) =>
          this.policiesWrite.policies.patch({ auth, name: existingPolicyName, requestBody }),
        )
      : await this.runner.run('cloudidentity.policies.create', this.adminEmail, (auth) =>
          this.policiesWrite.policies.create({ auth, requestBody }),
        );
    const method = existingPolicyName ? 'cloudidentity.policies.patch' : 'cloudidentity.policies.create';
    const op = await this.waitForOperation(res.data, method);
    const record = toGatewayPolicy({ ...requestBody, ...((op.response ?? {}) as cloudidentity_v1.Schema$Policy) });
    return (
      record ?? {
        name: existingPolicyName ?? '',
        orgUnitId: orgUnitId.replace(/^id:/, ''),
        allowUsersToUseExternalSmtpServers: allow,
      }
    );
  }

  public async deleteGatewayPolicy(policyName: string): Promise<void> {
    const res = await this.runner.run('cloudidentity.policies.delete', this.adminEmail, (auth) =>
      this.policiesWrite.policies.delete({ auth, name: policyName }),
    );
    await this.waitForOperation(res.data, 'cloudidentity.policies.delete');
  }

  public async getUser(email: string): Promise<UserRecord | undefined> {
    try {
      const res = await this.runner.run('directory.users.get', this.adminEmail, (auth) =>
        this.directory.users.get({ auth, userKey: email }),
      );
      return toUser(res.data);
    } catch (error) {
      if (AdminApiError.isAdminApiError(error) && error.kind === 'notFound') return undefined;
      throw error;
    }
  }

  public async listUsers(orgUnitPath: string): Promise<UserRecord[]> {
    const out: UserRecord[] = [];
    const query = orgUnitUserQuery(orgUnitPath);
    let pageToken: string | undefined;
    const seen = new Set<string>();
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await this.runner.run('directory.users.list', this.adminEmail, (auth) =>
        this.directory.users.list({ auth, customer: this.customerId, query, maxResults: 500, pageToken }),
      );
      for (const user of res.data.users ?? []) out.push(toUser(user));
      pageToken = res.data.nextPageToken ?? undefined;
      if (!pageToken || seen.has(pageToken)) break;
      seen.add(pageToken);
    }
    return out;
  }

  public async moveUser(email: string, orgUnitPath: string): Promise<UserRecord> {
    const res = await this.runner.run('directory.users.patch', this.adminEmail, (auth) =>
      this.directory.users.patch({ auth, userKey: email, requestBody: { orgUnitPath } }),
    );
    return toUser(res.data);
  }

  public async listSendAs(userEmail: string): Promise<SendAsRecord[]> {
    const res = await this.runner.run('gmail.users.settings.sendAs.list', userEmail, (auth) =>
      this.mail.users.settings.sendAs.list({ auth, userId: userEmail }),
    );
    return (res.data.sendAs ?? []).map(toSendAs);
  }

  public async listSendAsMany(userEmails: readonly string[]): Promise<PromiseSettledResult<SendAsRecord[]>[]> {
    if ((this.batch.partsPerBatch ?? 2) < 2 || userEmails.length < 2) {
      // Each read takes one of the runner's concurrency slots, so this stays bounded.
      return Promise.allSettled(userEmails.map((user) => this.listSendAs(user)));
    }
    return listSendAsBatched(this.batch, userEmails);
  }

  public async getSendAs(userEmail: string, sendAsEmail: string): Promise<SendAsRecord | undefined> {
    try {
      const res = await this.runner.run('gmail.users.settings.sendAs.get', userEmail, (auth) =>
        this.mail.users.settings.sendAs.get({ auth, userId: userEmail, sendAsEmail }),
      );
      return toSendAs(res.data);
    } catch (error) {
      if (AdminApiError.isAdminApiError(error) && error.kind === 'notFound') return undefined;
      throw error;
    }
  }

  public async createSendAs(userEmail: string, input: SendAsInput): Promise<SendAsRecord> {
    const res = await this.runner.run('gmail.users.settings.sendAs.create', userEmail, (auth) =>
      this.mail.users.settings.sendAs.create({ auth, userId: userEmail, requestBody: sendAsBody(input) }),
    );
    return toSendAs(res.data);
  }

  public async patchSendAs(userEmail: string, sendAsEmail: string, input: Partial<SendAsInput>): Promise<SendAsRecord> {
    // sendAsEmail is read-only except on create: it names the resource, it is not sent.
    const changes: Partial<SendAsInput> = { ...input, sendAsEmail: undefined };
    const res = await this.runner.run('gmail.users.settings.sendAs.patch', userEmail, (auth) =>
      this.mail.users.settings.sendAs.patch({ auth, userId: userEmail, sendAsEmail, requestBody: sendAsBody(changes) }),
    );
    return toSendAs(res.data);
  }

  public async deleteSendAs(userEmail: string, sendAsEmail: string): Promise<void> {
    await this.runner.run('gmail.users.settings.sendAs.delete', userEmail, (auth) =>
      this.mail.users.settings.sendAs.delete({ auth, userId: userEmail, sendAsEmail }),
    );
  }

  /** Returns the finished operation; polls `operations` only when Google answered `done: false`. */
  private async waitForOperation(first: Operation, method: string): Promise<Operation> {
    let op = first;
    const start = this.now();
    for (let attempt = 0; !op.done && op.name; attempt++) {
      if (this.now() - start > this.deadlineMs) {
        throw new AdminApiError(
          'retriesExhausted',
          method,
          `operation ${op.name} was not done after ${Math.round(this.deadlineMs / 1000)} s`,
        );
      }
      await this.sleep(Math.min(500 * 2 ** attempt, 8_000));
      const name = op.name;
      const res = await this.runner.run('cloudidentity.operations.get', this.adminEmail, (auth: JWT) =>
        auth.request<Operation>({ url: new URL(`v1beta1/${name}`, this.rootUrl).href, retry: false }),
      );
      op = res.data;
    }
    if (op.error) {
      const message = `${op.error.message ?? 'operation failed'} (code ${op.error.code ?? '?'})`;
      const refused = /mutat|not supported|unsupported|read[- ]?only/i.test(message);
      const kind = refused ? 'policyWriteRefused' : op.error.code === 9 ? 'failedPrecondition' : 'invalid';
      throw new AdminApiError(kind, method, `the operation failed: ${message}`);
    }
    return op;
  }
}
