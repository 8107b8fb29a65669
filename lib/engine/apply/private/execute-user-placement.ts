import { unreachable, type UserPlacementChange } from '../../change';
import { retryNotFound, type ChangeOutcome, type RunContext } from './context';

/** Moves a user into the OU the manifest places them in (the OU may have been created a moment ago). */
export async function executeUserPlacement(ctx: RunContext, change: UserPlacementChange): Promise<ChangeOutcome> {
  switch (change.action) {
    case 'update':
      await retryNotFound(ctx, () => ctx.admin.moveUser(change.target.email, change.write.orgUnitPath), 3);
      return { status: 'done' };
    case 'forget':
      return { status: 'done', note: 'no longer managed; left in the tenant' };
    default:
      return unreachable(change, 'user-placement action');
  }
}
