import { Construct } from 'constructs';

import type { SendAsSpec, SmtpEndpoint } from '../model';

import { normalisedEmailProp, registerContribution, type ManifestContext } from './private/contributor';
import { watchStack } from './private/stack-policy';
import { Secret } from './secret';
import type { RemovalPolicy } from './removal-policy';
import type { SecurityMode } from './security-mode';
import type { IUser } from './user';

/** The SMTP server (the address's own mail server) a send-as identity sends through. */
export interface SmtpEndpointProps {
  /** Host name or IP literal of the SMTP server, for example `smtp.partnerdomain.com`; no scheme, no port. */
  readonly host: string;
  /** TCP port, 1–65535: usually 587 with STARTTLS or 465 with SSL. */
  readonly port: number;
  /** How the connection is secured. `SecurityMode.NONE` is accepted by Gmail on port 25 only. */
  readonly securityMode: SecurityMode;
  /** The SMTP user name: plain text, or a `Secret` when it must not be written down. */
  readonly username: string | Secret;
  /** The SMTP password. Only its reference (and a keyed fingerprint) is written to the synth output. */
  readonly password: Secret;
}

/** Properties of a `SendAsIdentity`. */
export interface SendAsIdentityProps {
  /** The user who gets this "From" address. */
  readonly user: IUser;
  /** The address mail is sent as. Case-insensitive, written in lower case. */
  readonly sendAsEmail: string;
  /**
   * Name shown in the "From" header.
   *
   * @default - not managed (Gmail uses the user's name for a new identity)
   */
  readonly displayName?: string;
  /**
   * Address replies go to.
   *
   * @default - not managed (replies go to the send-as address)
   */
  readonly replyTo?: string;
  /**
   * HTML signature of mail sent from this address.
   *
   * @default - not managed
   */
  readonly signature?: string;
  /**
   * Whether Gmail treats the address as an alias of the user (see Gmail's "Treat as an alias" help).
   *
   * @default - not managed (Gmail's default for a new identity: true)
   */
  readonly treatAsAlias?: boolean;
  /**
   * Make this the user's default "From" address. Only `true` can be written: Gmail cannot "un-default" an
   * identity, it can only make another one the default, so `false` is rejected at synth. At most one per user.
   *
   * @default - not managed: the user's default address is left alone
   */
  readonly isDefault?: boolean;
  /**
   * Send through the address's own SMTP server (a per-user outbound gateway) instead of Google's. Only for
   * addresses outside the customer's domains, and only for users whose OU allows per-user outbound gateways.
   *
   * @default - no SMTP endpoint: mail leaves through Google (an address outside the customer's domains then
   * raises the warning MPR-EXTERNAL-WITHOUT-SMTP)
   */
  readonly smtp?: SmtpEndpointProps;
  /**
   * What happens in the tenant when this construct is removed from the code.
   *
   * @default RemovalPolicy.DESTROY: the identity is deleted (a user's primary address never is)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** A manifest `SecretRef` for a prop that should hold a `Secret`; never copies a plain value. */
function secretProp(value: unknown, context: ManifestContext): { ref: string; fingerprint?: string } {
  if (Secret.isSecret(value)) return context.secretRef(value.ref);
  return { ref: '(not a Secret: use Secret.fromEnv or Secret.fromFile)' };
}

function smtpSpec(smtp: SmtpEndpointProps, context: ManifestContext): SmtpEndpoint {
  const s: Partial<SmtpEndpointProps> = smtp;
  const username = Secret.isSecret(s.username) ? context.secretRef(s.username.ref) : (s.username as string);
  return {
    host: s.host as string,
    port: s.port as number,
    securityMode: s.securityMode as SmtpEndpoint['securityMode'],
    username,
    password: secretProp(s.password, context),
  };
}

/**
 * A Gmail send-as identity ("From" address) of one user, optionally sending through the address's own SMTP
 * server. Identity is (user, sendAsEmail); optional fields left out are not managed.
 */
export class SendAsIdentity extends Construct {
  /** The user who owns this identity. */
  public readonly user: IUser;
  /** The send-as address, lower case. */
  public readonly sendAsEmail: string;

  public constructor(scope: Construct, id: string, props: SendAsIdentityProps) {
    super(scope, id);
    const p: Partial<SendAsIdentityProps> = props ?? {};
    this.user = p.user as IUser;
    this.sendAsEmail = normalisedEmailProp(p.sendAsEmail);
    watchStack(this);
    registerContribution(this, 'SendAsIdentity', (manifest, context) => {
      const spec: SendAsSpec = {
        userEmail: p.user?.email as string,
        sendAsEmail: this.sendAsEmail,
        displayName: p.displayName,
        replyToAddress: p.replyTo === undefined ? undefined : normalisedEmailProp(p.replyTo),
        signature: p.signature,
        treatAsAlias: p.treatAsAlias,
        isDefault: p.isDefault,
        smtp: p.smtp === undefined || p.smtp === null ? undefined : smtpSpec(p.smtp, context),
        removalPolicy: p.removalPolicy,
        constructPath: this.node.path,
      };
      manifest.sendAs.push(spec);
    });
  }
}
