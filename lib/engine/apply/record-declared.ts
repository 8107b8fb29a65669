import type { Manifest } from '../../model/manifest';
import type { Change } from '../change';
import { objectIdOf } from '../change-ids';
import { declaredObjects, recordOf } from '../managed-objects';
import type { ApplyState } from './apply-options';

/**
 * After an apply (or a plan with nothing to do, applied), records every declared object that is in place: the
 * ones no change touched are adopted (the code declared what the tenant already had), and every record gets the
 * spec digest and removal policy of the code now. Objects whose change did not finish are left as they were, so
 * the next plan sees them again.
 */
export async function recordDeclaredInPlace(
  state: ApplyState,
  manifest: Manifest,
  notDone: readonly Change[],
): Promise<void> {
  const skip = new Set(notDone.map(objectIdOf));
  for (const [id, object] of declaredObjects(manifest)) {
    if (skip.has(id)) continue;
    await state.recordObject(id, recordOf(object, 'adopted', state.object(id)));
  }
}
