/**
 * What apply waits for, refuses or records: the gateway setting propagating, manual steps, SMTP secrets (never
 * written anywhere, fingerprinted in the state), a read-only client — through the real client against the
 * emulator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { applyExitCode, applyPlan } from '../../../lib/engine/apply';
import { fingerprintSecret } from '../../../lib/model/secret-ref';
import type { SendAsObject } from '../../../lib/state/stack-state';
import { CANARY, KEY, RELAY_USER, useApplyBench } from './helpers/apply-bench';
import { fakeClock, orgUnitChange, planOf, policyChange, recorder, sendAsChange } from './helpers/plan-builder';

const bench = useApplyBench();
const HOUR = 3_600_000;

/** The sum of the calls the emulator has received. */
function totalCalls(): number {
  return Object.values(bench.callCounts()).reduce((a, b) => a + b, 0);
}

describe('applyPlan and eventual consistency', () => {
  // The policy this plan sets takes an hour to reach Gmail (emulator knob `propagationDelayMs`); apply's clock is
  // virtual, so the test says when that hour has passed by lifting the delay.
  const plan = () =>
    planOf([
      policyChange('/Partners', true),
      sendAsChange(
        'hal@example.com',
        'hal@partner.com',
        'create',
        { smtp: bench.smtp() },
        { dependsOn: ['gatewayPolicy:/partners'] },
      ),
      sendAsChange(
        'hal@example.com',
        'old@partner.com',
        'delete',
        {},
        { dependsOn: ['sendAs:hal@example.com/hal@partner.com'] },
      ),
    ]);
  beforeEach(() => {
    bench.seed({
      orgUnits: [{ path: '/Partners' }],
      users: [{ primaryEmail: 'hal@example.com', orgUnitPath: '/Partners' }],
      sendAs: [{ userEmail: 'hal@example.com', sendAsEmail: 'old@partner.com' }],
    });
    bench.emulator.control.setKnobs({ propagationDelayMs: HOUR });
  });

  test('retries an identity Gmail refuses until the gateway setting propagates, within the timeout', async () => {
    const clock = fakeClock();
    const { events, onEvent } = recorder();
    let sleeps = 0;
    const sleep = async (ms: number): Promise<void> => {
      await clock.sleep(ms);
      if (++sleeps === 3) bench.emulator.control.setKnobs({ propagationDelayMs: 0 });
    };

    const result = await applyPlan(
      plan(),
      bench.options(bench.client().admin, { now: clock.now, sleep, onEvent, propagationTimeoutMs: 60_000 }),
    );

    expect(result.done).toHaveLength(3);
    expect(clock.slept).toEqual([5000, 10000, 20000]);
    expect(events.filter((e) => e.type === 'waiting')).toHaveLength(3);
    expect(bench.identities('hal@example.com').map((s) => s.sendAsEmail)).toEqual(['hal@partner.com']);
  });

  test('reports the identity pending past the timeout, skips its dependants and exits 3', async () => {
    const clock = fakeClock();

    const result = await applyPlan(
      plan(),
      bench.options(bench.client().admin, { now: clock.now, sleep: clock.sleep, propagationTimeoutMs: 15 * 60_000 }),
    );

    expect(result.done.map((c) => c.id)).toEqual(['gatewayPolicy:/partners']);
    expect(result.pending.map((c) => c.id)).toEqual(['sendAs:hal@example.com/hal@partner.com']);
    expect(result.skipped[0].reason).toMatch(/is pending propagation/);
    expect(applyExitCode(result)).toBe(3);
    expect(clock.now()).toBeLessThanOrEqual(15 * 60_000);
    expect(clock.now()).toBeGreaterThan(10 * 60_000);
    // Nothing the pending identity guards was touched.
    expect(bench.identities('hal@example.com').map((s) => s.sendAsEmail)).toEqual(['old@partner.com']);
  });

  test('tolerates a not-found right after creating an OU', async () => {
    bench.emulator.control.setKnobs({ propagationDelayMs: 0 });
    await bench.arm({ method: 'cloudidentity.policies.create', kind: 'fail-before', status: 404, times: 2 });
    const result = await applyPlan(
      planOf([orgUnitChange('/New'), policyChange('/New', true, 'create', { dependsOn: ['orgUnit:/new'] })]),
      bench.options(bench.client().admin),
    );
    expect(result.done).toHaveLength(2);
    expect(bench.snapshot().policies).toEqual([{ orgUnitPath: '/New', allowUsersToUseExternalSmtpServers: true }]);
  });
});

describe('applyPlan and manual steps', () => {
  const manualPlan = () =>
    planOf([
      policyChange('/Partners', true, 'manual', {
        manualSteps: ['Go to Apps > Google Workspace > Gmail > End User Access.'],
      }),
      sendAsChange('jo@example.com', 'jo@partner.com', 'create', {}, { dependsOn: ['gatewayPolicy:/partners'] }),
    ]);
  beforeEach(() => bench.seed({ users: ['jo@example.com'], orgUnits: [{ path: '/Partners' }] }));

  test('shows the steps and skips the dependants when not waiting (exit 4)', async () => {
    const { events, onEvent } = recorder();

    const result = await applyPlan(manualPlan(), bench.options(bench.client().admin, { onEvent }));

    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'manual-step',
        steps: ['Go to Apps > Google Workspace > Gmail > End User Access.'],
      }),
    );
    expect(result.manual.map((c) => c.id)).toEqual(['gatewayPolicy:/partners']);
    expect(result.skipped[0].reason).toMatch(/manual step not confirmed/);
    expect(applyExitCode(result)).toBe(4);
    expect(bench.identities('jo@example.com')).toEqual([]);
    expect(bench.snapshot().policies).toEqual([]);
  });

  test('waits for a person to change the setting, then continues with the dependants', async () => {
    // The person, in the Admin console (here: another client of the same tenant).
    const console = bench.client().admin;
    const partners = (await console.listOrgUnits()).find((o) => o.orgUnitPath === '/Partners');
    let polls = 0;
    const clock = fakeClock();
    const sleep = async (ms: number): Promise<void> => {
      await clock.sleep(ms);
      if (++polls === 3) await console.setGatewayPolicy(partners?.orgUnitId ?? '', true);
    };

    const result = await applyPlan(
      manualPlan(),
      bench.options(bench.client().admin, {
        now: clock.now,
        sleep,
        waitForManualMs: 10 * 60_000,
        pollIntervalMs: 30_000,
      }),
    );

    expect(result.done.map((c) => c.id)).toEqual(['gatewayPolicy:/partners', 'sendAs:jo@example.com/jo@partner.com']);
    expect(applyExitCode(result)).toBe(0);
    expect(clock.now()).toBe(90_000);
    expect(bench.identities('jo@example.com').map((s) => s.sendAsEmail)).toEqual(['jo@partner.com']);
  });

  test('turns a refused policy write into a manual step and records the refusal in the state', async () => {
    bench.emulator.control.setKnobs({ policyWrites: 'refused' });
    const plan = planOf([
      policyChange('/Partners', true),
      sendAsChange('jo@example.com', 'jo@partner.com', 'create', {}, { dependsOn: ['gatewayPolicy:/partners'] }),
    ]);
    const { events, onEvent } = recorder();

    const result = await applyPlan(plan, bench.options(bench.client().admin, { onEvent }));

    expect(result.manual).toHaveLength(1);
    const step = events.find((e) => e.type === 'manual-step');
    expect(step && step.type === 'manual-step' && step.steps.join('\n')).toMatch(/End User Access[\s\S]*\/Partners/);
    expect((await bench.stored()).state.facts.policyWritesRefused).toBe(true);
    expect(applyExitCode(result)).toBe(4);
    expect(bench.snapshot().policies).toEqual([]);
  });
});

test('a group policy the Policy API will not remove becomes a manual step naming the group', async () => {
  bench.seed({
    users: ['jo@example.com'],
    groups: [{ email: 'relays@example.com', members: ['jo@example.com'] }],
    policies: [{ groupEmail: 'relays@example.com', allowUsersToUseExternalSmtpServers: true }],
  });
  bench.emulator.control.setKnobs({ policyWrites: 'refused' });
  const [policy] = await bench.client().admin.listGroupGatewayPolicies();
  const { events, onEvent } = recorder();

  const result = await applyPlan(
    planOf([
      {
        id: 'groupPolicy:relays@example.com',
        subject: 'relays@example.com',
        attributes: [],
        dependsOn: [],
        security: ['destructive'],
        cause: 'scope',
        kind: 'groupPolicy',
        action: 'delete',
        target: {
          groupId: policy.groupId,
          groupEmail: 'relays@example.com',
          policyName: policy.name,
          orgUnitPath: '/',
        },
      },
    ]),
    bench.options(bench.client().admin, { onEvent }),
  );

  expect(applyExitCode(result)).toBe(4);
  const step = events.find((e) => e.type === 'manual-step');
  expect(step && step.type === 'manual-step' && step.steps.join('\n')).toMatch(/Groups and select relays@example.com/);
  expect(bench.snapshot().policies).toEqual([
    { groupEmail: 'relays@example.com', allowUsersToUseExternalSmtpServers: true },
  ]);
  expect((await bench.stored()).state.facts.policyWritesRefused).toBe(true);
});

describe('applyPlan secrets and the state', () => {
  beforeEach(() =>
    bench.seed({
      users: ['kim@example.com', 'lee@example.com', 'max@example.com', 'ned@example.com', 'ola@example.com'],
      policies: [{ orgUnitPath: '/', allowUsersToUseExternalSmtpServers: true }],
      sendAs: [{ userEmail: 'max@example.com', sendAsEmail: 'max@partner.com', displayName: 'Old' }],
    }),
  );

  test('records keyed fingerprints after each SMTP write and never the secret itself', async () => {
    const { events, onEvent } = recorder();

    const result = await applyPlan(
      planOf([sendAsChange('kim@example.com', 'kim@partner.com', 'create', { smtp: bench.smtp() })]),
      bench.options(bench.client().admin, { onEvent }),
    );

    expect(result.done).toHaveLength(1);
    const text = readFileSync(join(bench.dir, 'state', 'test.json'), 'utf8');
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(RELAY_USER);
    expect(JSON.stringify(events, (_k, v: unknown) => (v instanceof Error ? v.message : v))).not.toContain(CANARY);
    expect(JSON.stringify(bench.snapshot())).not.toContain(CANARY);
    const entry = (await bench.stored()).object('sendAs:kim@example.com/kim@partner.com') as SendAsObject;
    expect(entry).toMatchObject({ kind: 'sendAs', origin: 'created', removalPolicy: 'destroy' });
    expect(entry.credentials).toEqual({
      passwordFingerprint: fingerprintSecret(CANARY, KEY),
      usernameFingerprint: fingerprintSecret(RELAY_USER, KEY),
      endpoint: `${bench.relay.host}:${bench.relay.port}/starttls`,
      passwordRef: 'env:RELAY_PASSWORD',
    });
  });

  test('rotation: an update re-sends the new password and records its fingerprint; a delete forgets the identity', async () => {
    const create = sendAsChange('lee@example.com', 'lee@partner.com', 'create', { smtp: bench.smtp() });
    await applyPlan(planOf([create]), bench.options(bench.client().admin));

    // The partner rotated the password: the relay now accepts only the new one.
    bench.relayAccounts[RELAY_USER] = 'rotated-secret';
    const authenticated = bench.relay.authenticated;
    const rotate = sendAsChange(
      'lee@example.com',
      'lee@partner.com',
      'update',
      { smtp: bench.smtp() },
      { fields: ['smtpMsa'], cause: 'rotation' },
    );
    const rotated = await applyPlan(
      planOf([rotate]),
      bench.options(bench.client().admin, { env: { RELAY_PASSWORD: 'rotated-secret' } }),
    );

    expect(rotated.failed).toEqual([]);
    // Gmail's SMTP check logged in with the new password.
    expect(bench.relay.authenticated - authenticated).toBe(1);
    const id = 'sendAs:lee@example.com/lee@partner.com';
    expect(((await bench.stored()).object(id) as SendAsObject).credentials?.passwordFingerprint).toBe(
      fingerprintSecret('rotated-secret', KEY),
    );

    await applyPlan(
      planOf([sendAsChange('lee@example.com', 'lee@partner.com', 'delete')]),
      bench.options(bench.client().admin),
    );
    expect((await bench.stored()).object(id)).toBeUndefined();
    expect(bench.identities('lee@example.com')).toEqual([]);
  });

  test('a rotation whose new password the relay refuses fails the change and keeps the old fingerprint', async () => {
    const create = sendAsChange('lee@example.com', 'lee@partner.com', 'create', { smtp: bench.smtp() });
    await applyPlan(planOf([create]), bench.options(bench.client().admin));
    const rotate = sendAsChange(
      'lee@example.com',
      'lee@partner.com',
      'update',
      { smtp: bench.smtp() },
      { fields: ['smtpMsa'], cause: 'rotation' },
    );

    const result = await applyPlan(
      planOf([rotate]),
      bench.options(bench.client().admin, { env: { RELAY_PASSWORD: 'a-wrong-password' } }),
    );

    expect(result.failed[0].error.message).toMatch(/SMTP validation failed: .*rejected the SMTP authentication/);
    expect(result.failed[0].error.message).not.toContain('a-wrong-password');
    const entry = (await bench.stored()).object('sendAs:lee@example.com/lee@partner.com') as SendAsObject;
    expect(entry.credentials?.passwordFingerprint).toBe(fingerprintSecret(CANARY, KEY));
  });

  test('an update of other fields does not need the secret', async () => {
    const change = sendAsChange(
      'max@example.com',
      'max@partner.com',
      'update',
      { displayName: 'Max', smtp: bench.smtp('UNSET') },
      { fields: ['displayName'] },
    );
    const result = await applyPlan(planOf([change]), bench.options(bench.client().admin));
    expect(result.done).toHaveLength(1);
    expect(bench.identities('max@example.com')[0].displayName).toBe('Max');
  });

  test('refuses the whole run before any write when a secret a write needs does not resolve, listing each', async () => {
    const before = totalCalls();
    const run = applyPlan(
      planOf([
        orgUnitChange('/Partners'),
        sendAsChange('ola@example.com', 'ola@partner.com', 'create', { smtp: bench.smtp() }),
        sendAsChange('ned@example.com', 'ned@partner.com', 'create', { smtp: bench.smtp('MISSING_PASSWORD') }),
        sendAsChange('kim@example.com', 'kim@partner.com', 'create', { displayName: 'Kim' }),
        sendAsChange('lee@example.com', 'lee@partner.com', 'create', {
          smtp: { ...bench.smtp(), password: { ref: 'file:../../etc/shadow' } },
        }),
      ]),
      bench.options(bench.client().admin),
    );
    await expect(run).rejects.toMatchObject({ code: 'MP1100' });
    const message = await run.catch((error: Error) => error.message);
    expect(message).toMatch(/2 SMTP credentials .*nothing was changed/);
    expect(message).toMatch(
      /ned@partner.com: SMTP password env:MISSING_PASSWORD: environment variable MISSING_PASSWORD is not set/,
    );
    expect(message).toMatch(
      /lee@partner.com: SMTP password file:\.\.\/\.\.\/etc\/shadow: .*points outside the app folder/,
    );
    expect(message).not.toContain(CANARY);
    expect(totalCalls()).toBe(before);
    expect(bench.snapshot().orgUnits).toEqual([]);
  });

  test('fails with a read-only client, before any call', async () => {
    const before = totalCalls();
    await expect(
      applyPlan(planOf([orgUnitChange('/X')]), bench.options(bench.client('read').admin)),
    ).rejects.toMatchObject({ code: 'MP2001' });
    expect(totalCalls()).toBe(before);
  });
});
