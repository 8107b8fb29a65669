/**
 * Apply converges whatever happened before: objects that already exist, a second run of the same plan, a run
 * interrupted at any point, an answer lost after Google committed the write (one-shot `lose-answer` faults),
 * and calls that fail and are retried — through the real client against the emulator.
 */
import type { WorkspaceAdmin } from '../../../lib/admin/workspace-admin';
import type { OneShotFault } from '../../../lib/emulator';
import { applyExitCode, applyPlan, type ApplyResult } from '../../../lib/engine/apply';
import type { Change } from '../../../lib/engine/change';
import type { SendAsObject } from '../../../lib/state/stack-state';
import { fingerprintSecret } from '../../../lib/model/secret-ref';
import { CANARY, KEY, useApplyBench, type TenantSeed } from './helpers/apply-bench';
import { applyInterrupted } from './helpers/emulator-rollout';
import { orgUnitChange, placementChange, planOf, policyChange, recorder, sendAsChange } from './helpers/plan-builder';

const bench = useApplyBench();
const ALLOW_ALL = [{ orgUnitPath: '/', allowUsersToUseExternalSmtpServers: true }];

function aliasChange(userEmail: string, alias: string, action: 'create' | 'delete' = 'create'): Change {
  const common = {
    id: `alias:${userEmail}/${alias}`,
    subject: `${userEmail} alias ${alias}`,
    attributes: [],
    dependsOn: [],
    security: [],
    cause: 'code' as const,
    kind: 'alias' as const,
    target: { userEmail, alias },
  };
  return action === 'create' ? { ...common, action, desired: { userEmail, alias } } : { ...common, action };
}

/** The ids the Directory and the Policy API gave an OU and its explicit gateway policy. */
async function idsOf(admin: WorkspaceAdmin, path: string): Promise<{ orgUnitId: string; policyName?: string }> {
  const ou = (await admin.listOrgUnits()).find((o) => o.orgUnitPath.toLowerCase() === path.toLowerCase());
  if (!ou) throw new Error(`no OU ${path}`);
  const policy = (await admin.listGatewayPolicies()).find((p) => p.orgUnitId === ou.orgUnitId && p.type !== 'SYSTEM');
  return { orgUnitId: ou.orgUnitId, policyName: policy?.name };
}

describe('applyPlan convergence', () => {
  test('converges an identity that already exists instead of failing, sending the credentials again', async () => {
    bench.seed({
      users: ['erin@example.com'],
      policies: ALLOW_ALL,
      sendAs: [{ userEmail: 'erin@example.com', sendAsEmail: 'erin@partner.com', displayName: 'Old name' }],
    });
    const { admin } = bench.client();
    const plan = planOf([
      sendAsChange('erin@example.com', 'erin@partner.com', 'create', { displayName: 'Erin', smtp: bench.smtp() }),
    ]);
    const { events, onEvent } = recorder();
    const authenticated = bench.relay.authenticated;

    const result = await applyPlan(plan, bench.options(admin, { onEvent }));

    expect(result.done).toHaveLength(1);
    expect(events).toContainEqual(expect.objectContaining({ type: 'change-done', note: 'already existed; converged' }));
    expect(bench.identities('erin@example.com')).toEqual([
      expect.objectContaining({
        sendAsEmail: 'erin@partner.com',
        displayName: 'Erin',
        smtpMsa: { host: bench.relay.host, port: bench.relay.port, securityMode: 'starttls' },
      }),
    ]);
    expect(bench.relay.authenticated - authenticated).toBe(1);
  });

  test('converges an OU that already exists and treats deletes of missing objects as done', async () => {
    bench.seed({ users: ['frank@example.com'], orgUnits: [{ path: '/Sales', description: 'old' }] });
    const { admin, log } = bench.client();
    const plan = planOf([
      orgUnitChange('/Sales', 'create', { description: 'Sales team' }),
      orgUnitChange('/Gone', 'delete', { orgUnitId: '03ph8a2z0gone' }),
      sendAsChange('frank@example.com', 'gone@partner.com', 'delete'),
    ]);
    const { events, onEvent } = recorder();

    const result = await applyPlan(plan, bench.options(admin, { onEvent }));

    expect(result.done).toHaveLength(3);
    expect(bench.snapshot().orgUnits).toEqual([{ path: '/Sales', description: 'Sales team' }]);
    expect(log.methods()).toContain('updateOrgUnit');
    const notes = events.flatMap((e) => (e.type === 'change-done' ? [e.note] : []));
    expect(notes.sort()).toEqual(['already existed; description updated', 'already gone', 'already gone']);
  });

  test('a second apply of the same plan changes nothing and creates no duplicate', async () => {
    bench.seed({ users: ['gina@example.com'] });
    const plan = planOf([
      orgUnitChange('/Partners'),
      policyChange('/Partners', true, 'create', { dependsOn: ['orgUnit:/partners'] }),
      placementChange('gina@example.com', '/Partners', { dependsOn: ['orgUnit:/partners'] }),
      sendAsChange(
        'gina@example.com',
        'gina@partner.com',
        'create',
        { displayName: 'Gina', smtp: bench.smtp() },
        { dependsOn: ['gatewayPolicy:/partners', 'userPlacement:gina@example.com'] },
      ),
    ]);
    await applyPlan(plan, bench.options(bench.client().admin));
    const before = JSON.stringify(bench.snapshot());
    const patches = bench.callCounts()['gmail.users.settings.sendAs.patch'] ?? 0;

    const second = await applyPlan(plan, bench.options(bench.client().admin));

    expect(applyExitCode(second)).toBe(0);
    expect(JSON.stringify(bench.snapshot())).toBe(before);
    // The identity was found as declared: only its credentials went again, nothing else was patched.
    expect((bench.callCounts()['gmail.users.settings.sendAs.patch'] ?? 0) - patches).toBe(1);
    expect(bench.identities('gina@example.com')).toHaveLength(1);
  });

  test('re-applying after an interruption at any point converges with no duplicate and leaves undeclared identities alone', async () => {
    const users = Array.from({ length: 6 }, (_, i) => `u${i}@example.com`);
    const changes = [
      orgUnitChange('/Partners'),
      policyChange('/Partners', true, 'create', { dependsOn: ['orgUnit:/partners'] }),
    ];
    for (const [i, user] of users.entries()) {
      changes.push(placementChange(user, '/Partners', { dependsOn: ['orgUnit:/partners'] }));
      // One identity through the relay (Gmail's SMTP check makes its create slow), one without.
      changes.push(
        sendAsChange(
          user,
          `u${i}.1@partner.com`,
          'create',
          { smtp: bench.smtp() },
          { dependsOn: ['gatewayPolicy:/partners', `userPlacement:${user}`] },
        ),
        sendAsChange(user, `u${i}.2@partner.com`, 'create', {}, { dependsOn: [`userPlacement:${user}`] }),
      );
    }
    const plan = planOf(changes);
    let aborted = 0;
    for (let stopAfter = 1; stopAfter <= 21; stopAfter += 2) {
      bench.seed({
        users,
        sendAs: users.map((u, i) => ({ userEmail: u, sendAsEmail: `mine${i}@other.com` })),
      });

      const first = await applyInterrupted(plan, bench.options(bench.client().admin), stopAfter);
      const second = await applyPlan(plan, bench.options(bench.client().admin));

      expect(applyExitCode(first)).toBe(first.aborted ? 1 : 0);
      aborted += first.aborted ? 1 : 0;
      expect(second.failed).toEqual([]);
      expect(applyExitCode(second)).toBe(0);
      for (const [i, user] of users.entries()) {
        expect(
          bench
            .identities(user)
            .map((s) => s.sendAsEmail)
            .sort(),
        ).toEqual([`mine${i}@other.com`, `u${i}.1@partner.com`, `u${i}.2@partner.com`]);
      }
      const tenant = bench.snapshot();
      expect((tenant.orgUnits ?? []).map((o) => o.path)).toEqual(['/Partners']);
      expect(tenant.policies).toEqual([{ orgUnitPath: '/Partners', allowUsersToUseExternalSmtpServers: true }]);
    }
    expect(aborted).toBeGreaterThanOrEqual(10);
  });
});

/** Applies `changes` with `fault` armed; the fault must have struck, and the run must be done without failures. */
async function applyWithLostAnswer(
  fault: OneShotFault,
  changes: Change[],
): Promise<{ notes: string[]; result: ApplyResult }> {
  await bench.arm(fault);
  const { events, onEvent } = recorder();
  const result = await applyPlan(planOf(changes), bench.options(bench.client().admin, { onEvent }));
  expect(bench.emulator.control.armedFaults()).toEqual([]);
  expect(result.failed).toEqual([]);
  expect(applyExitCode(result)).toBe(0);
  return { notes: events.flatMap((e) => (e.type === 'change-done' && e.note ? [e.note] : [])), result };
}

const lose = (method: string, answer: 'reset' | 503 = 'reset'): OneShotFault => ({
  method,
  kind: 'lose-answer',
  answer,
});

describe('applyPlan after a lost answer (Google committed the write, the answer never came)', () => {
  const tenant: TenantSeed = {
    users: [{ primaryEmail: 'hana@example.com', aliases: ['hana.sales@example.com'] }],
    orgUnits: [{ path: '/Partners' }, { path: '/Sales', description: 'sales' }],
    policies: [...ALLOW_ALL, { orgUnitPath: '/Partners', allowUsersToUseExternalSmtpServers: true }],
    sendAs: [
      { userEmail: 'hana@example.com', sendAsEmail: 'hana.sales@example.com', displayName: 'Hana' },
      {
        userEmail: 'hana@example.com',
        sendAsEmail: 'hana@old-partner.com',
        smtpMsa: { host: 'smtp.old-partner.example', port: 587, securityMode: 'starttls' },
      },
    ],
  };
  beforeEach(() => bench.seed(tenant));
  const hana = (): Array<{ sendAsEmail: string; displayName?: string; isDefault?: boolean; smtpMsa?: unknown }> =>
    bench.identities('hana@example.com');

  test('a send-as create: the retry is told it exists, converges it and sends the credentials again', async () => {
    const authenticated = bench.relay.authenticated;
    const { notes } = await applyWithLostAnswer(lose('gmail.users.settings.sendAs.create'), [
      sendAsChange('hana@example.com', 'hana@partner.com', 'create', { displayName: 'Hana P', smtp: bench.smtp() }),
    ]);
    // An external identity stays pending after the converge: Gmail still waits for its owner's confirmation.
    expect(notes).toEqual(['already existed; converged; waiting for verification']);
    expect(hana().filter((s) => s.sendAsEmail === 'hana@partner.com')).toEqual([
      expect.objectContaining({ displayName: 'Hana P', smtpMsa: expect.objectContaining({ port: bench.relay.port }) }),
    ]);
    // Once on the lost create, once more on the converging patch.
    expect(bench.relay.authenticated - authenticated).toBe(2);
    const entry = bench.state.object('sendAs:hana@example.com/hana@partner.com') as SendAsObject;
    expect(entry.credentials?.passwordFingerprint).toBe(fingerprintSecret(CANARY, KEY));
  });

  test('a default switch: the identity is the default and the primary no longer is', async () => {
    await applyWithLostAnswer(lose('gmail.users.settings.sendAs.patch', 503), [
      sendAsChange(
        'hana@example.com',
        'hana.sales@example.com',
        'update',
        { isDefault: true },
        { fields: ['isDefault'], cause: 'default-switch' },
      ),
    ]);
    expect(hana().find((s) => s.sendAsEmail === 'hana.sales@example.com')?.isDefault).toBe(true);
    const admin = bench.client().admin;
    const all = await admin.listSendAs('hana@example.com');
    expect(all.filter((s) => s.isDefault).map((s) => s.sendAsEmail)).toEqual(['hana.sales@example.com']);
  });

  test('a send-as update', async () => {
    await applyWithLostAnswer(lose('gmail.users.settings.sendAs.patch'), [
      sendAsChange(
        'hana@example.com',
        'hana.sales@example.com',
        'update',
        { displayName: 'Hana (Sales)' },
        {
          fields: ['displayName'],
        },
      ),
    ]);
    expect(hana().find((s) => s.sendAsEmail === 'hana.sales@example.com')?.displayName).toBe('Hana (Sales)');
  });

  test('a send-as delete: the retry finds it gone', async () => {
    const { notes } = await applyWithLostAnswer(lose('gmail.users.settings.sendAs.delete'), [
      sendAsChange('hana@example.com', 'hana@old-partner.com', 'delete'),
    ]);
    expect(notes).toEqual(['already gone']);
    expect(hana().map((s) => s.sendAsEmail)).toEqual(['hana.sales@example.com']);
  });

  test('the delete of a replace (an SMTP endpoint removed): the identity is created again without it', async () => {
    await applyWithLostAnswer(lose('gmail.users.settings.sendAs.delete', 503), [
      sendAsChange('hana@example.com', 'hana@old-partner.com', 'replace', { displayName: 'Hana (on behalf)' }),
    ]);
    const replaced = hana().filter((s) => s.sendAsEmail === 'hana@old-partner.com');
    expect(replaced).toEqual([expect.objectContaining({ displayName: 'Hana (on behalf)' })]);
    expect(replaced[0].smtpMsa).toBeUndefined();
  });

  test('an OU create: the retry is told it exists and finds it', async () => {
    const { notes } = await applyWithLostAnswer(lose('directory.orgunits.insert'), [
      orgUnitChange('/Support', 'create', { description: 'help desk' }),
    ]);
    expect(notes).toEqual(['already existed']);
    expect(bench.snapshot().orgUnits).toContainEqual({ path: '/Support', description: 'help desk' });
    expect(bench.state.object('orgUnit:/support')).toMatchObject({ kind: 'orgUnit', orgUnitId: expect.any(String) });
  });

  test('an OU rename (patched by id, so the retry still finds it)', async () => {
    const { orgUnitId } = await idsOf(bench.client().admin, '/Sales');
    await applyWithLostAnswer(lose('directory.orgunits.patch'), [
      orgUnitChange('/Revenue', 'update', { orgUnitId, livePath: '/Sales', cause: 'move', description: 'sales' }),
    ]);
    expect((bench.snapshot().orgUnits ?? []).map((o) => o.path).sort()).toEqual(['/Partners', '/Revenue']);
  });

  test('an OU delete: the retry finds it gone', async () => {
    const { orgUnitId } = await idsOf(bench.client().admin, '/Sales');
    const { notes } = await applyWithLostAnswer(lose('directory.orgunits.delete'), [
      orgUnitChange('/Sales', 'delete', { orgUnitId }),
    ]);
    expect(notes).toEqual(['already gone']);
    expect((bench.snapshot().orgUnits ?? []).map((o) => o.path)).toEqual(['/Partners']);
  });

  test('a gateway policy create: the retry is told it exists and finds it as wanted', async () => {
    const { notes } = await applyWithLostAnswer(lose('cloudidentity.policies.create'), [policyChange('/Sales', true)]);
    expect(notes).toEqual(['already existed']);
    expect(bench.snapshot().policies).toContainEqual({
      orgUnitPath: '/Sales',
      allowUsersToUseExternalSmtpServers: true,
    });
    expect(bench.snapshot().policies?.filter((p) => p.orgUnitPath === '/Sales')).toHaveLength(1);
  });

  test('a gateway policy update and a policy delete', async () => {
    const partners = await idsOf(bench.client().admin, '/Partners');
    const root = await idsOf(bench.client().admin, '/');
    await bench.arm(lose('cloudidentity.policies.patch'));
    const { notes } = await applyWithLostAnswer(lose('cloudidentity.policies.delete'), [
      policyChange('/Partners', false, 'update', { orgUnitId: partners.orgUnitId, policyName: partners.policyName }),
      policyChange('/', 'inherit', 'delete', { orgUnitId: root.orgUnitId, policyName: root.policyName }),
    ]);
    expect(notes).toEqual(['already gone']);
    expect(bench.snapshot().policies).toEqual([
      { orgUnitPath: '/Partners', allowUsersToUseExternalSmtpServers: false },
    ]);
  });

  test('a user placement', async () => {
    await applyWithLostAnswer(lose('directory.users.patch'), [placementChange('hana@example.com', '/Partners')]);
    expect(bench.snapshot().users?.find((u) => u.primaryEmail === 'hana@example.com')?.orgUnitPath).toBe('/Partners');
  });

  test('an alias added and an alias removed', async () => {
    await bench.arm(lose('directory.users.aliases.insert'));
    const { notes } = await applyWithLostAnswer(lose('directory.users.aliases.delete'), [
      aliasChange('hana@example.com', 'hana.support@example.com'),
      aliasChange('hana@example.com', 'hana.sales@example.com', 'delete'),
    ]);
    expect(notes.sort()).toEqual(['already an alias', 'already gone']);
    expect(bench.snapshot().users?.find((u) => u.primaryEmail === 'hana@example.com')?.aliases).toEqual([
      'hana.support@example.com',
    ]);
  });
});

describe('applyPlan and group policies, forgetting', () => {
  test('a group policy delete after a lost answer: the retry finds it gone', async () => {
    bench.seed({
      users: ['lou@example.com'],
      groups: [{ email: 'relays@example.com', members: ['lou@example.com'] }],
      policies: [{ groupEmail: 'relays@example.com', allowUsersToUseExternalSmtpServers: true }],
    });
    const [policy] = await bench.client().admin.listGroupGatewayPolicies();
    const change: Change = {
      id: 'groupPolicy:relays@example.com',
      subject: 'relays@example.com',
      attributes: [],
      dependsOn: [],
      security: ['destructive'],
      cause: 'scope',
      kind: 'groupPolicy',
      action: 'delete',
      target: { groupId: policy.groupId, groupEmail: 'relays@example.com', policyName: policy.name, orgUnitPath: '/' },
    };

    const { notes } = await applyWithLostAnswer(lose('cloudidentity.policies.delete'), [change]);

    expect(notes).toEqual(['already gone']);
    expect(bench.snapshot().policies).toEqual([]);
  });

  test('a forget leaves every object in the tenant and drops it from the state', async () => {
    bench.seed({ users: ['mia@example.com'] });
    await applyPlan(
      planOf([orgUnitChange('/Kept'), sendAsChange('mia@example.com', 'mia@partner.com')]),
      bench.options(bench.client().admin),
    );
    expect(Object.keys(bench.state.state.objects).sort()).toEqual([
      'orgUnit:/kept',
      'sendAs:mia@example.com/mia@partner.com',
    ]);
    const before = JSON.stringify(bench.snapshot());
    const base = { attributes: [], dependsOn: [], security: [], cause: 'removed' as const, action: 'forget' as const };
    const forget: Change[] = [
      { ...base, id: 'orgUnit:/kept', subject: '/Kept', kind: 'orgUnit', target: { path: '/Kept' } },
      {
        ...base,
        id: 'sendAs:mia@example.com/mia@partner.com',
        subject: 'mia@example.com → mia@partner.com',
        kind: 'sendAs',
        target: { userEmail: 'mia@example.com', sendAsEmail: 'mia@partner.com' },
      },
    ];
    const { log, admin } = bench.client();

    const result = await applyPlan(planOf(forget), bench.options(admin));

    expect(result.done).toHaveLength(2);
    expect(log.calls).toEqual([]);
    expect(JSON.stringify(bench.snapshot())).toBe(before);
    expect((await bench.stored()).state.objects).toEqual({});
  });
});

describe('applyPlan and failing calls', () => {
  test('retries 503s, a 429 and a 500, and makes each change once', async () => {
    bench.seed({ users: ['ivan@example.com'] });
    await bench.arm({ method: 'gmail.users.settings.sendAs.create', kind: 'fail-before', status: 503, times: 2 });
    await bench.arm({ method: 'directory.orgunits.insert', kind: 'fail-before', status: 429 });
    await bench.arm({ method: 'directory.users.patch', kind: 'fail-before', status: 500 });
    const { admin } = bench.client();

    const result = await applyPlan(
      planOf([
        orgUnitChange('/Partners'),
        placementChange('ivan@example.com', '/Partners', { dependsOn: ['orgUnit:/partners'] }),
        sendAsChange(
          'ivan@example.com',
          'ivan@partner.com',
          'create',
          {},
          { dependsOn: ['userPlacement:ivan@example.com'] },
        ),
      ]),
      bench.options(admin),
    );

    expect(applyExitCode(result)).toBe(0);
    expect(result.calls).toMatchObject({
      'gmail.users.settings.sendAs.create': 3,
      'directory.orgunits.insert': 2,
      'directory.users.patch': 2,
    });
    expect(admin.stats().retries).toMatchObject({
      'gmail.users.settings.sendAs.create': 2,
      'directory.orgunits.insert': 1,
      'directory.users.patch': 1,
    });
    expect(bench.identities('ivan@example.com').map((s) => s.sendAsEmail)).toEqual(['ivan@partner.com']);
    expect(bench.snapshot().users?.find((u) => u.primaryEmail === 'ivan@example.com')?.orgUnitPath).toBe('/Partners');
  });

  test('gives up once the retry deadline passes: the change fails saying so, its dependants are skipped, the rest is done', async () => {
    bench.seed({ users: ['jon@example.com', 'kai@example.com'] });
    await bench.arm({
      method: 'gmail.users.settings.sendAs.create',
      kind: 'fail-before',
      status: 503,
      user: 'jon@example.com',
      times: 1000,
    });
    const result = await applyPlan(
      planOf([
        sendAsChange('jon@example.com', 'jon@partner.com'),
        sendAsChange(
          'jon@example.com',
          'old@partner.com',
          'delete',
          {},
          { dependsOn: ['sendAs:jon@example.com/jon@partner.com'] },
        ),
        sendAsChange('kai@example.com', 'kai@partner.com'),
      ]),
      bench.options(bench.client().admin),
    );

    expect(result.failed.map((f) => f.change.id)).toEqual(['sendAs:jon@example.com/jon@partner.com']);
    expect(result.failed[0].error.message).toMatch(
      /gave up after \d+ attempts in \d+ s; last failure 503 backendError/,
    );
    expect(result.skipped.map((s) => s.reason)).toEqual([
      'depends on sendAs:jon@example.com/jon@partner.com, which failed',
    ]);
    expect(bench.identities('jon@example.com')).toEqual([]);
    expect(bench.identities('kai@example.com').map((s) => s.sendAsEmail)).toEqual(['kai@partner.com']);
    expect(applyExitCode(result)).toBe(1);
  });
});
