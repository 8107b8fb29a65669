/**
 * How apply schedules a plan — dependency order, bounded concurrency, one mailbox at a time, failures that skip
 * only their dependants, cycles, progress output — through the real client against the emulator.
 */
import { PassThrough } from 'node:stream';

import { applyExitCode, applyPlan, createProgressReporter, formatApplySummary } from '../../../lib/engine/apply';
import { CANARY, useApplyBench } from './helpers/apply-bench';
import { orgUnitChange, placementChange, planOf, policyChange, recorder, sendAsChange } from './helpers/plan-builder';
import type { Change } from '../../../lib/engine/change';

const bench = useApplyBench();

function aliasChange(userEmail: string, alias: string, extra: { dependsOn?: string[] } = {}): Change {
  return {
    id: `alias:${userEmail}/${alias}`,
    subject: `${userEmail} alias ${alias}`,
    attributes: [],
    dependsOn: extra.dependsOn ?? [],
    security: [],
    cause: 'code',
    kind: 'alias',
    action: 'create',
    target: { userEmail, alias },
    desired: { userEmail, alias },
  };
}

describe('applyPlan ordering', () => {
  test('creates OUs parent-first, the policy and the placement before identities, the alias before its identity, the default last', async () => {
    bench.seed({ users: ['alice@example.com'] });
    const { admin, log } = bench.client();
    const own = 'sendAs:alice@example.com/alice.partners@example.com';
    const plan = planOf([
      // Listed in the worst possible order on purpose: only dependsOn decides.
      {
        ...sendAsChange(
          'alice@example.com',
          'alice.partners@example.com',
          'update',
          { displayName: 'Alice (Partners)', isDefault: true },
          { dependsOn: [own], fields: ['isDefault'], cause: 'default-switch' },
        ),
        id: `${own}#isDefault`,
      },
      sendAsChange(
        'alice@example.com',
        'alice.partners@example.com',
        'create',
        { displayName: 'Alice (Partners)', isDefault: true },
        { dependsOn: ['alias:alice@example.com/alice.partners@example.com'] },
      ),
      aliasChange('alice@example.com', 'alice.partners@example.com'),
      sendAsChange(
        'alice@example.com',
        'alice@partner.com',
        'create',
        { displayName: 'Alice', smtp: bench.smtp() },
        { dependsOn: ['gatewayPolicy:/sales/partners', 'userPlacement:alice@example.com'] },
      ),
      placementChange('alice@example.com', '/Sales/Partners', { dependsOn: ['orgUnit:/sales/partners'] }),
      policyChange('/Sales/Partners', true, 'create', { dependsOn: ['orgUnit:/sales/partners'] }),
      orgUnitChange('/Sales/Partners', 'create', { dependsOn: ['orgUnit:/sales'] }),
      orgUnitChange('/Sales'),
    ]);
    const authenticated = bench.relay.authenticated;

    const result = await applyPlan(plan, bench.options(admin));

    expect(result.failed).toEqual([]);
    expect(result.done).toHaveLength(8);
    expect(applyExitCode(result)).toBe(0);
    // What the tenant holds afterwards.
    const tenant = bench.snapshot();
    expect((tenant.orgUnits ?? []).map((o) => o.path)).toEqual(['/Sales', '/Sales/Partners']);
    expect(tenant.policies).toEqual([{ orgUnitPath: '/Sales/Partners', allowUsersToUseExternalSmtpServers: true }]);
    expect(tenant.users?.find((u) => u.primaryEmail === 'alice@example.com')).toMatchObject({
      orgUnitPath: '/Sales/Partners',
      aliases: ['alice.partners@example.com'],
    });
    const identities = bench.identities('alice@example.com');
    expect(identities.find((s) => s.sendAsEmail === 'alice.partners@example.com')).toMatchObject({
      isDefault: true,
      verificationStatus: 'accepted',
    });
    expect(identities.find((s) => s.sendAsEmail === 'alice@partner.com')).toMatchObject({
      smtpMsa: { host: bench.relay.host, port: bench.relay.port, securityMode: 'starttls' },
    });
    // Gmail's SMTP check logged in to the relay with the password from the environment.
    expect(bench.relay.authenticated - authenticated).toBe(1);
    // The order the calls went out in.
    const order = log.calls.map((c) =>
      c.method === 'createSendAs' ? `createSendAs ${(c.args[1] as { sendAsEmail: string }).sendAsEmail}` : c.method,
    );
    const at = (call: string): number => order.indexOf(call);
    expect(order.filter((m) => m === 'createOrgUnit')).toHaveLength(2);
    expect(log.calls.filter((c) => c.method === 'createOrgUnit').map((c) => c.args[0])).toEqual([
      { name: 'Sales', parentOrgUnitPath: '/' },
      { name: 'Partners', parentOrgUnitPath: '/Sales' },
    ]);
    expect(order.lastIndexOf('createOrgUnit')).toBeLessThan(at('setGatewayPolicy'));
    expect(order.lastIndexOf('createOrgUnit')).toBeLessThan(at('moveUser'));
    expect(at('setGatewayPolicy')).toBeLessThan(at('createSendAs alice@partner.com'));
    expect(at('moveUser')).toBeLessThan(at('createSendAs alice@partner.com'));
    expect(at('addUserAlias')).toBeLessThan(at('createSendAs alice.partners@example.com'));
    expect(at('createSendAs alice.partners@example.com')).toBeLessThan(at('patchSendAs'));
    expect(log.calls.find((c) => c.method === 'patchSendAs')?.args[2]).toEqual({ isDefault: true });
  });

  test('keeps at most `concurrency` calls in flight while running independent changes in parallel', async () => {
    const users = Array.from({ length: 40 }, (_, i) => `user${i}@example.com`);
    bench.seed({ users });
    // A little latency so that calls overlap.
    bench.emulator.control.setKnobs({ latencyMs: 5 });
    const { admin, log } = bench.client();
    const changes = users.map((u, i) =>
      sendAsChange(u, `user${i}@partner.com`, 'create', { displayName: `User ${i}` }),
    );

    const result = await applyPlan(planOf(changes), bench.options(admin, { concurrency: 4 }));

    expect(result.done).toHaveLength(40);
    expect(log.maxInFlight).toBe(4);
    for (const [i, u] of users.entries()) {
      expect(bench.identities(u).map((s) => s.sendAsEmail)).toEqual([`user${i}@partner.com`]);
    }
  });

  test('runs one user’s send-as changes one at a time', async () => {
    bench.seed({
      users: ['bob@example.com'],
      sendAs: [{ userEmail: 'bob@example.com', sendAsEmail: 'old@partner.com' }],
    });
    bench.emulator.control.setKnobs({ latencyMs: 2 });
    const { admin, log } = bench.client();
    const changes = [
      ...Array.from({ length: 8 }, (_, i) => sendAsChange('bob@example.com', `bob${i}@partner.com`)),
      sendAsChange('bob@example.com', 'old@partner.com', 'delete'),
    ];

    const result = await applyPlan(planOf(changes), bench.options(admin, { concurrency: 10 }));

    expect(result.done).toHaveLength(9);
    expect(log.maxInFlightPerUser).toBe(1);
    expect(
      bench
        .identities('bob@example.com')
        .map((s) => s.sendAsEmail)
        .sort(),
    ).toEqual(Array.from({ length: 8 }, (_, i) => `bob${i}@partner.com`));
  });

  test('fails a change, skips what depends on it with the reason, and still does the rest', async () => {
    bench.seed({ users: ['carol@example.com', 'dave@example.com'] });
    await bench.arm({ method: 'directory.orgunits.insert', kind: 'fail-before', status: 403 });
    const { admin } = bench.client();
    const plan = planOf([
      orgUnitChange('/Partners'),
      policyChange('/Partners', true, 'create', { dependsOn: ['orgUnit:/partners'] }),
      sendAsChange('carol@example.com', 'carol@partner.com', 'create', {}, { dependsOn: ['gatewayPolicy:/partners'] }),
      sendAsChange('dave@example.com', 'dave@partner.com'),
    ]);
    const { events, onEvent } = recorder();
    const policyCreates = bench.callCounts()['cloudidentity.policies.create'] ?? 0;

    const result = await applyPlan(plan, bench.options(admin, { onEvent }));

    expect(result.failed.map((f) => f.change.id)).toEqual(['orgUnit:/partners']);
    expect(result.failed[0].error.message).toMatch(/permission denied for admin@example.com/);
    expect(result.skipped).toEqual([
      expect.objectContaining({ reason: 'depends on orgUnit:/partners, which failed' }),
      expect.objectContaining({ reason: 'depends on gatewayPolicy:/partners, which was skipped' }),
    ]);
    expect(result.done.map((c) => c.id)).toEqual(['sendAs:dave@example.com/dave@partner.com']);
    expect(applyExitCode(result)).toBe(1);
    expect(events.filter((e) => e.type === 'change-skipped')).toHaveLength(2);
    // The tenant: only the independent identity was made.
    expect(bench.callCounts()['cloudidentity.policies.create'] ?? 0).toBe(policyCreates);
    expect(bench.snapshot().orgUnits).toEqual([]);
    expect(bench.identities('carol@example.com')).toEqual([]);
    expect(bench.identities('dave@example.com').map((s) => s.sendAsEmail)).toEqual(['dave@partner.com']);
  });

  test('reports changes on a dependency cycle as skipped instead of hanging', async () => {
    const { admin } = bench.client();
    const plan = planOf([
      orgUnitChange('/A', 'create', { dependsOn: ['orgUnit:/b'] }),
      orgUnitChange('/B', 'create', { dependsOn: ['orgUnit:/a'] }),
      orgUnitChange('/C'),
    ]);

    const result = await applyPlan(plan, bench.options(admin));

    expect(result.done.map((c) => c.id)).toEqual(['orgUnit:/c']);
    expect(result.skipped.map((s) => s.reason)).toEqual([
      'its dependencies form a cycle',
      'its dependencies form a cycle',
    ]);
    expect((bench.snapshot().orgUnits ?? []).map((o) => o.path)).toEqual(['/C']);
  });
});

describe('applyPlan progress', () => {
  test('prints a line per change as it finishes, notes convergence after a lost answer, and sums up what was left', async () => {
    bench.seed({
      users: ['erin@example.com', 'finn@example.com'],
      policies: [{ orgUnitPath: '/', allowUsersToUseExternalSmtpServers: true }],
    });
    // The identity's create is committed, but its answer is lost; the client's retry is told it already exists.
    await bench.arm({ method: 'gmail.users.settings.sendAs.create', kind: 'lose-answer', user: 'erin@example.com' });
    await bench.arm({
      method: 'gmail.users.settings.sendAs.create',
      kind: 'fail-before',
      status: 400,
      user: 'finn@example.com',
    });
    const { admin } = bench.client();
    const plan = planOf([
      sendAsChange('erin@example.com', 'erin@partner.com', 'create', { displayName: 'Erin', smtp: bench.smtp() }),
      sendAsChange('finn@example.com', 'finn@partner.com'),
      sendAsChange(
        'finn@example.com',
        'old@partner.com',
        'delete',
        {},
        { dependsOn: ['sendAs:finn@example.com/finn@partner.com'] },
      ),
    ]);
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c.toString()));
    const reporter = createProgressReporter(stream, plan);

    const result = await applyPlan(plan, bench.options(admin, { onEvent: reporter.onEvent }));
    reporter.stop();

    const lines = chunks.join('').split('\n');
    expect(lines[0]).toBe('Applying 3 changes…');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\[\d\/3\] done {5}\+ sendAs erin@example\.com → erin@partner\.com \(already existed; converged; waiting for verification\)$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^\[\d\/3\] FAILED {3}\+ sendAs finn@example\.com → finn@partner\.com: .*400 badRequest/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\[\d\/3\] skipped {2}- sendAs finn@example\.com → old@partner\.com: depends on sendAs:finn@example\.com\/finn@partner\.com, which failed$/,
      ),
    );
    const summary = formatApplySummary(result);
    expect(summary).toMatch(/^Apply incomplete: 1 done, 1 failed, 0 pending, 1 skipped, 0 manual steps left\.\n/);
    expect(summary).toMatch(/Done:\n {2}\+ sendAs erin@example.com → erin@partner.com\n/);
    expect(summary).toMatch(/Run plan and apply again to finish/);
    expect(chunks.join('') + summary).not.toContain(CANARY);
    // The identity exists once, with the endpoint.
    expect(bench.identities('erin@example.com')).toEqual([
      expect.objectContaining({ sendAsEmail: 'erin@partner.com', displayName: 'Erin', smtpMsa: expect.anything() }),
    ]);
  });
});
