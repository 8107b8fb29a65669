import { Construct, type IConstruct } from 'constructs';

import type { IOrgUnit } from './org-unit';
import { normalisedEmailProp, registerContribution } from './private/contributor';
import { watchStack } from './private/stack-policy';
import type { RemovalPolicy } from './removal-policy';

const USER_SYM = Symbol.for('workspace-mail-policy.User');

/** A Google Workspace user referenced by this stack. */
export interface IUser extends IConstruct {
  /** The user's primary address, lower case. */
  readonly email: string;
  /** The OU this stack places the user in, when it does. */
  readonly orgUnit?: IOrgUnit;
}

/** Options of `User.fromEmail`. */
export interface UserOptions {
  /**
   * Places the user in this OU (it must be declared in the same stack). With a placement, the SMTP endpoints
   * of the user's send-as identities are checked at synth against the OU's per-user gateway setting.
   *
   * @default - the user's OU is not managed; the gateway setting is checked at plan, against the live OU
   */
  readonly orgUnit?: IOrgUnit;
  /**
   * Directory aliases this stack gives the user (addresses in the customer's domains). Gmail accepts an in-domain
   * send-as address only once it is an alias of the user, so declare here the aliases your in-domain
   * `SendAsIdentity`s use: the plan creates a missing one before the identity that needs it.
   *
   * @default - the user's aliases are not managed (the plan checks in-domain identities against the live ones)
   */
  readonly aliases?: string[];
  /**
   * What happens in the tenant to a declared alias when it is removed from the code.
   *
   * @default RemovalPolicy.DESTROY: the alias is removed from the user (mail to it then bounces)
   */
  readonly aliasRemovalPolicy?: RemovalPolicy;
}

/**
 * A reference to an existing user (users are never created or deleted here). Addresses are case-insensitive
 * and written in lower case.
 */
export class User extends Construct implements IUser {
  /** Whether `x` is a user reference, also across duplicate copies of the library. */
  public static isUser(x: unknown): x is IUser {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[USER_SYM] === true;
  }

  /**
   * References the user with primary address `email`; with `options.orgUnit`, this stack places the user there.
   */
  public static fromEmail(scope: Construct, id: string, email: string, options: UserOptions = {}): IUser {
    return new User(scope, id, email, options ?? {});
  }

  public readonly email: string;
  public readonly orgUnit?: IOrgUnit;
  /** The aliases this stack gives the user, lower case. */
  public readonly aliases: readonly string[];

  private constructor(scope: Construct, id: string, email: string, options: UserOptions) {
    super(scope, id);
    this.email = normalisedEmailProp(email);
    this.orgUnit = options.orgUnit;
    this.aliases = Array.isArray(options.aliases) ? options.aliases.map((a) => normalisedEmailProp(a)) : [];
    Object.defineProperty(this, USER_SYM, { value: true });
    watchStack(this);
    registerContribution(this, 'User', (manifest) => {
      manifest.users.push({
        email: this.email,
        orgUnitPath: this.orgUnit?.orgUnitPath,
        ...(this.aliases.length > 0 ? { aliases: [...this.aliases] } : {}),
        ...(options.aliasRemovalPolicy !== undefined ? { aliasRemovalPolicy: options.aliasRemovalPolicy } : {}),
        constructPath: this.node.path,
      });
    });
  }
}
