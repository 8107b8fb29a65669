import { formatFinding, isBlockingFinding, type Finding } from '../findings';
import type { Acknowledgement, Manifest } from '../manifest';

import type { FindingRule } from './finding-rule';
import { gatewayAtRootRule, gatewayUnusedRule } from './gateway-rules';
import { externalWithoutSmtpRule, smtpPortModeRule, smtpWithoutTlsRule } from './send-as-rules';

/** Every rule of the pack, in the order findings are reported. */
export const RULE_PACK: readonly FindingRule[] = [
  gatewayAtRootRule,
  gatewayUnusedRule,
  smtpWithoutTlsRule,
  smtpPortModeRule,
  externalWithoutSmtpRule,
];

function acknowledgementsFor(finding: Finding, acks: readonly Acknowledgement[]): Acknowledgement[] {
  return acks.filter((a) => a.ruleId === finding.ruleId && (a.subject === undefined || a.subject === finding.subject));
}

/** Today in UTC as `YYYY-MM-DD`, the form acknowledgements expire in. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/**
 * Applies the manifest's acknowledgements to findings: a finding matched by one (same rule id and, when it names
 * one, the same subject) that has not expired carries `acknowledged: <reason>` (and `acknowledgedUntil`); one
 * matched only by expired acknowledgements carries `acknowledgementExpired: <date>` and counts again. An
 * acknowledgement holds through its `expires` day (UTC). Pure given `now`.
 */
export function acknowledge(findings: readonly Finding[], manifest: Manifest, now: Date = new Date()): Finding[] {
  const today = utcDay(now);
  return findings.map((finding) => {
    const matching = acknowledgementsFor(finding, manifest.acknowledgements);
    const active = matching.find((a) => a.expires === undefined || a.expires >= today);
    if (active)
      return {
        ...finding,
        acknowledged: active.reason,
        ...(active.expires !== undefined ? { acknowledgedUntil: active.expires } : {}),
      };
    const expired = matching
      .map((a) => a.expires)
      .sort()
      .pop();
    return expired !== undefined ? { ...finding, acknowledgementExpired: expired } : finding;
  });
}

/**
 * Runs every rule over the manifest and applies its acknowledgements (see {@link acknowledge}). Pure given `now`.
 */
export function runRulePack(
  manifest: Manifest,
  rules: readonly FindingRule[] = RULE_PACK,
  now: Date = new Date(),
): Finding[] {
  return acknowledge(
    rules.flatMap((rule) => rule.check(manifest)),
    manifest,
    now,
  );
}

/** Findings that stop synth: every error, and warnings nobody acknowledged. Error-level findings cannot be acknowledged. */
export function blockingFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter(isBlockingFinding);
}

/** One line per blocking finding with its fix and how to acknowledge it. */
export function formatBlockingFindings(findings: readonly Finding[]): string {
  return findings
    .map((f) => {
      const how =
        f.level === 'error'
          ? 'errors cannot be acknowledged'
          : `to accept it on purpose: policy.acknowledge('${f.ruleId}', '<reason>', '${f.subject}')`;
      return `  - ${formatFinding(f)} (${how})`;
    })
    .join('\n');
}
