import type { SendAsInput } from '../../../admin/workspace-admin';
import { ErrorCodes, MailPolicyError } from '../../../model/errors';
import type { SecretRef, SendAsSpec } from '../../../model/manifest';
import { fingerprintSecret, resolveSecret } from '../../../model/secret-ref';
import {
  creationFields,
  plainFieldDifferences,
  plainSendAsField,
  type SendAsFieldName,
} from '../../../model/send-as-fields';
import { unreachable, type SendAsChange } from '../../change';
import type { SendAsCredentials } from '../../../state/stack-state';
import { credentialEndpoint } from '../../credentials';
import { isAdminError, type ChangeOutcome, type RunContext } from './context';

type Target = SendAsChange['target'];
/** The changes that write an identity (and so carry its declared spec). */
type WritingChange = Extract<SendAsChange, { action: 'create' | 'update' | 'replace' }>;
type MutableInput = { -readonly [K in keyof SendAsInput]?: SendAsInput[K] };

/** A write ready to send: the body (holding resolved secrets: never log it) and what to record afterwards. */
interface PreparedWrite {
  readonly body: MutableInput;
  /** Fingerprints (and references) of the credentials in the body, recorded once the write succeeded. */
  readonly credentials?: SendAsCredentials;
}

/** What a write reports: a note for people, the credentials it sent, and whether Gmail holds it pending. */
interface Written {
  readonly note?: string;
  readonly credentials?: SendAsCredentials;
  readonly pendingVerification?: boolean;
}

/** Creates, patches, replaces or deletes one send-as identity, sending exactly the fields of its write. */
export async function executeSendAs(ctx: RunContext, change: SendAsChange): Promise<ChangeOutcome> {
  switch (change.action) {
    case 'create':
      return withPropagation(ctx, change, () =>
        createIdentity(ctx, change.target, change.desired, change.write.fields),
      );
    case 'update':
      if (change.cause === 'default-switch') return switchDefault(ctx, change);
      return withPropagation(ctx, change, () => patchIdentity(ctx, change.target, change.desired, change.write.fields));
    case 'delete':
      return deleteIdentity(ctx, change.target);
    case 'replace': {
      await deleteIdentity(ctx, change.target);
      return withPropagation(ctx, change, () =>
        createIdentity(ctx, change.target, change.desired, change.write.fields),
      );
    }
    case 'forget':
      return { status: 'done', note: 'no longer managed; left in the tenant' };
    default:
      return unreachable(change, 'send-as action');
  }
}

/**
 * Runs `write`, retrying with backoff while Gmail refuses it with `failedPrecondition` (the gateway setting has
 * not propagated yet), until the propagation timeout; past it the change is pending.
 */
async function withPropagation(
  ctx: RunContext,
  change: WritingChange,
  write: () => Promise<Written>,
): Promise<ChangeOutcome> {
  const start = ctx.now();
  let delay = Math.max(1, ctx.propagationRetryMs);
  for (;;) {
    try {
      const { note, credentials, pendingVerification } = await write();
      const { userEmail } = change.target;
      return {
        status: 'done',
        note: pendingVerification ? [note, 'waiting for verification'].filter(Boolean).join('; ') : note,
        ...(credentials ? { learnt: { credentials } } : {}),
        ...(pendingVerification
          ? { awaitingVerification: { userEmail, sendAsEmail: change.desired.sendAsEmail } }
          : {}),
      };
    } catch (error) {
      if (!isAdminError(error, 'failedPrecondition')) throw error;
      const elapsed = ctx.now() - start;
      if (elapsed + delay > ctx.propagationTimeoutMs) {
        return {
          status: 'pending',
          reason:
            `Gmail still refuses it after ${Math.round(elapsed / 1000)} s (${error.message}); the gateway setting ` +
            'can take up to 24 hours to propagate: run apply again later',
        };
      }
      ctx.emit({ type: 'waiting', change, reason: 'gateway setting not in effect yet', elapsedMs: elapsed });
      await ctx.sleep(delay);
      delay = Math.min(delay * 2, 60_000);
    }
  }
}

async function createIdentity(
  ctx: RunContext,
  target: Target,
  spec: SendAsSpec,
  fields: readonly SendAsFieldName[],
): Promise<Written> {
  const prepared = prepareWrite(ctx, spec, fields);
  let note: string | undefined;
  let status: string | undefined;
  try {
    const created = await ctx.slot(() =>
      ctx.admin.createSendAs(target.userEmail, { ...prepared.body, sendAsEmail: spec.sendAsEmail }),
    );
    status = created.verificationStatus;
  } catch (error) {
    if (!isAdminError(error, 'alreadyExists')) throw error;
    // An earlier, interrupted run created it: converge what differs, and send the credentials again
    // (Gmail never returns them, so they cannot be compared).
    const existing = await ctx.slot(() => ctx.admin.getSendAs(target.userEmail, spec.sendAsEmail));
    status = existing?.verificationStatus;
    const differing = new Set<SendAsFieldName>(
      existing ? plainFieldDifferences(spec, existing).map((d) => d.name) : fields,
    );
    const patch = pick(
      prepared.body,
      fields.filter((f) => f === 'smtpMsa' || differing.has(f)),
    );
    if (Object.keys(patch).length > 0) {
      await ctx.slot(() => ctx.admin.patchSendAs(target.userEmail, spec.sendAsEmail, patch));
    }
    note = 'already existed; converged';
  }
  return { note, credentials: prepared.credentials, pendingVerification: status === 'pending' };
}

/**
 * Makes a just-created identity the default From address. Gmail refuses an unverified default, so while the
 * identity still waits for its owner's confirmation the switch is pending (apply again once confirmed) rather
 * than failed.
 */
async function switchDefault(
  ctx: RunContext,
  change: Extract<SendAsChange, { action: 'update' }>,
): Promise<ChangeOutcome> {
  const { userEmail, sendAsEmail } = change.target;
  try {
    return await withPropagation(ctx, change, () =>
      patchIdentity(ctx, change.target, change.desired, change.write.fields),
    );
  } catch (error) {
    if (!isAdminError(error, 'invalid')) throw error;
    const live = await ctx.slot(() => ctx.admin.getSendAs(userEmail, sendAsEmail));
    if (live?.verificationStatus !== 'pending') throw error;
    return {
      status: 'pending',
      reason:
        `Gmail refuses an unverified default: ${sendAsEmail} waits for its owner to click the link in Gmail's ` +
        'verification mail (`mailpolicy verify` sends it again); apply again once it is confirmed',
    };
  }
}

async function patchIdentity(
  ctx: RunContext,
  target: Target,
  spec: SendAsSpec,
  fields: readonly SendAsFieldName[],
): Promise<Written> {
  const prepared = prepareWrite(ctx, spec, fields);
  try {
    await ctx.slot(() => ctx.admin.patchSendAs(target.userEmail, target.sendAsEmail, prepared.body));
  } catch (error) {
    if (!isAdminError(error, 'notFound')) throw error;
    // Deleted behind our back since the plan: create it as declared, then write what this change was for.
    const created = await createIdentity(ctx, target, spec, creationFields(spec));
    const rest = fields.filter((f) => !creationFields(spec).includes(f));
    if (rest.length > 0)
      await ctx.slot(() => ctx.admin.patchSendAs(target.userEmail, spec.sendAsEmail, pick(prepared.body, rest)));
    return { note: created.note ?? 'was missing; created', credentials: created.credentials };
  }
  return { credentials: prepared.credentials };
}

async function deleteIdentity(ctx: RunContext, target: Target): Promise<ChangeOutcome> {
  let note: string | undefined;
  try {
    await ctx.slot(() => ctx.admin.deleteSendAs(target.userEmail, target.sendAsEmail));
  } catch (error) {
    if (!isAdminError(error, 'notFound')) throw error;
    note = 'already gone';
  }
  return { status: 'done', note };
}

/** The fields of `body` named in `fields`. */
function pick(body: MutableInput, fields: readonly SendAsFieldName[]): MutableInput {
  const out: MutableInput = {};
  for (const field of fields) if (body[field] !== undefined) Object.assign(out, { [field]: body[field] });
  return out;
}

/** Builds the request body of `fields` from the spec, resolving SMTP secrets now (never kept beyond the call). */
function prepareWrite(ctx: RunContext, spec: SendAsSpec, fields: readonly SendAsFieldName[]): PreparedWrite {
  const body: MutableInput = {};
  let credentials: SendAsCredentials | undefined;
  for (const field of fields) {
    if (field !== 'smtpMsa') {
      const value = plainSendAsField(field).desired(spec);
      if (value !== undefined) Object.assign(body, { [field]: value });
      continue;
    }
    const smtp = spec.smtp;
    if (!smtp) {
      throw new MailPolicyError(
        ErrorCodes.PLAN_INVARIANT,
        `the write of send-as ${spec.userEmail} → ${spec.sendAsEmail} sends smtpMsa, but the identity declares no SMTP endpoint`,
      );
    }
    const username = typeof smtp.username === 'string' ? smtp.username : secret(ctx, spec, 'username', smtp.username);
    const password = secret(ctx, spec, 'password', smtp.password);
    body.smtpMsa = { host: smtp.host, port: smtp.port, securityMode: smtp.securityMode, username, password };
    credentials = {
      passwordFingerprint: fingerprintSecret(password, ctx.fingerprintKey),
      usernameFingerprint: fingerprintSecret(username, ctx.fingerprintKey),
      endpoint: credentialEndpoint(smtp.host, smtp.port, smtp.securityMode),
      passwordRef: smtp.password.ref,
      ...(typeof smtp.username === 'string' ? {} : { usernameRef: smtp.username.ref }),
    };
  }
  return { body, credentials };
}

function secret(ctx: RunContext, spec: SendAsSpec, field: string, ref: SecretRef): string {
  const resolved = resolveSecret(ref, ctx.env, ctx.cwd);
  if (resolved.ok) return resolved.value;
  throw new MailPolicyError(
    ErrorCodes.SECRET_UNRESOLVED,
    `the SMTP ${field} of send-as ${spec.userEmail} → ${spec.sendAsEmail} references '${ref.ref}', which does not ` +
      `resolve: ${resolved.reason}. Set it (env:NAME or file:PATH) where apply runs.`,
    { reference: ref.ref, userEmail: spec.userEmail, sendAsEmail: spec.sendAsEmail },
  );
}
