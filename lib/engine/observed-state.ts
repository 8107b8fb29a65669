import type {
  GatewayPolicyRecord,
  GroupGatewayPolicyRecord,
  OrgUnitRecord,
  SendAsRecord,
  UserRecord,
} from '../admin/workspace-admin';

/**
 * What `observe` read from the live tenant, in the manifest's scope. A read that failed after the client's
 * retries is `indeterminate`: the diff shows it and never plans a change from it ("unknown is not drift").
 */
export type Observed<T> =
  | { readonly status: 'ok'; readonly value: T }
  | {
      readonly status: 'indeterminate';
      readonly error: string;
      /** Set when the read failed for lack of a scope, grant or role: the plan shows it prominently. */
      readonly permission?: boolean;
    };

/** Why an observation holds no value: the error of its read, or `not read` when nothing was read. */
export function unreadReason(observed: Observed<unknown> | undefined): string {
  return observed?.status === 'indeterminate' ? observed.error : 'not read';
}

/** A group a gateway policy names. */
export interface ObservedGroup {
  readonly email: string;
  /** Member addresses, lower case, nested groups' members included. */
  readonly members: readonly string[];
}

export interface ObservedState {
  /** Every OU of the customer, the root included. */
  readonly orgUnits: Observed<OrgUnitRecord[]>;
  /** Every explicit `gmail.per_user_outbound_gateway` policy of the customer. */
  readonly gatewayPolicies: Observed<GatewayPolicyRecord[]>;
  /**
   * Every gateway policy bound to a Google group: it outranks the OU policies for the group's members.
   * @default - none (an observed state without group reads)
   */
  readonly groupPolicies?: Observed<GroupGatewayPolicyRecord[]>;
  /** The groups those policies name, by group id: their address and members (nested ones included). */
  readonly groups?: Readonly<Record<string, Observed<ObservedGroup>>>;
  /** Each referenced user, keyed by lower-cased email; `null` when the user does not exist. */
  readonly users: Readonly<Record<string, Observed<UserRecord | null>>>;
  /** Send-as lists, keyed by lower-cased user email: referenced users and users inside exclusive scopes. */
  readonly sendAs: Readonly<Record<string, Observed<SendAsRecord[]>>>;
  /** Members of each exclusive OU scope, keyed by `orgUnit:<path>` (lower-cased path). */
  readonly scopeMembers: Readonly<Record<string, Observed<UserRecord[]>>>;
  /**
   * Whether the target accepts writes to the gateway setting through the Policy API (`api`), or a person
   * must change it in the Admin console (`manual`). Comes from configuration or from an earlier refusal
   * recorded in the stack's state.
   */
  readonly policyWrites: 'api' | 'manual';
}
