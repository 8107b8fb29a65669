import { unreachable, type AliasChange } from '../../change';
import { isAdminError, type ChangeOutcome, type RunContext } from './context';

/**
 * Adds or removes one Directory alias of a user. An alias already there (an earlier, interrupted run) is done; so
 * is removing one that is gone.
 */
export async function executeAlias(ctx: RunContext, change: AliasChange): Promise<ChangeOutcome> {
  const { userEmail, alias } = change.target;
  switch (change.action) {
    case 'create':
      try {
        await ctx.slot(() => ctx.admin.addUserAlias(userEmail, alias));
      } catch (error) {
        if (!isAdminError(error, 'alreadyExists')) throw error;
        return { status: 'done', note: 'already an alias' };
      }
      return { status: 'done' };
    case 'delete':
      try {
        await ctx.slot(() => ctx.admin.deleteUserAlias(userEmail, alias));
      } catch (error) {
        if (!isAdminError(error, 'notFound')) throw error;
        return { status: 'done', note: 'already gone' };
      }
      return { status: 'done' };
    case 'forget':
      return { status: 'done', note: 'no longer managed; left in the tenant' };
    default:
      return unreachable(change, 'alias action');
  }
}
