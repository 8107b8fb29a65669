import type { SendAsSpec } from '../model/manifest';
import { compareFingerprints } from '../model/secret-ref';
import type { SendAsCredentials } from '../state/stack-state';
import type { AttributeChange } from './change';
import { sendAsChangeId } from './change-ids';
import { identityKey } from './credentials';
import type { DiffContext } from './private/diff-context';

/**
 * The credential side of a send-as identity's diff. Gmail never returns SMTP credentials, so the plan compares
 * the fingerprints the state recorded when they were last sent with the fingerprints of the declared secrets, and
 * shows where each secret is read from (never its value).
 */

/**
 * The reason of a change that sends an identity's SMTP credentials because no fingerprint of them is recorded
 * (first apply after an import, a lost state, a rollout interrupted before it recorded them): Gmail never returns
 * credentials, so the only way to be sure the tenant holds the declared ones is to send them once.
 */
export const CREDENTIALS_UNRECORDED = 'SMTP credentials will be sent: no fingerprint recorded';

/** The attributes of credentials that are sent: always sensitive, never a value. */
export const SENSITIVE: AttributeChange[] = [
  { name: 'smtp.username', sensitive: true },
  { name: 'smtp.password', sensitive: true },
];

/**
 * Compares the recorded fingerprints with the desired ones; differences are sensitive attribute changes. With
 * nothing recorded the credentials are sent (and then recorded), never silently skipped.
 */
export function credentialChanges(
  ctx: DiffContext,
  spec: SendAsSpec,
  key: string,
): { attributes: AttributeChange[]; reason?: string } {
  const subject = subjectOf(spec);
  const managed = ctx.managed.get(sendAsChangeId(spec.userEmail, spec.sendAsEmail));
  const entry = managed?.kind === 'sendAs' ? managed.credentials : undefined;
  if (!entry) {
    noteUnresolved(ctx, spec);
    return { attributes: [...SENSITIVE], reason: CREDENTIALS_UNRECORDED };
  }
  const desired = ctx.input.credentials?.[key];
  // Where a secret is read from is not secret: a changed reference is shown, and the credential sent again.
  const out: AttributeChange[] = sourceChanges(spec, entry);
  const problems: string[] = [];
  const pairs: Array<[string, string | undefined, string | undefined]> = [
    ['smtp.username', entry.usernameFingerprint, desired?.usernameFingerprint],
    ['smtp.password', entry.passwordFingerprint, desired?.passwordFingerprint],
  ];
  const moved = new Set(out.map((a) => a.name));
  for (const [name, recorded, wanted] of pairs) {
    if (moved.has(`${name}.source`)) {
      out.push({ name, sensitive: true }); // read from somewhere else now: sent again whatever it holds
      continue;
    }
    if (wanted === undefined) {
      problems.push(`${name} cannot be checked here (${desired?.unresolved?.join('; ') || 'secret not resolvable'})`);
      continue;
    }
    const verdict = compareFingerprints(recorded, wanted);
    if (verdict === 'different') out.push({ name, sensitive: true });
    else if (verdict === 'incomparable')
      problems.push(
        `${name} was recorded under a different fingerprint key; set MAILPOLICY_FINGERPRINT_KEY to the key apply used`,
      );
  }
  if (problems.length > 0)
    ctx.notes.push({ subject, message: `SMTP credentials not verified: ${problems.join('; ')}.` });
  return { attributes: out };
}

/** The references of the SMTP secrets a spec declares, by attribute. */
function secretSources(spec: SendAsSpec): Array<[string, string | undefined]> {
  const smtp = spec.smtp;
  if (!smtp) return [];
  return [
    ['smtp.username.source', typeof smtp.username === 'string' ? undefined : smtp.username.ref],
    ['smtp.password.source', smtp.password.ref],
  ];
}

/** Plan attributes naming where the secrets come from (`env:NAME`, `file:PATH`): never values. */
export function sourceAttributes(spec: SendAsSpec): AttributeChange[] {
  return secretSources(spec).flatMap(([name, ref]) =>
    ref === undefined ? [] : [{ name, after: ref, codeOnly: true as const }],
  );
}

/** The secret references that changed since the credentials were last sent (`env:A` → `file:/x`). */
function sourceChanges(spec: SendAsSpec, recorded: SendAsCredentials): AttributeChange[] {
  const before: Record<string, string | undefined> = {
    'smtp.username.source': recorded.usernameRef,
    'smtp.password.source': recorded.passwordRef,
  };
  return secretSources(spec).flatMap(([name, ref]) =>
    before[name] !== undefined && ref !== undefined && before[name] !== ref
      ? [{ name, before: before[name], after: ref, codeOnly: true as const }]
      : [],
  );
}

export function noteUnresolved(ctx: DiffContext, spec: SendAsSpec): void {
  const desired = ctx.input.credentials?.[identityKey(spec.userEmail, spec.sendAsEmail)];
  if (desired?.unresolved && desired.unresolved.length > 0)
    ctx.notes.push({
      subject: subjectOf(spec),
      message: `SMTP credentials must resolve when applying: ${desired.unresolved.join('; ')}.`,
    });
}

/** How a plan names an identity: `user → address`. */
export function subjectOf(spec: SendAsSpec): string {
  return `${spec.userEmail} → ${spec.sendAsEmail}`;
}
