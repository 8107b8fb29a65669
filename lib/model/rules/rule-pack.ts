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

function acknowledgementFor(finding: Finding, acks: readonly Acknowledgement[]): Acknowledgement | undefined {
  return acks.find((a) => a.ruleId === finding.ruleId && (a.subject === undefined || a.subject === finding.subject));
}

/**
 * Runs every rule over the manifest. Findings matched by an acknowledgement of the manifest (same rule id and,
 * when the acknowledgement names one, the same subject) carry `acknowledged: <reason>`. Pure.
 */
export function runRulePack(manifest: Manifest, rules: readonly FindingRule[] = RULE_PACK): Finding[] {
  return rules.flatMap((rule) =>
    rule.check(manifest).map((finding) => {
      const ack = acknowledgementFor(finding, manifest.acknowledgements);
      return ack ? { ...finding, acknowledged: ack.reason } : finding;
    }),
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
