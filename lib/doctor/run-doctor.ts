/**
 * `mailpolicy doctor`: every check a first apply depends on, run against one target, read-only. Checks that
 * depend on one another run in order (no key, no tokens; no token, no call); independent ones run at the same
 * time, the per-user and per-endpoint ones a bounded number at a time.
 */
import type { GmailReadScope } from '../admin/scopes';
import { GMAIL_READ_SCOPES } from '../admin/scopes';
import type { AdminEndpoint } from '../admin/workspace-admin-options';
import type { TargetInfo } from '../admin/workspace-admin';
import type { Manifest } from '../model/manifest';
import { checkGatewayWrites, checkState, type StateReader } from './apply-checks';
import { checkKey, type KeySource } from './credential-checks';
import { checkTokens, grantScopeList, scopeNeeds, type KeyAccess, type TokenCheckResult } from './delegation-checks';
import { buildReport, type DoctorCheck, type DoctorReport, type GroupNotes } from './doctor-report';
import { DelegatedCalls } from './private/google-calls';
import { SMTP_VANTAGE_NOTE, checkSmtpEndpoints, declaredEndpoints } from './smtp-checks';
import {
  checkAdmin,
  checkCustomerIds,
  checkDirectoryApi,
  checkDomains,
  checkGmailApi,
  checkPolicyApi,
  skipped,
  type TenantContext,
} from './tenant-checks';
import { checkUsers, referencedUsers } from './user-checks';

export interface DoctorInput {
  /** The stacks to check, by name. */
  readonly stacks: ReadonlyArray<{ readonly name: string; readonly manifest: Manifest }>;
  readonly target: TargetInfo;
  /** `embedded`: the in-process emulator a command starts when no target is configured. */
  readonly targetKind: 'google' | 'emulator' | 'embedded';
  readonly key: KeySource;
  /** The admin to impersonate; undefined when none is configured. */
  readonly admin?: string;
  /** The customer id commands use (`--customer`). @default 'my_customer' */
  readonly customerId?: string;
  /** An emulator's API root and token URL. @default - Google's */
  readonly endpoint?: AdminEndpoint;
  /** @default 'basic' */
  readonly gmailReadScope?: GmailReadScope;
  /** Which commands the key serves: its scopes are checked. @default 'all' */
  readonly access?: KeyAccess;
  /** `--gateway-writes`. @default - the state decides */
  readonly gatewayWrites?: 'api' | 'manual';
  readonly readState: StateReader;
  readonly smtp: {
    readonly extraCa: readonly string[];
    readonly extraCaSource?: string;
    readonly checkCredentials: boolean;
    /** Folder `file:` secret references resolve from. */
    readonly secretBaseDir: string;
  };
  readonly env: NodeJS.ProcessEnv;
  /** Time budget of one network step (token exchange, API call, SMTP step). @default 10000 */
  readonly timeoutMs?: number;
  /** Users of the code the Gmail scopes are tried for. @default 3 */
  readonly sampleUsers?: number;
  /** Checks of users, tokens and endpoints in flight at once. @default 8 */
  readonly concurrency?: number;
}

const ACCESS_NOTE: Readonly<Record<KeyAccess, string>> = {
  all: 'The scopes of plan and of apply, for one key used by both (--access read or write checks a key used by one).',
  read: 'The scopes of plan, drift and import (--access read: a read-only key).',
  write: 'The scopes of apply (--access write: a key for apply only).',
};

function targetCheck(input: DoctorInput): DoctorCheck {
  const base = { id: 'target', group: 'target' as const, title: 'target' };
  if (input.targetKind === 'embedded') {
    return {
      ...base,
      status: 'warn',
      detail: `${input.target.description}: no Google credentials are configured, so this is not your tenant`,
      fix: 'to check Google: --credentials FILE (or GOOGLE_APPLICATION_CREDENTIALS) and --admin EMAIL (or MAILPOLICY_ADMIN)',
    };
  }
  return { ...base, status: 'ok', detail: input.target.description };
}

function skippedGroup(group: 'delegation' | 'tenant' | 'users', why: string): DoctorCheck {
  return skipped(
    `${group}.all`,
    group,
    group === 'users' ? 'users of the code' : group === 'tenant' ? 'tenant' : 'tokens',
    why,
  );
}

export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const timeoutMs = input.timeoutMs ?? 10_000;
  const limit = Math.max(1, input.concurrency ?? 8);
  const manifests = input.stacks.map((s) => s.manifest);
  const targetKind = input.targetKind === 'google' ? 'google' : 'emulator';
  const access = input.access ?? 'all';
  const notes: GroupNotes = {
    delegation: [
      `${ACCESS_NOTE[access]} Each token asks for one scope, so a refusal names its scope. Google can take some minutes to apply a changed grant.`,
    ],
    ...(declaredEndpoints(manifests).length > 0 ? { smtp: [SMTP_VANTAGE_NOTE] } : {}),
  };
  // SMTP needs nothing from Google: it runs while the Google checks do.
  const smtp = checkSmtpEndpoints(manifests, {
    ...input.smtp,
    timeoutMs,
    env: input.env,
    targetKind,
    limit: Math.min(limit, 4),
  });
  const applyChecks = (async (): Promise<DoctorCheck[]> => {
    const states = await Promise.all(input.stacks.map((s) => checkState(s.name, input.readState)));
    const refused = states.some((s) => s.facts?.policyWritesRefused === true);
    return [...states.map((s) => s.check), checkGatewayWrites(manifests, input.gatewayWrites, refused)];
  })();

  const checks: DoctorCheck[] = [targetCheck(input)];
  const keyResult = checkKey(input.key, input.env);
  checks.push(...keyResult.checks);
  const needs = scopeNeeds(input.gmailReadScope ?? 'basic', access);
  const grant = { clientId: keyResult.key?.client_id, scopes: grantScopeList(needs) };
  let delegation: DoctorReport['delegation'] = { ...grant, missing: [] };

  if (!keyResult.key) {
    const why = 'no usable service-account key (see above)';
    checks.push(skippedGroup('delegation', why), skippedGroup('tenant', why), skippedGroup('users', why));
  } else if (input.admin === undefined || input.admin.trim() === '') {
    checks.push({
      id: 'delegation.admin',
      group: 'delegation',
      status: 'fail',
      title: 'admin to impersonate',
      detail: 'none configured: Directory and Policy calls impersonate a super admin',
      fix: 'pass --admin EMAIL or set MAILPOLICY_ADMIN to a super admin of the tenant',
    });
    const why = 'no admin to impersonate';
    checks.push(skippedGroup('tenant', why), skippedGroup('users', why));
  } else {
    const admin = input.admin.trim();
    const calls = new DelegatedCalls(keyResult.key, input.endpoint, timeoutMs);
    const adminTokens = await checkTokens(
      calls,
      needs.filter((n) => n.subject === 'admin'),
      { admin, users: [] },
      grant,
      limit,
    );
    const ctx: TenantContext = {
      calls,
      admin,
      granted: adminTokens.granted,
      projectId: keyResult.key.project_id,
    };
    const customerId = input.customerId ?? 'my_customer';
    const domains = [...new Set(manifests.flatMap((m) => m.domains))];
    const [adminCheck, directory, policy, domainChecks, users] = await Promise.all([
      checkAdmin(ctx),
      checkDirectoryApi(ctx, customerId),
      checkPolicyApi(ctx),
      checkDomains(ctx, customerId, domains),
      checkUsers(ctx, referencedUsers(manifests), limit),
    ]);
    const sample = users.usable.slice(0, Math.max(1, input.sampleUsers ?? 3));
    const userTokens: TokenCheckResult = await checkTokens(
      calls,
      needs.filter((n) => n.subject === 'user'),
      { admin, users: sample },
      grant,
      limit,
    );
    const readScope = GMAIL_READ_SCOPES[input.gmailReadScope ?? 'basic'];
    const gmailSubject = sample[0] ?? admin;
    const gmail = await checkGmailApi({ ...ctx, granted: userTokens.granted }, gmailSubject, readScope);
    const customers = [customerId, ...manifests.map((m) => m.customerId)];
    checks.push(
      ...adminTokens.checks,
      ...userTokens.checks,
      adminCheck.check,
      directory,
      policy,
      gmail,
      ...checkCustomerIds(adminCheck.facts, customers),
      ...domainChecks,
      ...users.checks,
    );
    delegation = { ...grant, missing: [...new Set([...adminTokens.missing, ...userTokens.missing])].sort() };
  }
  checks.push(...(await applyChecks), ...(await smtp));
  return buildReport({
    stacks: input.stacks.map((s) => s.name),
    target: { kind: input.target.kind, description: input.target.description },
    checks,
    notes,
    delegation,
  });
}
