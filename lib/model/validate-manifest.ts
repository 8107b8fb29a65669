import type { ValidationIssue } from './findings';
import type { Manifest } from './manifest';
import { aliasRule, domainsRule, duplicateUserRule, emailSyntaxRule } from './validation/identity-rules';
import { duplicateOrgUnitRule, orgUnitParentRule, orgUnitShapeRule } from './validation/org-unit-rules';
import { acknowledgementRule, duplicateGatewayPolicyRule, undeclaredOrgUnitRule } from './validation/reference-rules';
import type { ValidationRule } from './validation/issue';
import {
  defaultSendAsRule,
  duplicateSendAsRule,
  signatureLengthRule,
  smtpEndpointRule,
  smtpGatewayAllowedRule,
  smtpInternalAddressRule,
} from './validation/send-as-rules';

export type { ValidationRule } from './validation/issue';

/**
 * The validation rule table: value rules and cross-object rules over a structurally valid manifest. Each rule
 * has a stable code and returns every problem it finds; `validateManifest` runs them all.
 */
export const VALIDATION_RULES: readonly ValidationRule[] = [
  domainsRule,
  emailSyntaxRule,
  duplicateUserRule,
  aliasRule,
  orgUnitShapeRule,
  duplicateOrgUnitRule,
  orgUnitParentRule,
  undeclaredOrgUnitRule,
  duplicateGatewayPolicyRule,
  smtpEndpointRule,
  duplicateSendAsRule,
  signatureLengthRule,
  defaultSendAsRule,
  smtpInternalAddressRule,
  smtpGatewayAllowedRule,
  acknowledgementRule,
];

/** Runs every rule of the table and returns all problems, in table order then manifest order. */
export function validateManifest(manifest: Manifest): ValidationIssue[] {
  return VALIDATION_RULES.flatMap((rule) => rule.check(manifest));
}
