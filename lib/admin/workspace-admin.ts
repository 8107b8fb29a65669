import type { LiveSendAs, LiveSmtpMsa } from '../model/send-as-fields';

/**
 * The narrow seam between the engine and Google: only the calls the engine needs. `GoogleWorkspaceAdmin`
 * implements it over Google's official Node clients; the same class talks to the emulator when given the
 * emulator's endpoints. Retry, rate limiting and bounded concurrency live behind this interface, configured
 * once.
 *
 * Records are plain data in the API's own vocabulary. Emails are returned as the API returns them; callers
 * compare them case-insensitively. Failures are thrown as `AdminApiError` (see `admin-error.ts`).
 */

/** Which system a client talks to, printed by every command so nobody mistakes the emulator for Google. */
export interface TargetInfo {
  readonly kind: 'google' | 'emulator';
  /** Human description, for example `Google Workspace (customer my_customer, admin admin@example.com)`. */
  readonly description: string;
}

/** Directory API organisational unit. The root OU is included in `listOrgUnits` with path `/`. */
export interface OrgUnitRecord {
  readonly orgUnitId: string;
  readonly orgUnitPath: string;
  readonly name: string;
  readonly parentOrgUnitPath?: string;
  readonly parentOrgUnitId?: string;
  readonly description?: string;
}

/** One explicit `settings/gmail.per_user_outbound_gateway` policy bound to an OU. */
export interface GatewayPolicyRecord {
  /** `policies/…` */
  readonly name: string;
  /** Directory OU id without the `id:` prefix (the Policy API's `orgUnits/<id>`). */
  readonly orgUnitId: string;
  readonly allowUsersToUseExternalSmtpServers: boolean;
  /** `ADMIN` or `SYSTEM`. */
  readonly type?: string;
  readonly sortOrder?: number;
}

/** Directory API user, only the fields the engine uses. */
export interface UserRecord {
  readonly primaryEmail: string;
  readonly orgUnitPath: string;
  readonly isAdmin?: boolean;
  /** The user's editable aliases (`users.aliases`), lower case. @default - none */
  readonly aliases?: readonly string[];
  /** Aliases Google derives from domain aliases (`nonEditableAliases`), lower case. @default - none */
  readonly nonEditableAliases?: readonly string[];
}

/**
 * One `settings/gmail.per_user_outbound_gateway` policy bound to a Google group: it applies to the group's members
 * (direct or nested) inside its OU, and outranks every OU policy (a higher sortOrder).
 */
export interface GroupGatewayPolicyRecord {
  /** `policies/…` */
  readonly name: string;
  /** The Directory group id (the Policy API's `groups/<id>`). */
  readonly groupId: string;
  /** The OU the policy is limited to (without `id:`); the root when it names none. */
  readonly orgUnitId?: string;
  readonly allowUsersToUseExternalSmtpServers: boolean;
  readonly sortOrder?: number;
}

/** A Directory group: its id and address. */
export interface GroupRecord {
  readonly id: string;
  readonly email: string;
  readonly name?: string;
}

/** SMTP settings as Gmail returns them: username and password are write-only and never come back. */
export type SmtpMsaRecord = LiveSmtpMsa;

/** Gmail `SendAs`, as returned by get/list (the shape the send-as field table reads). */
export type SendAsRecord = LiveSendAs;

/** What create/patch send. Holds resolved SMTP credentials: never log or persist this object. */
export interface SendAsInput {
  readonly sendAsEmail: string;
  readonly displayName?: string;
  readonly replyToAddress?: string;
  readonly signature?: string;
  readonly treatAsAlias?: boolean;
  /** Only `true` is meaningful to Gmail. */
  readonly isDefault?: boolean;
  readonly smtpMsa?: SmtpMsaRecord & { readonly username: string; readonly password: string };
}

/** Counters for benchmarks and the apply summary. */
export interface AdminStats {
  /** Calls sent, per method id (`gmail.users.settings.sendAs.create`, …), retries included. */
  readonly calls: Readonly<Record<string, number>>;
  /** Retries performed, per method id. */
  readonly retries: Readonly<Record<string, number>>;
}

/** Whether a client may write, deciding which OAuth scopes it asks for. */
export type AccessLevel = 'read' | 'write';

/** The `id:<orgUnitId>` form the Directory API accepts wherever it takes an OU path. */
export function orgUnitIdRef(orgUnitId: string): string {
  return `id:${orgUnitId}`;
}

export interface WorkspaceAdmin {
  readonly target: TargetInfo;
  readonly access: AccessLevel;

  /** Every OU of the customer, the root included (one `orgunits.list` with `type=allIncludingParent`). */
  listOrgUnits(): Promise<OrgUnitRecord[]>;
  createOrgUnit(input: { name: string; parentOrgUnitPath: string; description?: string }): Promise<OrgUnitRecord>;
  /** Renames, moves (new parent) or re-describes the OU at `orgUnitPath` (a path, or `orgUnitIdRef(id)`). */
  updateOrgUnit(
    orgUnitPath: string,
    patch: { name?: string; parentOrgUnitPath?: string; description?: string },
  ): Promise<OrgUnitRecord>;
  /** Deletes the OU at `orgUnitPath` (a path, or `orgUnitIdRef(id)`). */
  deleteOrgUnit(orgUnitPath: string): Promise<void>;

  /** Every explicit gateway policy of the customer (filtered list, all pages). */
  listGatewayPolicies(): Promise<GatewayPolicyRecord[]>;
  /** Creates or patches the explicit policy of one OU. Throws `policyWriteRefused` where Google refuses. */
  setGatewayPolicy(orgUnitId: string, allow: boolean, existingPolicyName?: string): Promise<GatewayPolicyRecord>;
  /** Removes an explicit policy, so the OU inherits again. */
  deleteGatewayPolicy(policyName: string): Promise<void>;

  /** One user, or undefined when the user does not exist. */
  getUser(email: string): Promise<UserRecord | undefined>;
  /** Users in the subtree of `orgUnitPath` (all pages). */
  listUsers(orgUnitPath: string): Promise<UserRecord[]>;
  moveUser(email: string, orgUnitPath: string): Promise<UserRecord>;
  /** Adds an alias address to a user (`users.aliases.insert`). */
  addUserAlias(userEmail: string, alias: string): Promise<void>;
  /** Removes an alias address from a user (`users.aliases.delete`). */
  deleteUserAlias(userEmail: string, alias: string): Promise<void>;

  /** Every gateway policy of the customer bound to a group (filtered list, all pages). */
  listGroupGatewayPolicies(): Promise<GroupGatewayPolicyRecord[]>;
  /** One group by id or address, or undefined when it does not exist. */
  getGroup(groupKey: string): Promise<GroupRecord | undefined>;
  /** The addresses of a group's members, nested groups' members included, lower case (all pages). */
  listGroupMembers(groupKey: string): Promise<string[]>;

  /** Every send-as address of a user, the primary included. */
  listSendAs(userEmail: string): Promise<SendAsRecord[]>;
  /**
   * The send-as lists of many users, settled in the order given (a failed read rejects with the same
   * `AdminApiError` as `listSendAs`). The Google client sends them through Gmail's batch endpoint; each user
   * still costs a token exchange and its quota. @default - absent: callers use `listSendAs` per user
   */
  listSendAsMany?(userEmails: readonly string[]): Promise<PromiseSettledResult<SendAsRecord[]>[]>;
  /** One send-as address, or undefined when it does not exist. */
  getSendAs(userEmail: string, sendAsEmail: string): Promise<SendAsRecord | undefined>;
  createSendAs(userEmail: string, input: SendAsInput): Promise<SendAsRecord>;
  /** PATCH semantics: only the fields present are changed. */
  patchSendAs(userEmail: string, sendAsEmail: string, input: Partial<SendAsInput>): Promise<SendAsRecord>;
  deleteSendAs(userEmail: string, sendAsEmail: string): Promise<void>;
  /** Sends the verification mail of a pending send-as address again (`sendAs.verify`). */
  verifySendAs(userEmail: string, sendAsEmail: string): Promise<void>;

  stats(): AdminStats;
}
