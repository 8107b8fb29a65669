import type { AttributeChange, Change } from '../change';
import type { GatewayPicture, GatewaySetting } from '../picture/gateway-picture';
import type { Plan } from '../plan';
import { isDrift } from './private/format';

/** Version of the JSON output schema (`docs/plan-json.md`). */
export const PLAN_JSON_FORMAT_VERSION = 1;

function attributeJson(attr: AttributeChange): Record<string, unknown> {
  if (attr.sensitive) return { name: attr.name, sensitive: true };
  return {
    name: attr.name,
    ...(attr.before !== undefined ? { before: attr.before } : {}),
    ...(attr.after !== undefined ? { after: attr.after } : {}),
  };
}

function changeJson(change: Change): Record<string, unknown> {
  return {
    id: change.id,
    kind: change.kind,
    action: change.action,
    subject: change.subject,
    attributes: change.attributes.map(attributeJson),
    dependsOn: [...change.dependsOn],
    security: [...change.security],
    cause: change.cause,
    ...(change.reason !== undefined ? { reason: change.reason } : {}),
    ...(change.action === 'manual' ? { manualSteps: [...change.manualSteps] } : {}),
  };
}

function settingJson(s: GatewaySetting): Record<string, unknown> {
  return { allowed: s.allowed, source: s.source, ...(s.from !== undefined ? { from: s.from } : {}) };
}

/** The gateway picture with keys in a fixed order (`docs/plan-json.md`, "picture"). */
export function pictureJson(picture: GatewayPicture): Record<string, unknown> {
  return {
    orgUnits: picture.orgUnits.map((n) => ({
      path: n.path,
      name: n.name,
      ...(n.parentPath !== undefined ? { parentPath: n.parentPath } : {}),
      status: n.status,
      ...(n.livePath !== undefined ? { livePath: n.livePath } : {}),
      before: settingJson(n.before),
      after: settingJson(n.after),
      changed: n.changed,
      reasons: [...n.reasons],
      smtpIdentities: n.smtpIdentities,
    })),
    groups: picture.groups.map((g) => ({
      email: g.email,
      before: settingJson(g.before),
      after: settingJson(g.after),
      changed: g.changed,
      smtpIdentities: g.smtpIdentities,
      orgUnits: [...g.orgUnits],
    })),
    unplacedSmtpIdentities: picture.unplacedSmtpIdentities,
  };
}

/**
 * The plan for machines: `{ "formatVersion": 1, "mode", "stack", "target", "summary", "changes", "findings",
 * "indeterminate", "unmanaged", "notes", "picture" }` (`picture` only when the plan has one), documented in `docs/plan-json.md`. Keys are in a fixed order and
 * sensitive attributes carry only `"sensitive": true`.
 */
export function renderJson(plan: Plan): string {
  const doc = {
    formatVersion: PLAN_JSON_FORMAT_VERSION,
    mode: isDrift(plan) ? 'drift' : 'plan',
    stack: plan.stack,
    target: { kind: plan.target.kind, description: plan.target.description },
    hasChanges: plan.changes.length > 0,
    stateMissing: plan.stateMissing === true,
    complete: plan.summary.indeterminate === 0,
    summary: { ...plan.summary },
    changes: plan.changes.map(changeJson),
    findings: plan.findings.map((f) => ({
      ruleId: f.ruleId,
      level: f.level,
      subject: f.subject,
      message: f.message,
      fix: f.fix,
      ...(f.constructPath !== undefined ? { constructPath: f.constructPath } : {}),
      ...(f.acknowledged !== undefined ? { acknowledged: f.acknowledged } : {}),
      ...(f.acknowledgedUntil !== undefined ? { acknowledgedUntil: f.acknowledgedUntil } : {}),
      ...(f.acknowledgementExpired !== undefined ? { acknowledgementExpired: f.acknowledgementExpired } : {}),
      ...(f.advisory ? { advisory: true } : {}),
    })),
    indeterminate: plan.indeterminate.map((r) => ({ kind: r.kind, subject: r.subject, error: r.error })),
    unmanaged: plan.unmanaged.map((r) => ({ kind: r.kind, subject: r.subject })),
    notes: plan.notes.map((n) => ({ subject: n.subject, message: n.message })),
    pendingVerification: (plan.pendingVerification ?? []).map((p) => ({
      subject: p.subject,
      userEmail: p.userEmail,
      sendAsEmail: p.sendAsEmail,
    })),
    ...(plan.picture ? { picture: pictureJson(plan.picture) } : {}),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
