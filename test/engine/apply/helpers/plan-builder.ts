import type { ApplyEvent } from '../../../../lib/engine/apply';
import type { Change, ChangeCause } from '../../../../lib/engine/change';
import type { Plan } from '../../../../lib/engine/plan';
import type { SendAsSpec } from '../../../../lib/model/manifest';
import { creationFields, type SendAsFieldName } from '../../../../lib/model/send-as-fields';

/** Hand-built plans for executor tests (the diff is tested on its own). */

type Extra = {
  dependsOn?: string[];
  manualSteps?: string[];
  cause?: ChangeCause;
  orgUnitId?: string;
  policyName?: string;
};

function base(id: string, subject: string, extra: Extra) {
  return { id, subject, attributes: [], dependsOn: extra.dependsOn ?? [], security: [], cause: extra.cause ?? 'code' };
}

export function orgUnitChange(
  path: string,
  action: 'create' | 'update' | 'delete' = 'create',
  extra: Extra & { description?: string; movedFrom?: string; livePath?: string } = {},
): Change {
  const { description, movedFrom } = extra;
  const parentPath = path.slice(0, path.lastIndexOf('/')) || '/';
  const id = `orgUnit:${path.toLowerCase()}`;
  const desired = {
    path,
    name: path.slice(path.lastIndexOf('/') + 1),
    parentPath,
    managed: true,
    description,
    movedFrom,
  };
  if (action === 'delete')
    return {
      ...base(id, path, extra),
      kind: 'orgUnit',
      action,
      target: { path, orgUnitId: extra.orgUnitId ?? 'unknown' },
    };
  if (action === 'update')
    return {
      ...base(id, path, extra),
      kind: 'orgUnit',
      action,
      target: { path, orgUnitId: extra.orgUnitId ?? 'unknown', livePath: extra.livePath ?? movedFrom ?? path },
      desired,
      write: {
        fields: ['name', 'parentOrgUnitPath', ...(description !== undefined ? (['description'] as const) : [])],
      },
    };
  return {
    ...base(id, path, extra),
    kind: 'orgUnit',
    action,
    target: { path },
    desired,
    write: { fields: ['name', 'parentOrgUnitPath', ...(description !== undefined ? (['description'] as const) : [])] },
  };
}

export function policyChange(
  path: string,
  allow: boolean | 'inherit',
  action: 'create' | 'update' | 'delete' | 'manual' = 'create',
  extra: Extra = {},
): Change {
  const id = `gatewayPolicy:${path.toLowerCase()}`;
  const desired = { orgUnitPath: path, allowPerUserOutboundGateways: allow };
  const target = {
    orgUnitPath: path,
    ...(extra.orgUnitId ? { orgUnitId: extra.orgUnitId } : {}),
    ...(extra.policyName ? { policyName: extra.policyName } : {}),
  };
  if (action === 'manual')
    return {
      ...base(id, path, extra),
      kind: 'gatewayPolicy',
      action,
      target,
      desired,
      write: { allow },
      manualSteps: extra.manualSteps ?? [`Set the gateway setting of ${path}.`],
    };
  if (action === 'delete')
    return {
      ...base(id, path, extra),
      kind: 'gatewayPolicy',
      action,
      target: { ...target, orgUnitId: extra.orgUnitId ?? 'unknown', policyName: extra.policyName ?? 'unknown' },
    };
  if (allow === 'inherit') throw new Error('a create or update sets true or false');
  if (action === 'update')
    return {
      ...base(id, path, extra),
      kind: 'gatewayPolicy',
      action,
      target: { ...target, orgUnitId: extra.orgUnitId ?? 'unknown', policyName: extra.policyName ?? 'unknown' },
      desired,
      write: { allow },
    };
  return { ...base(id, path, extra), kind: 'gatewayPolicy', action, target, desired, write: { allow } };
}

export function placementChange(email: string, orgUnitPath: string, extra: Extra = {}): Change {
  return {
    ...base(`userPlacement:${email.toLowerCase()}`, email, extra),
    kind: 'userPlacement',
    action: 'update',
    target: { email: email.toLowerCase(), liveOrgUnitPath: '/' },
    desired: { email, orgUnitPath },
    write: { orgUnitPath },
  };
}

export function sendAsChange(
  userEmail: string,
  sendAsEmail: string,
  action: 'create' | 'update' | 'delete' | 'replace' = 'create',
  spec: Partial<SendAsSpec> = {},
  extra: Extra & { fields?: SendAsFieldName[] } = {},
): Change {
  const id = `sendAs:${userEmail.toLowerCase()}/${sendAsEmail.toLowerCase()}`;
  const subject = `${userEmail} → ${sendAsEmail}`;
  const target = { userEmail: userEmail.toLowerCase(), sendAsEmail };
  if (action === 'delete') return { ...base(id, subject, extra), kind: 'sendAs', action, target };
  const desired: SendAsSpec = { userEmail, sendAsEmail, ...spec };
  const fields =
    extra.fields ??
    (action === 'update'
      ? [...creationFields(desired), ...(desired.isDefault ? (['isDefault'] as const) : [])]
      : creationFields(desired));
  return { ...base(id, subject, extra), kind: 'sendAs', action, target, desired, write: { fields } };
}

/** An SMTP endpoint (STARTTLS) whose password comes from `env:<variable>`. */
export function smtp(
  variable: string,
  endpoint: { readonly host: string; readonly port: number } = { host: 'smtp.partner.example', port: 587 },
): NonNullable<SendAsSpec['smtp']> {
  return {
    host: endpoint.host,
    port: endpoint.port,
    securityMode: 'starttls',
    username: 'relay-user',
    password: { ref: `env:${variable}` },
  };
}

export function planOf(changes: Change[]): Plan {
  return {
    formatVersion: 2,
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
      forget: 0,
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
