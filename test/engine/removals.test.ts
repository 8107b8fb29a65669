import type { ObservedState } from '../../lib/engine/observed-state';
import { emptyManifest, type Manifest } from '../../lib/model/manifest';
import type { ManagedObject, StackState } from '../../lib/state/stack-state';
import { ok } from './helpers/converged';
import { emptyTenant, noState, plan } from './helpers/scenario';

const AT = '2026-12-01T00:00:00.000Z';

function stateOf(objects: Record<string, ManagedObject>): StackState {
  return { ...noState(), objects };
}

const ou = (path: string, removalPolicy: 'destroy' | 'retain' = 'destroy'): ManagedObject => ({
  kind: 'orgUnit',
  path,
  origin: 'created',
  removalPolicy,
  updatedAt: AT,
});

function tenant(paths: string[], users: Record<string, string> = {}): ObservedState {
  return {
    ...emptyTenant(),
    orgUnits: ok([
      { orgUnitId: 'root', orgUnitPath: '/', name: '' },
      ...paths.map((p, i) => ({ orgUnitId: `ou${i}`, orgUnitPath: p, name: p.split('/').pop() ?? '' })),
    ]),
    scopeMembers: Object.fromEntries(
      paths.map((p) => [
        `orgUnit:${p.toLowerCase()}`,
        ok(
          Object.entries(users)
            .filter(([, where]) => where === p || where.startsWith(`${p}/`))
            .map(([primaryEmail, orgUnitPath]) => ({ primaryEmail, orgUnitPath })),
        ),
      ]),
    ),
  };
}

describe('removal from code', () => {
  test('OUs are deleted leaves first, each parent waiting for its children', () => {
    const state = stateOf({ 'orgUnit:/eng': ou('/Eng'), 'orgUnit:/eng/tools': ou('/Eng/Tools') });
    const p = plan(emptyManifest('test', ['example.com']), tenant(['/Eng', '/Eng/Tools']), state);
    expect(p.changes.map((c) => `${c.action} ${c.subject} ← ${c.dependsOn.join(',')}`)).toEqual([
      'delete /Eng/Tools ← ',
      'delete /Eng ← orgUnit:/eng/tools',
    ]);
  });

  test('an OU moved in code (movedFrom), with everything below it, is the same OU: not removed', () => {
    const state = stateOf({ 'orgUnit:/old': ou('/Old'), 'orgUnit:/old/child': ou('/Old/Child') });
    const m: Manifest = {
      ...emptyManifest('test', ['example.com']),
      orgUnits: [
        { path: '/New', name: 'New', parentPath: '/', managed: true, movedFrom: '/Old' },
        { path: '/New/Child', name: 'Child', parentPath: '/New', managed: true },
      ],
    };
    const p = plan(m, tenant(['/Old', '/Old/Child']), state);
    expect(p.changes.map((c) => `${c.action} ${c.subject} ${c.cause}`)).toEqual(['update /New move']);
  });

  test('an OU whose child another stack (or nobody) manages is refused with the reason, and RETAIN only forgets', () => {
    const state = stateOf({ 'orgUnit:/eng': ou('/Eng'), 'orgUnit:/ops': ou('/Ops', 'retain') });
    const p = plan(emptyManifest('test', ['example.com']), tenant(['/Eng', '/Eng/Other', '/Ops']), state);
    expect(p.changes.map((c) => `${c.action} ${c.subject}`)).toEqual(['forget /Ops']);
    expect(p.findings.find((f) => f.ruleId === 'MPR-LIVE-OU-NOT-EMPTY')?.message).toMatch(
      /\/Eng was removed from code, but Google refuses to delete an OU that still holds child OU \/Eng\/Other/,
    );
    expect(p.summary.blockingFindings).toBe(1);
  });

  test("a user's primary address is never deleted, only forgotten; a placement is always forgotten", () => {
    const state = stateOf({
      'sendAs:alice@example.com/alice@example.com': {
        kind: 'sendAs',
        userEmail: 'alice@example.com',
        sendAsEmail: 'alice@example.com',
        origin: 'adopted',
        removalPolicy: 'destroy',
        updatedAt: AT,
      },
      'userPlacement:alice@example.com': {
        kind: 'userPlacement',
        email: 'alice@example.com',
        orgUnitPath: '/',
        origin: 'adopted',
        removalPolicy: 'retain',
        updatedAt: AT,
      },
    });
    const p = plan(emptyManifest('test', ['example.com']), emptyTenant(), state);
    expect(p.changes.map((c) => `${c.action} ${c.subject} (${c.reason})`)).toEqual([
      'forget alice@example.com (removed from code: the user stays in their OU, which is no longer managed)',
      "forget alice@example.com → alice@example.com (removed from code; it is the user's primary address, which is never deleted)",
    ]);
  });
});
