import { Construct, type IConstruct } from 'constructs';

import type { IOrgUnit } from './org-unit';
import { normalisedEmailProp, registerContribution } from './private/contributor';
import { watchStack } from './private/stack-policy';

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

  private constructor(scope: Construct, id: string, email: string, options: UserOptions) {
    super(scope, id);
    this.email = normalisedEmailProp(email);
    this.orgUnit = options.orgUnit;
    Object.defineProperty(this, USER_SYM, { value: true });
    watchStack(this);
    registerContribution(this, 'User', (manifest) => {
      manifest.users.push({
        email: this.email,
        orgUnitPath: this.orgUnit?.orgUnitPath,
        constructPath: this.node.path,
      });
    });
  }
}
