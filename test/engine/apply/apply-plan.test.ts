import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { applyExitCode, applyPlan, type ApplyOptions } from '../../../lib/engine/apply';
import { FileStateBackend } from '../../../lib/state/file-state-backend';
import type { SendAsObject } from '../../../lib/state/stack-state';
import { StateStore } from '../../../lib/state/state-store';
import { fingerprintKeyFrom, fingerprintSecret } from '../../../lib/model/secret-ref';
import { FakeWorkspaceAdmin } from './helpers/fake-admin';
import {
  fakeClock,
  orgUnitChange,
  placementChange,
  planOf,
  policyChange,
  recorder,
  sendAsChange,
  smtp,
} from './helpers/plan-builder';

const KEY = fingerprintKeyFrom('a fingerprint key for the tests');
const CANARY = 'canary-Pa55word-9f1c2b';

let dir: string;
let state: StateStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'apply-'));
  state = await StateStore.load(new FileStateBackend({ folder: join(dir, 'state') }), 'test');
});

/** The stack's state as stored (read back from disk). */
async function stored(): Promise<StateStore> {
  return StateStore.load(new FileStateBackend({ folder: join(dir, 'state') }), 'test');
}
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function options(admin: FakeWorkspaceAdmin, extra: Partial<ApplyOptions> = {}): ApplyOptions {
  const clock = fakeClock();
  return {
    admin,
    state,
    fingerprintKey: KEY,
    env: { RELAY_PASSWORD: CANARY },
    cwd: dir,
    now: clock.now,
    sleep: clock.sleep,
    ...extra,
  };
}

describe('applyPlan ordering', () => {
  test('creates OUs parent-first, the policy before identities, placement before the user’s identities', async () => {
    const admin = new FakeWorkspaceAdmin();
    admin.addUser('alice@example.com');
    const plan = planOf([
      // Listed in the worst possible order on purpose: only dependsOn decides.
      sendAsChange(
        'alice@example.com',
        'alice@partner.com',
        'create',
        { smtp: smtp('RELAY_PASSWORD'), isDefault: true },
        {
          dependsOn: ['gatewayPolicy:/sales/partners', 'userPlacement:alice@example.com'],
        },
      ),
      {
        ...sendAsChange(
          'alice@example.com',
          'alice@partner.com',
          'update',
          { smtp: smtp('RELAY_PASSWORD'), isDefault: true },
          {
            dependsOn: ['sendAs:alice@example.com/alice@partner.com'],
            fields: ['isDefault'],
            cause: 'default-switch',
          },
        ),
        id: 'sendAs:alice@example.com/alice@partner.com#isDefault',
      },
      placementChange('alice@example.com', '/Sales/Partners', { dependsOn: ['orgUnit:/sales/partners'] }),
      policyChange('/Sales/Partners', true, 'create', { dependsOn: ['orgUnit:/sales/partners'] }),
      orgUnitChange('/Sales/Partners', 'create', { dependsOn: ['orgUnit:/sales'] }),
      orgUnitChange('/Sales'),
    ]);

    const result = await applyPlan(plan, options(admin));

    expect(result.done).toHaveLength(6);
    expect(applyExitCode(result)).toBe(0);
    expect(admin.calls.find((c) => c.method === 'patchSendAs')?.args[2]).toEqual({ isDefault: true });
    const order = admin.methodsCalled().filter((m) => !m.startsWith('list'));
    expect(order.indexOf('createOrgUnit')).toBeLessThan(order.lastIndexOf('createOrgUnit'));
    expect(order.lastIndexOf('createOrgUnit')).toBeLessThan(order.indexOf('setGatewayPolicy'));
    expect(order.indexOf('setGatewayPolicy')).toBeLessThan(order.indexOf('createSendAs'));
    expect(order.indexOf('moveUser')).toBeLessThan(order.indexOf('createSendAs'));
    // The default switches only after the identity exists.
    expect(order.indexOf('createSendAs')).toBeLessThan(order.indexOf('patchSendAs'));
    expect(admin.orgUnitPaths()).toEqual(['/', '/Sales', '/Sales/Partners']);
    expect(admin.policyOf('/Sales/Partners')?.allowUsersToUseExternalSmtpServers).toBe(true);
    expect(admin.user('alice@example.com')?.orgUnitPath).toBe('/Sales/Partners');
    const alias = admin.identities('alice@example.com').find((s) => s.sendAsEmail === 'alice@partner.com');
    expect(alias).toMatchObject({ isDefault: true, smtpMsa: { host: 'smtp.partner.example', port: 587 } });
    expect(admin.credentialsOf('alice@example.com', 'alice@partner.com')?.password).toBe(CANARY);
  });

  test('keeps at most `concurrency` calls in flight while running independent changes in parallel', async () => {
    const admin = new FakeWorkspaceAdmin();
    const changes = [];
    for (let i = 0; i < 60; i++) {
      admin.addUser(`user${i}@example.com`);
      changes.push(
        sendAsChange(`user${i}@example.com`, `user${i}@partner.com`, 'create', { displayName: `User ${i}` }),
      );
    }

    const result = await applyPlan(planOf(changes), options(admin, { concurrency: 4 }));

    expect(result.done).toHaveLength(60);
    expect(admin.maxInFlight).toBe(4);
  });

  test('runs one user’s send-as changes one at a time', async () => {
    const admin = new FakeWorkspaceAdmin();
    admin.addUser('bob@example.com');
    admin.addSendAs('bob@example.com', { sendAsEmail: 'old@partner.com' });
    const changes = [
      ...Array.from({ length: 8 }, (_, i) => sendAsChange('bob@example.com', `bob${i}@partner.com`)),
      sendAsChange('bob@example.com', 'old@partner.com', 'delete'),
    ];

    const result = await applyPlan(planOf(changes), options(admin, { concurrency: 10 }));

    expect(result.done).toHaveLength(9);
    expect(admin.maxInFlightPerUser).toBe(1);
    expect(admin.identities('bob@example.com').map((s) => s.sendAsEmail)).not.toContain('old@partner.com');
  });

  test('fails a change, skips what depends on it with the reason, and still does the rest', async () => {
    const admin = new FakeWorkspaceAdmin();
    admin.addUser('carol@example.com');
    admin.addUser('dave@example.com');
    admin.faults.push({ method: 'createOrgUnit', kind: 'permission', times: 1 });
    const plan = planOf([
      orgUnitChange('/Partners'),
      policyChange('/Partners', true, 'create', { dependsOn: ['orgUnit:/partners'] }),
      sendAsChange('carol@example.com', 'carol@partner.com', 'create', {}, { dependsOn: ['gatewayPolicy:/partners'] }),
      sendAsChange('dave@example.com', 'dave@partner.com'),
    ]);
    const { events, onEvent } = recorder();

    const result = await applyPlan(plan, options(admin, { onEvent }));

    expect(result.failed.map((f) => f.change.id)).toEqual(['orgUnit:/partners']);
    expect(result.failed[0].error.message).toMatch(/injected permission/);
    expect(result.skipped).toEqual([
      expect.objectContaining({ reason: 'depends on orgUnit:/partners, which failed' }),
      expect.objectContaining({ reason: 'depends on gatewayPolicy:/partners, which was skipped' }),
    ]);
    expect(result.done.map((c) => c.id)).toEqual(['sendAs:dave@example.com/dave@partner.com']);
    expect(applyExitCode(result)).toBe(1);
    expect(admin.methodsCalled()).not.toContain('setGatewayPolicy');
    expect(events.filter((e) => e.type === 'change-skipped')).toHaveLength(2);
  });

  test('reports changes on a dependency cycle as skipped instead of hanging', async () => {
    const admin = new FakeWorkspaceAdmin();
    const plan = planOf([
      orgUnitChange('/A', 'create', { dependsOn: ['orgUnit:/b'] }),
      orgUnitChange('/B', 'create', { dependsOn: ['orgUnit:/a'] }),
      orgUnitChange('/C'),
    ]);

    const result = await applyPlan(plan, options(admin));

    expect(result.done.map((c) => c.id)).toEqual(['orgUnit:/c']);
    expect(result.skipped.map((s) => s.reason)).toEqual([
      'its dependencies form a cycle',
      'its dependencies form a cycle',
    ]);
  });
});

describe('applyPlan convergence', () => {
  test('converges an identity that already exists instead of failing, sending the credentials again', async () => {
    const admin = new FakeWorkspaceAdmin();
    admin.addUser('erin@example.com');
    admin.addSendAs('erin@example.com', { sendAsEmail: 'erin@partner.com', displayName: 'Old name' });
    const plan = planOf([
      sendAsChange('erin@example.com', 'erin@partner.com', 'create', {
        displayName: 'Erin',
        smtp: smtp('RELAY_PASSWORD'),
      }),
    ]);
    const { events, onEvent } = recorder();

    const result = await applyPlan(plan, options(admin, { onEvent }));

    expect(result.done).toHaveLength(1);
    expect(events).toContainEqual(expect.objectContaining({ type: 'change-done', note: 'already existed; converged' }));
    expect(admin.identities('erin@example.com')).toHaveLength(2);
    expect(admin.identities('erin@example.com')[1]).toMatchObject({ displayName: 'Erin', smtpMsa: { port: 587 } });
    expect(admin.credentialsOf('erin@example.com', 'erin@partner.com')?.password).toBe(CANARY);
  });

  test('converges an OU that already exists and treats deletes of missing objects as done', async () => {
    const admin = new FakeWorkspaceAdmin();
    admin.addOrgUnit('/Sales', 'old');
    admin.addUser('frank@example.com');
    const plan = planOf([
      orgUnitChange('/Sales', 'create', { description: 'Sales team' }),
      orgUnitChange('/Gone', 'delete'),
      sendAsChange('frank@example.com', 'gone@partner.com', 'delete'),
    ]);

    const result = await applyPlan(plan, options(admin));

    expect(result.done).toHaveLength(3);
    expect(admin.orgUnitPaths()).toEqual(['/', '/Sales']);
    expect(admin.methodsCalled()).toContain('updateOrgUnit');
  });

  test('a second apply of the same plan changes nothing and creates no duplicate', async () => {
    const admin = new FakeWorkspaceAdmin();
    admin.addUser('gina@example.com');
    const plan = planOf([
      orgUnitChange('/Partners'),
      policyChange('/Partners', true, 'create', { dependsOn: ['orgUnit:/partners'] }),
      placementChange('gina@example.com', '/Partners', { dependsOn: ['orgUnit:/partners'] }),
      sendAsChange(
        'gina@example.com',
        'gina@partner.com',
        'create',
        { displayName: 'Gina' },
        {
          dependsOn: ['gatewayPolicy:/partners', 'userPlacement:gina@example.com'],
        },
      ),
    ]);
    await applyPlan(plan, options(admin));
    const before = JSON.stringify([
      admin.orgUnitPaths(),
      admin.identities('gina@example.com'),
      admin.policyOf('/Partners'),
    ]);

    const second = await applyPlan(plan, options(admin));

    expect(applyExitCode(second)).toBe(0);
    expect(
      JSON.stringify([admin.orgUnitPaths(), admin.identities('gina@example.com'), admin.policyOf('/Partners')]),
    ).toBe(before);
    expect(admin.stats().calls.patchSendAs ?? 0).toBe(0);
  });

  test('re-applying after an interruption at any point converges with no duplicate and leaves undeclared identities alone', async () => {
    let aborted = 0;
    for (let stopAfter = 1; stopAfter <= 21; stopAfter += 2) {
      const admin = new FakeWorkspaceAdmin();
      const changes = [
        orgUnitChange('/Partners'),
        policyChange('/Partners', true, 'create', { dependsOn: ['orgUnit:/partners'] }),
      ];
      for (let i = 0; i < 6; i++) {
        admin.addUser(`u${i}@example.com`);
        admin.addSendAs(`u${i}@example.com`, { sendAsEmail: `mine${i}@other.com` });
        changes.push(placementChange(`u${i}@example.com`, '/Partners', { dependsOn: ['orgUnit:/partners'] }));
        for (const n of [1, 2]) {
          changes.push(
            sendAsChange(
              `u${i}@example.com`,
              `u${i}.${n}@partner.com`,
              'create',
              { smtp: smtp('RELAY_PASSWORD') },
              {
                dependsOn: ['gatewayPolicy:/partners', `userPlacement:u${i}@example.com`],
              },
            ),
          );
        }
      }
      const plan = planOf(changes);
      const controller = new AbortController();
      const counting = options(admin, {
        signal: controller.signal,
        onEvent: () => {
          if (admin.calls.length >= stopAfter) controller.abort();
        },
      });

      const first = await applyPlan(plan, counting);
      const second = await applyPlan(plan, options(admin));

      expect(applyExitCode(first)).toBe(first.aborted ? 1 : 0);
      aborted += first.aborted ? 1 : 0;
      expect(applyExitCode(second)).toBe(0);
      for (let i = 0; i < 6; i++) {
        expect(
          admin
            .identities(`u${i}@example.com`)
            .map((s) => s.sendAsEmail)
            .sort(),
        ).toEqual([`mine${i}@other.com`, `u${i}.1@partner.com`, `u${i}.2@partner.com`, `u${i}@example.com`].sort());
      }
      expect(admin.orgUnitPaths()).toEqual(['/', '/Partners']);
    }
    expect(aborted).toBeGreaterThanOrEqual(10);
  });
});

describe('applyPlan and eventual consistency', () => {
  test('retries an identity refused until the gateway setting propagates, within the timeout', async () => {
    const admin = new FakeWorkspaceAdmin();
    admin.addUser('hal@example.com');
    let refusals = 3;
    admin.refuseSmtp = () => refusals-- > 0;
    const clock = fakeClock();
    const { events, onEvent } = recorder();

    const result = await applyPlan(
      planOf([sendAsChange('hal@example.com', 'hal@partner.com', 'create', { smtp: smtp('RELAY_PASSWORD') })]),
      options(admin, { now: clock.now, sleep: clock.sleep, onEvent, propagationTimeoutMs: 60_000 }),
    );

    expect(result.done).toHaveLength(1);
    expect(clock.slept).toEqual([5000, 10000, 20000]);
    expect(events.filter((e) => e.type === 'waiting')).toHaveLength(3);
  });

  test('reports the identity pending past the timeout, skips its dependants and exits 3', async () => {
    const admin = new FakeWorkspaceAdmin();
    admin.addUser('ivy@example.com');
    admin.refuseSmtp = () => true;
    const clock = fakeClock();

    const result = await applyPlan(
      planOf([
        sendAsChange('ivy@example.com', 'ivy@partner.com', 'create', { smtp: smtp('RELAY_PASSWORD') }),
        sendAsChange(
          'ivy@example.com',
          'old@partner.com',
          'delete',
          {},
          { dependsOn: ['sendAs:ivy@example.com/ivy@partner.com'] },
        ),
      ]),
      options(admin, { now: clock.now, sleep: clock.sleep, propagationTimeoutMs: 15 * 60_000 }),
    );

    expect(result.pending.map((c) => c.id)).toEqual(['sendAs:ivy@example.com/ivy@partner.com']);
    expect(result.skipped[0].reason).toMatch(/is pending propagation/);
    expect(applyExitCode(result)).toBe(3);
    expect(clock.now()).toBeLessThanOrEqual(15 * 60_000);
    expect(clock.now()).toBeGreaterThan(10 * 60_000);
  });

  test('tolerates a not-found right after creating an OU', async () => {
    const admin = new FakeWorkspaceAdmin();
    admin.faults.push({ method: 'setGatewayPolicy', kind: 'notFound', times: 2 });
    const result = await applyPlan(
      planOf([orgUnitChange('/New'), policyChange('/New', true, 'create', { dependsOn: ['orgUnit:/new'] })]),
      options(admin),
    );
    expect(result.done).toHaveLength(2);
    expect(admin.policyOf('/New')?.allowUsersToUseExternalSmtpServers).toBe(true);
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

  test('shows the steps and skips the dependants when not waiting (exit 4)', async () => {
    const admin = new FakeWorkspaceAdmin();
    admin.addUser('jo@example.com');
    admin.addOrgUnit('/Partners');
    const { events, onEvent } = recorder();

    const result = await applyPlan(manualPlan(), options(admin, { onEvent }));

    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'manual-step',
        steps: ['Go to Apps > Google Workspace > Gmail > End User Access.'],
      }),
    );
    expect(result.manual.map((c) => c.id)).toEqual(['gatewayPolicy:/partners']);
    expect(result.skipped[0].reason).toMatch(/manual step not confirmed/);
    expect(applyExitCode(result)).toBe(4);
    expect(admin.methodsCalled()).not.toContain('createSendAs');
  });

  test('waits for a person to change the setting, then continues with the dependants', async () => {
    const admin = new FakeWorkspaceAdmin();
    admin.addUser('jo@example.com');
    admin.addOrgUnit('/Partners');
    let polls = 0;
    const clock = fakeClock();
    const sleep = async (ms: number): Promise<void> => {
      await clock.sleep(ms);
      if (++polls === 3) admin.setPolicyByHand('/Partners', true);
    };

    const result = await applyPlan(
      manualPlan(),
      options(admin, { now: clock.now, sleep, waitForManualMs: 10 * 60_000, pollIntervalMs: 30_000 }),
    );

    expect(result.done.map((c) => c.id)).toEqual(['gatewayPolicy:/partners', 'sendAs:jo@example.com/jo@partner.com']);
    expect(applyExitCode(result)).toBe(0);
    expect(clock.now()).toBe(90_000);
  });

  test('turns a refused policy write into a manual step and records the refusal in the state', async () => {
    const admin = new FakeWorkspaceAdmin();
    admin.addUser('jo@example.com');
    admin.addOrgUnit('/Partners');
    admin.policyWritesRefused = true;
    const plan = planOf([
      policyChange('/Partners', true),
      sendAsChange('jo@example.com', 'jo@partner.com', 'create', {}, { dependsOn: ['gatewayPolicy:/partners'] }),
    ]);
    const { events, onEvent } = recorder();

    const result = await applyPlan(plan, options(admin, { onEvent }));

    expect(result.manual).toHaveLength(1);
    const step = events.find((e) => e.type === 'manual-step');
    expect(step && step.type === 'manual-step' && step.steps.join('\n')).toMatch(/End User Access[\s\S]*\/Partners/);
    expect((await stored()).state.facts.policyWritesRefused).toBe(true);
    expect(applyExitCode(result)).toBe(4);
  });
});

describe('applyPlan secrets and the state', () => {
  test('records keyed fingerprints after each SMTP write and never the secret itself', async () => {
    const admin = new FakeWorkspaceAdmin();
    admin.addUser('kim@example.com');
    const { events, onEvent } = recorder();

    await applyPlan(
      planOf([sendAsChange('kim@example.com', 'kim@partner.com', 'create', { smtp: smtp('RELAY_PASSWORD') })]),
      options(admin, { onEvent }),
    );

    const text = readFileSync(join(dir, 'state', 'test.json'), 'utf8');
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain('relay-user');
    expect(JSON.stringify(events, (_k, v: unknown) => (v instanceof Error ? v.message : v))).not.toContain(CANARY);
    expect(JSON.stringify(admin.calls)).not.toContain(CANARY);
    const entry = (await stored()).object('sendAs:kim@example.com/kim@partner.com') as SendAsObject;
    expect(entry).toMatchObject({ kind: 'sendAs', origin: 'created', removalPolicy: 'destroy' });
    expect(entry.credentials).toEqual({
      passwordFingerprint: fingerprintSecret(CANARY, KEY),
      usernameFingerprint: fingerprintSecret('relay-user', KEY),
      endpoint: 'smtp.partner.example:587/starttls',
      passwordRef: 'env:RELAY_PASSWORD',
    });
  });

  test('rotation: an update re-sends the new password and records its fingerprint; a delete forgets the identity', async () => {
    const admin = new FakeWorkspaceAdmin();
    admin.addUser('lee@example.com');
    const create = sendAsChange('lee@example.com', 'lee@partner.com', 'create', { smtp: smtp('RELAY_PASSWORD') });
    await applyPlan(planOf([create]), options(admin));

    const rotate = sendAsChange(
      'lee@example.com',
      'lee@partner.com',
      'update',
      { smtp: smtp('RELAY_PASSWORD') },
      { fields: ['smtpMsa'], cause: 'rotation' },
    );
    await applyPlan(planOf([rotate]), options(admin, { env: { RELAY_PASSWORD: 'rotated-secret' } }));

    expect(admin.credentialsOf('lee@example.com', 'lee@partner.com')?.password).toBe('rotated-secret');
    const id = 'sendAs:lee@example.com/lee@partner.com';
    expect(((await stored()).object(id) as SendAsObject).credentials?.passwordFingerprint).toBe(
      fingerprintSecret('rotated-secret', KEY),
    );

    await applyPlan(planOf([sendAsChange('lee@example.com', 'lee@partner.com', 'delete')]), options(admin));
    expect((await stored()).object(id)).toBeUndefined();
  });

  test('an update of other fields does not need the secret', async () => {
    const admin = new FakeWorkspaceAdmin();
    admin.addUser('max@example.com');
    admin.addSendAs('max@example.com', { sendAsEmail: 'max@partner.com', displayName: 'Old' });
    const change = sendAsChange(
      'max@example.com',
      'max@partner.com',
      'update',
      { displayName: 'Max', smtp: smtp('UNSET') },
      { fields: ['displayName'] },
    );
    const result = await applyPlan(planOf([change]), options(admin));
    expect(result.done).toHaveLength(1);
    expect(admin.identities('max@example.com')[1].displayName).toBe('Max');
  });

  test('refuses the whole run before any write when a secret a write needs does not resolve, listing each', async () => {
    const admin = new FakeWorkspaceAdmin();
    for (const user of ['ned', 'ola', 'pat', 'quin']) admin.addUser(`${user}@example.com`);
    const run = applyPlan(
      planOf([
        orgUnitChange('/Partners'),
        sendAsChange('ola@example.com', 'ola@partner.com', 'create', { smtp: smtp('RELAY_PASSWORD') }),
        sendAsChange('ned@example.com', 'ned@partner.com', 'create', { smtp: smtp('MISSING_PASSWORD') }),
        sendAsChange('pat@example.com', 'pat@partner.com', 'create', { displayName: 'Pat' }),
        sendAsChange('quin@example.com', 'quin@partner.com', 'create', {
          smtp: { ...smtp('RELAY_PASSWORD'), password: { ref: 'file:../../etc/shadow' } },
        }),
      ]),
      options(admin),
    );
    await expect(run).rejects.toMatchObject({ code: 'MP1100' });
    const message = await run.catch((error: Error) => error.message);
    expect(message).toMatch(/2 SMTP credentials .*nothing was changed/);
    expect(message).toMatch(
      /ned@partner.com: SMTP password env:MISSING_PASSWORD: environment variable MISSING_PASSWORD is not set/,
    );
    expect(message).toMatch(
      /quin@partner.com: SMTP password file:\.\.\/\.\.\/etc\/shadow: .*points outside the app folder/,
    );
    expect(message).not.toContain(CANARY);
    expect(admin.methodsCalled()).toEqual([]);
  });

  test('fails with a read-only client, before any call', async () => {
    const admin = new FakeWorkspaceAdmin();
    admin.access = 'read';
    await expect(applyPlan(planOf([orgUnitChange('/X')]), options(admin))).rejects.toMatchObject({ code: 'MP2001' });
    expect(admin.calls).toHaveLength(0);
  });
});
