import { normaliseEmail } from '../../model/email';
import type { SendAsSpec } from '../../model/manifest';
import { orgUnitKey } from '../../model/org-unit-path';
import { sendAsSubject } from '../../model/rules/finding-rule';
import { plannedOrgUnitOf } from '../diff-send-as';
import { stripIdPrefix, type DiffContext } from '../private/diff-context';

/** A declared identity with an SMTP endpoint, and the OU its user sits in once the plan is done. */
export interface PlacedSmtpIdentity {
  /** `sendAs:user/address`, as findings name it. */
  readonly subject: string;
  readonly spec: SendAsSpec;
  readonly orgUnitPath: string;
}

/**
 * The per-user outbound gateway setting around one plan, as the diff sees it: the explicit per-OU values before
 * and after the plan, and where the SMTP identities that rely on them sit. Shared by the plan-time gateway check
 * and the gateway picture, so both say the same thing.
 */
export interface GatewayState {
  /** Explicit values before the plan, by live OU path (as the tenant spells it). */
  readonly before: ReadonlyMap<string, boolean>;
  /** Explicit values after the plan, by OU path after this plan's moves, with its policy changes applied. */
  readonly after: ReadonlyMap<string, boolean>;
  /** Declared SMTP identities whose user exists, in manifest order, once each. */
  readonly identities: readonly PlacedSmtpIdentity[];
  /** Declared SMTP identities whose user could not be read or does not exist: their OU is unknown. */
  readonly unplaced: number;
}

/** Explicit values keyed case-insensitively, keeping the first spelling seen for each OU. */
class ExplicitValues {
  private readonly byKey = new Map<string, [string, boolean]>();

  public set(path: string, value: boolean): void {
    const key = orgUnitKey(path);
    this.byKey.set(key, [this.byKey.get(key)?.[0] ?? path, value]);
  }

  public delete(path: string): void {
    this.byKey.delete(orgUnitKey(path));
  }

  public toMap(): Map<string, boolean> {
    return new Map([...this.byKey.values()]);
  }
}

/**
 * The gateway state of the plan being built, or undefined when the OU list or the policies could not be read
 * (nothing can be said about the setting then). Call after every policy change has been added.
 */
export function gatewayState(ctx: DiffContext): GatewayState | undefined {
  const paths = ctx.orgUnitPathById;
  if (!ctx.policyByOrgUnitId || !paths) return undefined;
  const before = new ExplicitValues();
  const after = new ExplicitValues();
  for (const [ouId, policy] of ctx.policyByOrgUnitId) {
    const path = paths.get(stripIdPrefix(ouId));
    if (path === undefined) continue;
    before.set(path, policy.allowUsersToUseExternalSmtpServers);
    after.set(ctx.projectPath(path), policy.allowUsersToUseExternalSmtpServers);
  }
  for (const change of ctx.changes.values()) {
    if (change.kind !== 'gatewayPolicy' || change.action === 'forget') continue;
    const value = change.action === 'delete' ? 'inherit' : change.write.allow;
    if (value === 'inherit') after.delete(change.target.orgUnitPath);
    else after.set(change.target.orgUnitPath, value);
  }
  const placements = new Map<string, string>();
  for (const user of ctx.input.manifest.users) {
    if (typeof user?.email !== 'string' || typeof user.orgUnitPath !== 'string') continue;
    const email = normaliseEmail(user.email);
    if (!placements.has(email)) placements.set(email, user.orgUnitPath);
  }
  const identities: PlacedSmtpIdentity[] = [];
  const seen = new Set<string>();
  let unplaced = 0;
  for (const spec of ctx.input.manifest.sendAs) {
    if (!spec?.smtp || typeof spec.userEmail !== 'string' || typeof spec.sendAsEmail !== 'string') continue;
    const user = normaliseEmail(spec.userEmail);
    const subject = sendAsSubject(user, spec.sendAsEmail);
    if (seen.has(subject)) continue;
    seen.add(subject);
    const record = ctx.input.observed.users?.[user];
    // An unknown or missing user is reported elsewhere; its OU is unknown here.
    const path =
      record?.status === 'ok' && record.value ? plannedOrgUnitOf(ctx, user, placements.get(user)) : undefined;
    if (path === undefined) unplaced++;
    else identities.push({ subject, spec, orgUnitPath: path });
  }
  return { before: before.toMap(), after: after.toMap(), identities, unplaced };
}
