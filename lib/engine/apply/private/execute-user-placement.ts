import type { Change } from '../../plan';
import { observedString, retryNotFound, type ChangeOutcome, type RunContext } from './context';

/** Moves a user into the OU the manifest places them in (the OU may have been created a moment ago). */
export async function executeUserPlacement(ctx: RunContext, change: Change): Promise<ChangeOutcome> {
  if (change.action === 'manual') {
    return { status: 'manual', steps: change.manualSteps ?? [`Move ${change.subject} in the Admin console.`] };
  }
  const desired = change.desired && 'email' in change.desired ? change.desired : undefined;
  const email = desired?.email ?? observedString(change, 'email') ?? change.subject;
  const target = desired?.orgUnitPath;
  if (change.action === 'delete' || target === undefined) {
    // Placement is not an object: dropping it from the manifest leaves the user where they are.
    return { status: 'done', note: 'placement no longer managed; user left in place' };
  }
  await retryNotFound(ctx, () => ctx.admin.moveUser(email, target), 3);
  return { status: 'done' };
}
