import { isFingerprint, parseSecretRef } from '../secret-ref';
import type { ValidationIssue } from '../findings';
import type { Manifest, SecretRef } from '../manifest';
import { orgUnitKey } from '../org-unit-path';

import { declaredAt, issueAt, laterDuplicates, type ValidationRule } from './issue';
import { declaredOrgUnitKeys } from './org-unit-rules';

/** Why a secret reference is unusable, or undefined when it is fine. */
export function secretRefProblem(secret: SecretRef): { message: string; allowed: string } | undefined {
  if (!parseSecretRef(secret.ref)) {
    return {
      message: 'malformed secret reference',
      allowed: 'env:NAME (Secret.fromEnv) or file:PATH (Secret.fromFile); never the secret value itself',
    };
  }
  if (secret.fingerprint !== undefined && !isFingerprint(secret.fingerprint)) {
    return {
      message: 'malformed secret fingerprint',
      allowed: 'hmac-sha256:<8 hex key id>:<64 hex>, or no fingerprint',
    };
  }
  return undefined;
}

/** Gateway policies, user placements and ownership scopes refer to OUs declared in the manifest. */
export const undeclaredOrgUnitRule: ValidationRule = {
  code: 'MPV-OU-UNDECLARED',
  description: 'Every OU path referred to is declared in the stack (new OrgUnit or OrgUnit.fromPath).',
  check(manifest: Manifest): ValidationIssue[] {
    const declared = declaredOrgUnitKeys(manifest);
    const out: ValidationIssue[] = [];
    const check = (jsonPath: string, entry: { constructPath?: string }, field: string, path: string) => {
      if (declared.has(orgUnitKey(path))) return;
      out.push(
        issueAt(
          'MPV-OU-UNDECLARED',
          { jsonPath, entry },
          field,
          path,
          `'/' or an OU declared in this stack (new OrgUnit, or OrgUnit.fromPath(scope, id, ${JSON.stringify(path)}) for an existing one)`,
          'refers to an OU that is not declared in this stack',
        ),
      );
    };
    manifest.gatewayPolicies.forEach((p, i) => check(`$.gatewayPolicies[${i}]`, p, 'orgUnitPath', p.orgUnitPath));
    manifest.users.forEach((u, i) => {
      if (u.orgUnitPath !== undefined) check(`$.users[${i}]`, u, 'orgUnitPath', u.orgUnitPath);
    });
    manifest.ownership.forEach((o, i) => {
      if (o.kind !== 'user') check(`$.ownership[${i}]`, o, 'orgUnitPath', o.orgUnitPath);
    });
    return out;
  },
};

/** One gateway policy per OU. */
export const duplicateGatewayPolicyRule: ValidationRule = {
  code: 'MPV-GATEWAY-DUPLICATE',
  description: 'At most one OutboundGatewayPolicy per OU.',
  check(manifest: Manifest): ValidationIssue[] {
    const out: ValidationIssue[] = [];
    const duplicates = laterDuplicates(manifest.gatewayPolicies, (policy) => orgUnitKey(policy.orgUnitPath));
    for (const { item: p, index: i, first } of duplicates) {
      out.push(
        issueAt(
          'MPV-GATEWAY-DUPLICATE',
          { jsonPath: `$.gatewayPolicies[${i}]`, entry: p },
          'orgUnitPath',
          p.orgUnitPath,
          'one OutboundGatewayPolicy per OU',
          `this OU already has a gateway policy at ${declaredAt(manifest.gatewayPolicies[first], `$.gatewayPolicies[${first}]`)}`,
        ),
      );
    }
    return out;
  },
};

const RULE_ID = /^MPR-[A-Z0-9-]+$/;

/** Acknowledgements name a rule id and give a reason. */
/** Whether `text` is a real calendar date written `YYYY-MM-DD`. */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

export const acknowledgementRule: ValidationRule = {
  code: 'MPV-ACK',
  description: 'Acknowledgements name a rule id (MPR-…), give a non-empty reason and, if they expire, a real date.',
  check(manifest: Manifest): ValidationIssue[] {
    const out: ValidationIssue[] = [];
    manifest.acknowledgements.forEach((a, i) => {
      const site = { jsonPath: `$.acknowledgements[${i}]` };
      if (!RULE_ID.test(a.ruleId)) {
        out.push(issueAt('MPV-ACK', site, 'ruleId', a.ruleId, 'a rule id like MPR-GATEWAY-AT-ROOT', 'not a rule id'));
      }
      if (a.reason.trim().length === 0) {
        out.push(
          issueAt('MPV-ACK', site, 'reason', a.reason, 'a non-empty reason', 'acknowledgement without a reason'),
        );
      }
      if (a.expires !== undefined && !isCalendarDate(a.expires)) {
        out.push(
          issueAt('MPV-ACK', site, 'expires', a.expires, 'a date YYYY-MM-DD (UTC)', 'expiry is not a calendar date'),
        );
      }
    });
    return out;
  },
};
