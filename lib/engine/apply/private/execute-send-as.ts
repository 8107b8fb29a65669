import type { SendAsInput, SendAsRecord } from '../../../admin/workspace-admin';
import { ErrorCodes, MailPolicyError } from '../../../model/errors';
import type { SecretRef, SendAsSpec } from '../../../model/manifest';
import { fingerprintSecret, resolveSecret } from '../../../model/secret-ref';
import { ledgerEndpoint } from '../../ledger';
import type { LedgerEntry } from '../../ledger-types';
import type { Change } from '../../plan';
import { isAdminError, observedString, type ChangeOutcome, type RunContext } from './context';

/** Attribute names of a change that mean the SMTP settings (with credentials) must be sent again. */
const SMTP_ATTRIBUTE = /^smtp\b|password|username|credential/i;

/** The writable send-as fields an update may patch. */
type PatchField = 'displayName' | 'replyToAddress' | 'signature' | 'treatAsAlias' | 'isDefault' | 'smtpMsa';
const ALL_FIELDS: readonly PatchField[] = [
  'displayName',
  'replyToAddress',
  'signature',
  'treatAsAlias',
  'isDefault',
  'smtpMsa',
];

/** A write ready to send: the input (holding resolved secrets: never log it) and what to record afterwards. */
interface PreparedWrite {
  readonly input: SendAsInput;
  readonly ledgerEntry?: LedgerEntry;
}

/** Creates, patches, replaces or deletes one send-as identity. */
export async function executeSendAs(ctx: RunContext, change: Change): Promise<ChangeOutcome> {
  switch (change.action) {
    case 'create':
      return withPropagation(ctx, change, () => createIdentity(ctx, desiredSendAs(change)));
    case 'update': {
      const spec = desiredSendAs(change);
      return withPropagation(ctx, change, () => patchIdentity(ctx, spec, fieldsToPatch(change)));
    }
    case 'delete':
      return deleteIdentity(ctx, change);
    case 'replace': {
      await deleteIdentity(ctx, change);
      return withPropagation(ctx, change, () => createIdentity(ctx, desiredSendAs(change)));
    }
    case 'manual':
      return { status: 'manual', steps: change.manualSteps ?? [`Change the send-as identity ${change.subject}.`] };
  }
}

function desiredSendAs(change: Change): SendAsSpec {
  if (!change.desired || !('sendAsEmail' in change.desired)) {
    throw new Error(`change ${change.id} has no desired send-as identity`);
  }
  return change.desired;
}

/**
 * Runs `write`, retrying with backoff while Gmail refuses it with `failedPrecondition` (the gateway setting has
 * not propagated yet), until the propagation timeout; past it the change is pending.
 */
async function withPropagation(
  ctx: RunContext,
  change: Change,
  write: () => Promise<string | undefined>,
): Promise<ChangeOutcome> {
  const start = ctx.now();
  let delay = Math.max(1, ctx.propagationRetryMs);
  for (;;) {
    try {
      const note = await write();
      return { status: 'done', note };
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

async function createIdentity(ctx: RunContext, spec: SendAsSpec): Promise<string | undefined> {
  const prepared = prepareWrite(ctx, spec, true);
  const { isDefault: _isDefault, ...createInput } = prepared.input; // the default switch is a change of its own
  let note: string | undefined;
  try {
    await ctx.slot(() => ctx.admin.createSendAs(spec.userEmail, createInput));
  } catch (error) {
    if (!isAdminError(error, 'alreadyExists')) throw error;
    // An earlier, interrupted run created it: converge what differs, and send the credentials again
    // (Gmail never returns them, so they cannot be compared).
    const existing = await ctx.slot(() => ctx.admin.getSendAs(spec.userEmail, spec.sendAsEmail));
    const patch = differences(existing, prepared.input);
    if (Object.keys(patch).length > 0) {
      await ctx.slot(() => ctx.admin.patchSendAs(spec.userEmail, spec.sendAsEmail, patch));
    }
    note = 'already existed; converged';
  }
  if (prepared.ledgerEntry) await ctx.ledger.recordCredentials(spec.userEmail, spec.sendAsEmail, prepared.ledgerEntry);
  // Making it the default From address is a change of its own in the plan (`…#isDefault`), run after this one.
  return note;
}

/**
 * The fields an update patches: those its attributes name (`smtp.*` and credential attributes send the whole
 * SMTP block with fresh credentials); every declared field when the change lists no attributes.
 */
function fieldsToPatch(change: Change): ReadonlySet<PatchField> {
  if (change.attributes.length === 0) return new Set(ALL_FIELDS);
  const fields = new Set<PatchField>();
  for (const { name } of change.attributes) {
    if (SMTP_ATTRIBUTE.test(name)) fields.add('smtpMsa');
    else if ((ALL_FIELDS as readonly string[]).includes(name)) fields.add(name as PatchField);
  }
  return fields;
}

async function patchIdentity(
  ctx: RunContext,
  spec: SendAsSpec,
  fields: ReadonlySet<PatchField>,
): Promise<string | undefined> {
  const prepared = prepareWrite(ctx, spec, fields.has('smtpMsa'));
  const patch: { -readonly [K in keyof SendAsInput]?: SendAsInput[K] } = {};
  for (const field of fields) {
    if (prepared.input[field] !== undefined) Object.assign(patch, { [field]: prepared.input[field] });
  }
  if (Object.keys(patch).length === 0) return 'nothing to patch';
  try {
    await ctx.slot(() => ctx.admin.patchSendAs(spec.userEmail, spec.sendAsEmail, patch));
  } catch (error) {
    if (!isAdminError(error, 'notFound')) throw error;
    // Deleted behind our back since the plan: create it as declared.
    return `${(await createIdentity(ctx, spec)) ?? 'was missing; created'}`;
  }
  if (prepared.ledgerEntry) await ctx.ledger.recordCredentials(spec.userEmail, spec.sendAsEmail, prepared.ledgerEntry);
  return undefined;
}

async function deleteIdentity(ctx: RunContext, change: Change): Promise<ChangeOutcome> {
  const [userEmail, sendAsEmail] = identityOf(change);
  let note: string | undefined;
  try {
    await ctx.slot(() => ctx.admin.deleteSendAs(userEmail, sendAsEmail));
  } catch (error) {
    if (!isAdminError(error, 'notFound')) throw error;
    note = 'already gone';
  }
  await ctx.ledger.removeIdentity(userEmail, sendAsEmail);
  return { status: 'done', note };
}

function identityOf(change: Change): [string, string] {
  if (change.desired && 'sendAsEmail' in change.desired) return [change.desired.userEmail, change.desired.sendAsEmail];
  const user = observedString(change, 'userEmail');
  const alias = observedString(change, 'sendAsEmail');
  if (user && alias) return [user, alias];
  const match = /^sendAs:([^/]+)\/(.+)$/.exec(change.id);
  if (!match) throw new Error(`change ${change.id} does not name a user and a send-as address`);
  return [match[1], match[2]];
}

/** Builds the request body, resolving SMTP secrets now (they are never kept beyond the call). */
function prepareWrite(ctx: RunContext, spec: SendAsSpec, withCredentials: boolean): PreparedWrite {
  const input: { -readonly [K in keyof SendAsInput]: SendAsInput[K] } = { sendAsEmail: spec.sendAsEmail };
  if (spec.displayName !== undefined) input.displayName = spec.displayName;
  if (spec.replyToAddress !== undefined) input.replyToAddress = spec.replyToAddress;
  if (spec.signature !== undefined) input.signature = spec.signature;
  if (spec.treatAsAlias !== undefined) input.treatAsAlias = spec.treatAsAlias;
  if (spec.isDefault === true) input.isDefault = true;
  if (!spec.smtp || !withCredentials) return { input };
  const smtp = spec.smtp;
  const username = typeof smtp.username === 'string' ? smtp.username : secret(ctx, spec, 'username', smtp.username);
  const password = secret(ctx, spec, 'password', smtp.password);
  input.smtpMsa = { host: smtp.host, port: smtp.port, securityMode: smtp.securityMode, username, password };
  return {
    input,
    ledgerEntry: {
      passwordFingerprint: fingerprintSecret(password, ctx.fingerprintKey),
      usernameFingerprint: fingerprintSecret(username, ctx.fingerprintKey),
      endpoint: ledgerEndpoint(smtp.host, smtp.port, smtp.securityMode),
    },
  };
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

/** The fields of `desired` that the live identity lacks or holds differently (credentials always included). */
function differences(live: SendAsRecord | undefined, desired: SendAsInput): Partial<SendAsInput> {
  const patch: { -readonly [K in keyof SendAsInput]?: SendAsInput[K] } = {};
  if (desired.displayName !== undefined && live?.displayName !== desired.displayName)
    patch.displayName = desired.displayName;
  if (desired.replyToAddress !== undefined && live?.replyToAddress !== desired.replyToAddress) {
    patch.replyToAddress = desired.replyToAddress;
  }
  if (desired.signature !== undefined && live?.signature !== desired.signature) patch.signature = desired.signature;
  if (desired.treatAsAlias !== undefined && live?.treatAsAlias !== desired.treatAsAlias) {
    patch.treatAsAlias = desired.treatAsAlias;
  }
  if (desired.smtpMsa) patch.smtpMsa = desired.smtpMsa;
  return patch;
}
