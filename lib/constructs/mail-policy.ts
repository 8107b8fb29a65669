import { Construct } from 'constructs';

import {
  ErrorCodes,
  MANIFEST_FILE_NAME,
  MailPolicyError,
  blockingFindings,
  formatBlockingFindings,
  formatValidationIssue,
  manifestInvalidError,
  runRulePack,
  safeParseManifest,
  type Acknowledgement,
  type Manifest,
} from '../model';

import { OrgUnit, type IOrgUnit } from './org-unit';
import { normalisedEmailProp, registerContribution } from './private/contributor';
import { expectSynthesis } from './private/forgotten-synth';
import { addApplyResource, type FrameworkStack } from './private/framework';
import { buildStackManifest } from './private/manifest-builder';
import {
  hasMailPolicyBrand,
  MAIL_POLICY_SYM,
  mailPoliciesOfStack,
  scanStack,
  stackOf,
  watchStack,
} from './private/stack-policy';
import { ManifestWritingSynthesizer, renderManifest, type SynthesizedManifest } from './private/synth-output';
import { synthesisOf, withSynthesis, type Synthesis } from './private/synthesis';
import { User, type IUser } from './user';

/** Properties of a `MailPolicy`. */
export interface MailPolicyProps {
  /**
   * The customer's own domains, the primary domain first. Send-as addresses in these domains never get an
   * SMTP endpoint; addresses outside them are "external".
   */
  readonly domains: string[];
  /**
   * The Google Workspace customer id.
   *
   * @default 'my_customer' (the customer of the authenticated admin)
   */
  readonly customerId?: string;
}

/** Options of {@link MailPolicy.acknowledge}. */
export interface AcknowledgeOptions {
  /**
   * The finding's subject the acknowledgement is limited to, for example `orgUnit:/Sales`.
   *
   * @default - every subject of the rule
   */
  readonly subject?: string;
  /**
   * The last day (UTC, `YYYY-MM-DD`) the acknowledgement holds; from the day after, the finding counts again.
   *
   * @default - no expiry
   */
  readonly expires?: string;
}

/** The command the synthesised `terraform_data` runs; values travel in its environment, never in this string. */
export const APPLY_COMMAND = 'npx --no-install mailpolicy apply --manifest "$MAILPOLICY_MANIFEST" --auto-approve';

/**
 * The mail policy of one stack: the root of its org units, gateway policies, users and send-as identities.
 * Exactly one per stack; the other constructs may be its children or live anywhere in the same stack.
 *
 * At synth it validates the whole stack at once (every problem of every construct in one error), runs the
 * rule pack (unacknowledged warnings fail synth), writes `mail-policy.json` to the stack's output folder and
 * adds Terraform's built-in `terraform_data` resource whose `local-exec` provisioner runs `mailpolicy apply`
 * when the manifest or a secret changes (no provider to install). The manifest is built once per synth (secrets
 * resolved once) and shared by validation, the resource's `triggers_replace` and the file; objects declared by
 * two stacks are found with one index per app.
 *
 * Works in a cdktf 0.21 app and in a CDK Terrain (cdktn 0.24) app alike: the framework is the one of the stack.
 *
 * A failed validation raises an error listing every problem with its code; uncaught, it prints as
 * `Error: [MP1000] …` on stderr, without a stack trace, and the process exits with 1. A process that creates a
 * MailPolicy but never synthesises its stack prints a hint at exit (did main.ts call `app.synth()`?).
 *
 * Note: it (like the first mail construct of a stack) wraps the stack's synthesizer at construction; replace
 * `stack.synthesizer` before creating them.
 */
export class MailPolicy extends Construct {
  /** Whether `x` is a `MailPolicy`, also across duplicate copies of the library. */
  public static isMailPolicy(x: unknown): x is MailPolicy {
    return hasMailPolicyBrand(x);
  }

  /** The single MailPolicy of the stack that holds `scope`; throws when there is none or more than one. */
  public static of(scope: Construct): MailPolicy {
    const policies = mailPoliciesOfStack(scope);
    if (policies.length !== 1) {
      throw new MailPolicyError(
        ErrorCodes.MANIFEST_INVALID,
        `stack '${stackOf(scope).node.id}' has ${policies.length} MailPolicy constructs; exactly one is allowed`,
      );
    }
    return policies[0] as MailPolicy;
  }

  /** The customer's domains, lower case, primary first. */
  public readonly domains: readonly string[];
  /** The customer id. */
  public readonly customerId: string;

  private readonly stack: FrameworkStack;
  private readonly synthesised: () => void;
  private readonly ownedScopes: Array<IOrgUnit | IUser> = [];
  private readonly gatewayScopes: Array<{ readonly orgUnitPath: string; readonly constructPath: string }> = [];
  private readonly acks: Acknowledgement[] = [];

  public constructor(scope: Construct, id: string, props: MailPolicyProps) {
    super(scope, id);
    Object.defineProperty(this, MAIL_POLICY_SYM, { value: true });
    const p: Partial<MailPolicyProps> = props ?? {};
    this.domains = Array.isArray(p.domains) ? p.domains.map((d) => normalisedEmailProp(d)) : (p.domains as never);
    this.customerId = p.customerId ?? 'my_customer';
    this.stack = watchStack(this);

    registerContribution(this, 'MailPolicy', (manifest) => {
      manifest.domains = this.domains as string[];
      manifest.customerId = this.customerId;
      for (const target of this.ownedScopes) {
        manifest.ownership.push(
          OrgUnit.isOrgUnit(target)
            ? { kind: 'orgUnit', orgUnitPath: target.orgUnitPath, constructPath: target.node.path }
            : { kind: 'user', email: (target as IUser).email, constructPath: target.node.path },
        );
      }
      for (const scope of this.gatewayScopes) manifest.ownership.push({ kind: 'gatewayPolicies', ...scope });
      manifest.acknowledgements.push(...this.acks.map((a) => ({ ...a })));
    });

    this.node.addValidation({ validate: () => [...this.validatePolicy()] });
    this.addApplyResource();
    this.synthesised = expectSynthesis(this.stack.node.path);
    const stack = this.stack;
    this.stack.synthesizer = new ManifestWritingSynthesizer(this.stack.synthesizer, stack, {
      within: (session, synthesize) => withSynthesis(stack, session, synthesize),
      render: () => synthesisOf(stack).rendered(stack),
      synthesised: this.synthesised,
    });
  }

  /**
   * Declares that this stack exclusively owns the send-as identities of every user in the OU subtree, or of
   * one user: at apply, send-as identities there that this stack does not declare are deleted (never a
   * user's primary address). Without it, undeclared identities are reported as unmanaged and left alone.
   */
  public ownSendAsOf(target: IOrgUnit | IUser): void {
    if (!OrgUnit.isOrgUnit(target) && !User.isUser(target)) {
      throw new MailPolicyError(
        ErrorCodes.MANIFEST_INVALID,
        `${this.node.path}: ownSendAsOf: expected an OrgUnit (new OrgUnit / OrgUnit.fromPath) or a User (User.fromEmail), received ${String(target)}`,
      );
    }
    this.ownedScopes.push(target);
  }

  /**
   * Makes this stack authoritative over the "Allow per-user outbound gateways" setting of the whole customer: every
   * explicit policy the stack does not declare (set in the console, or left by earlier code) is planned for
   * deletion, so those OUs inherit again — the code is the whole truth about who may bypass the outbound gateway.
   * Without it, undeclared allowances are shown in every plan (MPR-LIVE-UNDECLARED-GATEWAY) and left alone.
   */
  public ownGatewayPolicies(): void {
    this.gatewayScopes.push({ orgUnitPath: '/', constructPath: this.node.path });
  }

  /**
   * Like {@link ownGatewayPolicies}, for the OU subtree of `orgUnit` only (for a stack that shares the tenant with
   * others).
   */
  public ownGatewayPoliciesUnder(orgUnit: IOrgUnit): void {
    if (!OrgUnit.isOrgUnit(orgUnit)) {
      throw new MailPolicyError(
        ErrorCodes.MANIFEST_INVALID,
        `${this.node.path}: ownGatewayPoliciesUnder: expected an OrgUnit (new OrgUnit / OrgUnit.fromPath), received ${String(orgUnit)}`,
      );
    }
    this.gatewayScopes.push({ orgUnitPath: orgUnit.orgUnitPath, constructPath: orgUnit.node.path });
  }

  /**
   * Accepts a warning-level finding of the rule pack on purpose, so it no longer fails synth (it stays in plans,
   * marked acknowledged, and the markdown plan lists it with its reason and date for auditors). Error-level
   * findings cannot be acknowledged. An acknowledgement with `expires` stops suppressing the finding after that
   * day, like ScubaGoggles' `omitpolicy` expirations: synth fails again, naming the date.
   *
   * @param ruleId the finding's rule id, for example `MPR-GATEWAY-UNUSED`
   * @param reason why it is fine here; recorded in the manifest and shown in plans
   * @param options the subject it is limited to (for example `orgUnit:/Sales`; a string is the subject), and the
   *   last day it holds (`expires: 'YYYY-MM-DD'`, UTC). Default: every subject, no expiry
   */
  public acknowledge(ruleId: string, reason: string, options?: string | AcknowledgeOptions): void {
    const o: AcknowledgeOptions = typeof options === 'string' ? { subject: options } : (options ?? {});
    this.acks.push({
      ruleId,
      reason,
      ...(o.subject !== undefined ? { subject: o.subject } : {}),
      ...(o.expires !== undefined ? { expires: o.expires } : {}),
    });
  }

  /**
   * The stack's manifest as synth writes it (secret fingerprints included when the secrets resolve), built
   * afresh from the constructs. Unvalidated.
   */
  public toManifest(): Manifest {
    this.synthesised();
    return buildStackManifest(this.stack, { fingerprints: true });
  }

  /** The manifest, the exact bytes of `mail-policy.json` and their SHA-256, built afresh. */
  public synthesize(): SynthesizedManifest {
    return renderManifest(this.toManifest());
  }

  /** Problems of the stack's manifest; the stack's own validation reports a missing or second MailPolicy. */
  private validatePolicy(): readonly string[] {
    this.synthesised();
    const policies = scanStack(this.stack).policies;
    if (policies.length !== 1) return [];
    const synthesis = synthesisOf(this.stack);
    return synthesis.problems(this.stack, (manifest) => this.manifestProblems(synthesis, manifest));
  }

  private manifestProblems(synthesis: Synthesis, manifest: Manifest): string[] {
    const errors: string[] = [];
    const parsed = safeParseManifest(manifest);
    if (!parsed.success) {
      errors.push(manifestInvalidError(parsed.issues, `mail policy of stack '${this.stack.node.id}'`).format());
    }
    const duplicates = synthesis.claimIndex(this.stack).duplicatesOf(manifest);
    if (duplicates.length > 0) {
      errors.push(
        new MailPolicyError(
          ErrorCodes.DUPLICATE_ACROSS_STACKS,
          `stack '${this.stack.node.id}' declares ${duplicates.length} object${duplicates.length === 1 ? '' : 's'} that another stack also declares:\n${duplicates.map((d) => `  - ${formatValidationIssue(d)}`).join('\n')}`,
          { issues: duplicates },
        ).format(),
      );
    }
    if (!parsed.success) return errors;
    const blocking = blockingFindings(runRulePack(parsed.manifest));
    if (blocking.length > 0) {
      errors.push(
        new MailPolicyError(
          ErrorCodes.FINDINGS_BLOCK_SYNTH,
          `the mail policy of stack '${this.stack.node.id}' has ${blocking.length} finding${blocking.length === 1 ? '' : 's'} to fix or acknowledge:\n${formatBlockingFindings(blocking)}`,
          { findings: blocking },
        ).format(),
      );
    }
    return errors;
  }

  private addApplyResource(): void {
    addApplyResource(this, 'Apply', {
      command: APPLY_COMMAND,
      // Terraform runs in cdktf.out/stacks/<stack>; path.module is that folder, where mail-policy.json lies.
      workingDir: '${path.module}',
      environment: { MAILPOLICY_MANIFEST: MANIFEST_FILE_NAME, MAILPOLICY_STACK: this.stack.node.id },
      triggers: () => this.triggers(),
    });
  }

  /** `manifest_sha256` plus one trigger per secret fingerprint: a changed secret re-runs apply. Never a value. */
  private triggers(): Record<string, string> {
    this.synthesised();
    const { manifest, sha256 } = synthesisOf(this.stack).rendered(this.stack);
    const triggers: Record<string, string> = { manifest_sha256: sha256 };
    for (const s of manifest.sendAs) {
      const id = `${s.userEmail}/${s.sendAsEmail}`;
      const username = s.smtp?.username;
      if (typeof username === 'object' && username.fingerprint)
        triggers[`secret ${id} username`] = username.fingerprint;
      if (s.smtp?.password.fingerprint) triggers[`secret ${id} password`] = s.smtp.password.fingerprint;
    }
    return triggers;
  }
}
