import type { ApplyEvent } from '../../../../lib/engine/apply';
import type { Change, ChangeAction, Plan } from '../../../../lib/engine/plan';
import type { SendAsSpec } from '../../../../lib/model/manifest';

/** Hand-built plans for executor tests (the diff is tested on its own). */

type Extra = Partial<Pick<Change, 'dependsOn' | 'observed' | 'attributes' | 'manualSteps'>>;

function change(partial: Omit<Change, 'attributes' | 'dependsOn' | 'security'> & Extra): Change {
  return { attributes: [], dependsOn: [], security: [], ...partial };
}

export function orgUnitChange(
  path: string,
  action: ChangeAction = 'create',
  extra: Extra & { description?: string; movedFrom?: string } = {},
): Change {
  const { description, movedFrom, ...rest } = extra;
  const parentPath = path.slice(0, path.lastIndexOf('/')) || '/';
  return change({
    id: `orgUnit:${path.toLowerCase()}`,
    kind: 'orgUnit',
    action,
    subject: path,
    desired:
      action === 'delete'
        ? undefined
        : { path, name: path.slice(path.lastIndexOf('/') + 1), parentPath, managed: true, description, movedFrom },
    observed: action === 'delete' ? { orgUnitPath: path } : undefined,
    ...rest,
  });
}

export function policyChange(
  path: string,
  allow: boolean | 'inherit',
  action: ChangeAction = 'create',
  extra: Extra = {},
): Change {
  return change({
    id: `gatewayPolicy:${path.toLowerCase()}`,
    kind: 'gatewayPolicy',
    action,
    subject: path,
    desired: { orgUnitPath: path, allowPerUserOutboundGateways: allow },
    ...extra,
  });
}

export function placementChange(email: string, orgUnitPath: string, extra: Extra = {}): Change {
  return change({
    id: `userPlacement:${email.toLowerCase()}`,
    kind: 'userPlacement',
    action: 'update',
    subject: email,
    desired: { email, orgUnitPath },
    ...extra,
  });
}

export function sendAsChange(
  userEmail: string,
  sendAsEmail: string,
  action: ChangeAction = 'create',
  spec: Partial<SendAsSpec> = {},
  extra: Extra = {},
): Change {
  return change({
    id: `sendAs:${userEmail.toLowerCase()}/${sendAsEmail.toLowerCase()}`,
    kind: 'sendAs',
    action,
    subject: `${userEmail} → ${sendAsEmail}`,
    desired: action === 'delete' ? undefined : { userEmail, sendAsEmail, ...spec },
    observed: action === 'delete' ? { userEmail, sendAsEmail } : undefined,
    ...extra,
  });
}

/** An SMTP endpoint whose password comes from `env:<variable>`. */
export function smtp(variable: string, host = 'smtp.partner.example'): NonNullable<SendAsSpec['smtp']> {
  return { host, port: 587, securityMode: 'starttls', username: 'relay-user', password: { ref: `env:${variable}` } };
}

export function planOf(changes: Change[]): Plan {
  return {
    formatVersion: 1,
    stack: 'test',
    target: { kind: 'emulator', description: 'fake tenant' },
    changes,
    findings: [],
    indeterminate: [],
    unmanaged: [],
    notes: [],
    summary: {
      create: 0,
      update: 0,
      delete: 0,
      replace: 0,
      manual: 0,
      unchanged: 0,
      indeterminate: 0,
      blockingFindings: 0,
    },
  };
}

/** A fake clock: `sleep` advances time instantly. */
export function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let time = 0;
  const slept: number[] = [];
  return {
    now: () => time,
    sleep: async (ms: number) => {
      slept.push(ms);
      time += ms;
    },
    slept,
  };
}

/** Collects events. */
export function recorder(): { events: ApplyEvent[]; onEvent: (event: ApplyEvent) => void } {
  const events: ApplyEvent[] = [];
  return { events, onEvent: (event) => events.push(event) };
}
