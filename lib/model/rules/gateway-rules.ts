import { normaliseEmail } from '../email';
import type { Finding } from '../findings';
import type { Manifest } from '../manifest';
import { ROOT_PATH, isWithinOrgUnit } from '../org-unit-path';

import { orgUnitSubject, type FindingRule } from './finding-rule';

/** The OUs users with SMTP endpoints are placed in. */
function gatewayUserOrgUnits(manifest: Manifest): string[] {
  const placement = new Map<string, string>();
  for (const u of manifest.users) if (u.orgUnitPath) placement.set(normaliseEmail(u.email), u.orgUnitPath);
  const out: string[] = [];
  for (const s of manifest.sendAs) {
    const ou = s.smtp ? placement.get(normaliseEmail(s.userEmail)) : undefined;
    if (ou !== undefined) out.push(ou);
  }
  return out;
}

/** Gateways allowed for the whole organisation (CISA SCuBA GWS.GMAIL.12.1). */
export const gatewayAtRootRule: FindingRule = {
  id: 'MPR-GATEWAY-AT-ROOT',
  level: 'warning',
  description: 'Per-user outbound gateways allowed at the root OU, i.e. for every user.',
  check(manifest: Manifest): Finding[] {
    return manifest.gatewayPolicies
      .filter((p) => p.orgUnitPath === ROOT_PATH && p.allowPerUserOutboundGateways === true)
      .map((p) => {
        const users = [...new Set(gatewayUserOrgUnits(manifest))].filter((ou) => ou !== ROOT_PATH).sort();
        const smallest = users.length > 0 ? ` such as ${users.join(', ')}` : ' that holds only the users who need it';
        return {
          ruleId: 'MPR-GATEWAY-AT-ROOT',
          level: 'warning' as const,
          subject: orgUnitSubject(p.orgUnitPath),
          constructPath: p.constructPath,
          message:
            'per-user outbound gateways are allowed for the whole organisation; mail sent this way bypasses the ' +
            "domain's outbound gateway, and CISA SCuBA GWS.GMAIL.12.1 says the setting SHALL be disabled.",
          fix: `allow it only on the smallest OU${smallest}, and leave the root at its default (not allowed).`,
        };
      });
  },
};

/** An OU that allows gateways although no declared identity under it needs one. */
export const gatewayUnusedRule: FindingRule = {
  id: 'MPR-GATEWAY-UNUSED',
  level: 'warning',
  description: 'An OU allows per-user outbound gateways but no declared send-as identity with SMTP is placed under it.',
  check(manifest: Manifest): Finding[] {
    const used = gatewayUserOrgUnits(manifest);
    return manifest.gatewayPolicies
      .filter((p) => p.allowPerUserOutboundGateways === true)
      .filter((p) => !used.some((ou) => isWithinOrgUnit(ou, p.orgUnitPath)))
      .map((p) => ({
        ruleId: 'MPR-GATEWAY-UNUSED',
        level: 'warning' as const,
        subject: orgUnitSubject(p.orgUnitPath),
        constructPath: p.constructPath,
        message: `${p.orgUnitPath} allows per-user outbound gateways, but no send-as identity with an SMTP endpoint is declared for a user placed under it.`,
        fix:
          'place the users who need it there (User.fromEmail with orgUnit) and declare their SendAsIdentity with smtp, ' +
          'or remove the policy; if the identities are managed elsewhere, acknowledge this finding.',
      }));
  },
};
