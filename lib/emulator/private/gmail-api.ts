/**
 * Gmail `users.settings.sendAs`: list / get / create / patch / update / delete / verify.
 */
import { bodyObject, noContent, ok, optionalField, type CallContext, type Handler } from './call-context';
import { effectiveGateway } from './effective-gateway';
import { ApiError, failedPrecondition, invalidArgument, notFound } from './google-error';
import { sanitiseSignature } from './sanitise-signature';
import { validateSmtp } from './smtp-check';
import type { StoredSendAs, UserRow } from './store';

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const SECURITY_MODES = ['ssl', 'starttls', 'none'] as const;

interface SmtpInput {
  host: string;
  port: number;
  securityMode: (typeof SECURITY_MODES)[number];
  username: string;
  password: string;
}

function entityNotFound(): ApiError {
  return notFound('Requested entity was not found.');
}

/** The mailbox owner: `me` or the token's own subject (the router has refused other users already). */
function mailbox(ctx: CallContext): UserRow {
  const user = ctx.grant.sub ? ctx.store.userByEmail(ctx.grant.sub) : undefined;
  if (!user) throw entityNotFound();
  return user;
}

/** SendAs as Gmail returns it: never credentials, false booleans omitted. */
export function publicSendAs(s: StoredSendAs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (v === undefined || v === false) continue;
    out[k] = v;
  }
  return out;
}

function parseSmtp(ctx: CallContext, raw: Record<string, unknown>): SmtpInput {
  const where = 'smtpMsa.';
  const host = optionalField(raw, 'host', 'string', where);
  const portRaw = raw.port;
  const port = typeof portRaw === 'string' && /^\d+$/.test(portRaw) ? Number(portRaw) : portRaw;
  const securityMode = optionalField(raw, 'securityMode', 'string', where);
  const username = optionalField(raw, 'username', 'string', where);
  const password = optionalField(raw, 'password', 'string', where);
  if (!host) throw invalidArgument('smtpMsa.host is required.');
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalidArgument(`Invalid smtpMsa.port: ${JSON.stringify(portRaw)} (an integer from 1 to 65535 is required).`);
  }
  if (!SECURITY_MODES.includes(securityMode as SmtpInput['securityMode'])) {
    throw invalidArgument(
      `Invalid smtpMsa.securityMode: ${JSON.stringify(securityMode)} (one of ssl, starttls, none is required).`,
    );
  }
  // SmtpMsa.securityMode `none`: "Communication with the remote SMTP service is unsecured. Requires port 25."
  if (securityMode === 'none' && port !== 25 && !ctx.knobs.allowInsecureSmtpAnyPort) {
    throw invalidArgument(
      `Invalid smtpMsa: securityMode none requires port 25, got port ${port} (use ssl or starttls on other ports).`,
    );
  }
  if (!username) throw invalidArgument('smtpMsa.username is required.');
  if (!password) throw invalidArgument('smtpMsa.password is required.');
  return { host, port, securityMode: securityMode as SmtpInput['securityMode'], username, password };
}

/** Effective gateway setting (after the propagation delay) and then the real SMTP handshake. */
async function checkSmtp(ctx: CallContext, user: UserRow, smtp: SmtpInput): Promise<void> {
  const effective = effectiveGateway(ctx.store, user, ctx.now - ctx.knobs.propagationDelayMs);
  if (!effective.allow) {
    const why =
      effective.source === 'group'
        ? `a policy for group ${effective.where} turns it off`
        : effective.source === 'orgUnit'
          ? `the policy of ${effective.where} turns it off`
          : 'it is off by default and no policy turns it on';
    throw failedPrecondition(
      `Per-user outbound gateways are not allowed for this user's organisational unit (${user.orgUnitPath}): ` +
        `the admin setting "Allow per-user outbound gateways" (settings/gmail.per_user_outbound_gateway) is off (${why}), so smtpMsa cannot be used.`,
    );
  }
  await validateSmtp(smtp, ctx.knobs.smtpCa, ctx.knobs.smtpTimeoutMs);
}

/** Gmail's limit on a signature's length ([SIG-LEN]). */
const MAX_SIGNATURE_LENGTH = 10_000;

/** The writable fields of a SendAs body (signature sanitised). */
function editableFields(body: Record<string, unknown>): Partial<StoredSendAs> {
  const out: Partial<StoredSendAs> = {};
  const displayName = optionalField(body, 'displayName', 'string');
  const replyToAddress = optionalField(body, 'replyToAddress', 'string');
  const signature = optionalField(body, 'signature', 'string');
  const treatAsAlias = optionalField(body, 'treatAsAlias', 'boolean');
  if (displayName !== undefined) out.displayName = displayName;
  if (replyToAddress !== undefined) {
    if (replyToAddress !== '' && !EMAIL.test(replyToAddress))
      throw invalidArgument(`Invalid replyToAddress: "${replyToAddress}"`);
    out.replyToAddress = replyToAddress;
  }
  if (signature !== undefined) {
    if (signature.length > MAX_SIGNATURE_LENGTH) {
      throw invalidArgument(`Signature exceeds maximum length of ${MAX_SIGNATURE_LENGTH} characters`);
    }
    out.signature = sanitiseSignature(signature);
  }
  if (treatAsAlias !== undefined) out.treatAsAlias = treatAsAlias;
  return out;
}

function isDefaultRequest(body: Record<string, unknown>, current: StoredSendAs | undefined): boolean {
  const v = optionalField(body, 'isDefault', 'boolean');
  if (v === false && current?.isDefault) {
    throw invalidArgument('isDefault can only be set to true; make another address the default instead.');
  }
  return v === true;
}

/**
 * How Gmail sees an address for this user: `own` (the primary address or one of the user's Directory aliases,
 * `aliases` or `nonEditableAliases`), `domain` (in a customer domain but not the user's) or `external`.
 */
function addressKind(ctx: CallContext, user: UserRow, email: string): 'own' | 'domain' | 'external' {
  const lower = email.trim().toLowerCase();
  if (lower === user.email || ctx.store.aliasesOf(user.email).some((a) => a.alias.toLowerCase() === lower)) {
    return 'own';
  }
  const domain = lower.slice(lower.lastIndexOf('@') + 1);
  return ctx.store.domains().includes(domain) ? 'domain' : 'external';
}

/**
 * Whether an address needs smtpMsa: an in-domain address that is not the user's own needs it (GAM #681,
 * "Custom from requires smtpMsa configuration" until the Directory alias exists); so does an external one,
 * unless `acceptExternalWithoutSmtp`.
 */
function needsSmtp(ctx: CallContext, kind: 'own' | 'domain' | 'external'): boolean {
  return kind === 'domain' || (kind === 'external' && !ctx.knobs.acceptExternalWithoutSmtp);
}

const unverifiedDefault = (): ApiError => invalidArgument('Unverified send-as cannot be set as the default');

function sendVerification(ctx: CallContext, user: UserRow, sendAsEmail: string): void {
  ctx.store.outboxAdd({
    userEmail: user.primaryEmail,
    sendAsEmail,
    to: sendAsEmail,
    subject: `Gmail Confirmation - Send Mail as ${sendAsEmail}`,
    sentAt: new Date(ctx.now).toISOString(),
  });
}

const list: Handler = (ctx) => ok({ sendAs: ctx.store.sendAsList(mailbox(ctx).email).map(publicSendAs) });

const get: Handler = (ctx) => {
  const found = ctx.store.sendAsGet(mailbox(ctx).email, ctx.params.sendAsEmail);
  if (!found) throw entityNotFound();
  return ok(publicSendAs(found));
};

const create: Handler = async (ctx) => {
  const user = mailbox(ctx);
  const body = bodyObject(ctx);
  const sendAsEmail = optionalField(body, 'sendAsEmail', 'string')?.trim();
  if (!sendAsEmail) throw invalidArgument('sendAsEmail is required.');
  if (!EMAIL.test(sendAsEmail)) throw invalidArgument(`Invalid sendAsEmail: "${sendAsEmail}"`);
  if (ctx.store.sendAsGet(user.email, sendAsEmail)) {
    throw new ApiError(409, 'alreadyExists', `Send-as address ${sendAsEmail} already exists for ${user.primaryEmail}.`);
  }
  const fields = editableFields(body);
  const makeDefault = isDefaultRequest(body, undefined);
  const kind = addressKind(ctx, user, sendAsEmail);
  const rawSmtp = optionalField(body, 'smtpMsa', 'object');
  const smtp = rawSmtp ? parseSmtp(ctx, rawSmtp) : undefined;
  if (!smtp && needsSmtp(ctx, kind)) throw invalidArgument('Custom from requires smtpMsa configuration');
  // Only the user's own addresses are accepted at once; others wait for the owner's confirmation.
  const pending = kind !== 'own';
  if (makeDefault && pending) throw unverifiedDefault();
  if (smtp) await checkSmtp(ctx, user, smtp);
  const stored: StoredSendAs = {
    sendAsEmail,
    displayName: fields.displayName ?? '',
    replyToAddress: fields.replyToAddress ?? '',
    signature: fields.signature ?? '',
    isPrimary: false,
    isDefault: makeDefault,
    treatAsAlias: fields.treatAsAlias ?? false,
    smtpMsa: smtp && { host: smtp.host, port: smtp.port, securityMode: smtp.securityMode },
    verificationStatus: pending ? 'pending' : 'accepted',
  };
  ctx.store.transaction(() => {
    if (ctx.store.sendAsGet(user.email, sendAsEmail)) {
      throw new ApiError(
        409,
        'alreadyExists',
        `Send-as address ${sendAsEmail} already exists for ${user.primaryEmail}.`,
      );
    }
    if (makeDefault) ctx.store.clearDefault(user.email);
    ctx.store.sendAsInsert(user.email, stored);
    if (pending) sendVerification(ctx, user, sendAsEmail);
  });
  return ok(publicSendAs(stored));
};

/** patch (merge) and update (replace) share this; `replace` resets the fields not given. */
function modify(replace: boolean): Handler {
  return async (ctx) => {
    const user = mailbox(ctx);
    const current = ctx.store.sendAsGet(user.email, ctx.params.sendAsEmail);
    if (!current) throw entityNotFound();
    const body = bodyObject(ctx);
    const given = optionalField(body, 'sendAsEmail', 'string');
    if (given !== undefined && given.trim().toLowerCase() !== current.sendAsEmail.toLowerCase()) {
      throw invalidArgument(`sendAsEmail is read-only except on create: got "${given}" for ${current.sendAsEmail}.`);
    }
    const fields = editableFields(body);
    const makeDefault = isDefaultRequest(body, current);
    const rawSmtp = optionalField(body, 'smtpMsa', 'object');
    if (current.isPrimary && (rawSmtp || fields.treatAsAlias !== undefined)) {
      throw invalidArgument(
        'smtpMsa and treatAsAlias apply only to custom "from" aliases, not to the primary address.',
      );
    }
    const smtp = rawSmtp ? parseSmtp(ctx, rawSmtp) : undefined;
    const base: StoredSendAs = replace
      ? {
          sendAsEmail: current.sendAsEmail,
          displayName: '',
          replyToAddress: '',
          signature: '',
          isPrimary: current.isPrimary,
          isDefault: current.isDefault,
          ...(current.isPrimary ? {} : { treatAsAlias: false, verificationStatus: current.verificationStatus }),
        }
      : { ...current };
    const next: StoredSendAs = { ...base, ...fields };
    if (smtp) next.smtpMsa = { host: smtp.host, port: smtp.port, securityMode: smtp.securityMode };
    if (!current.isPrimary && !next.smtpMsa && needsSmtp(ctx, addressKind(ctx, user, current.sendAsEmail))) {
      throw invalidArgument('Custom from requires smtpMsa configuration');
    }
    if (makeDefault && current.verificationStatus === 'pending') throw unverifiedDefault();
    if (smtp) await checkSmtp(ctx, user, smtp);
    if (makeDefault) next.isDefault = true;
    ctx.store.transaction(() => {
      if (!ctx.store.sendAsGet(user.email, current.sendAsEmail)) throw entityNotFound();
      if (makeDefault) ctx.store.clearDefault(user.email);
      ctx.store.sendAsUpdate(user.email, next);
    });
    return ok(publicSendAs(next));
  };
}

const remove: Handler = (ctx) => {
  const user = mailbox(ctx);
  const current = ctx.store.sendAsGet(user.email, ctx.params.sendAsEmail);
  if (!current) throw entityNotFound();
  if (current.isPrimary) throw invalidArgument(`Cannot delete primary send-as ${current.sendAsEmail}.`);
  ctx.store.transaction(() => {
    ctx.store.sendAsDelete(user.email, current.sendAsEmail);
    if (current.isDefault) {
      const primary = ctx.store.sendAsList(user.email).find((s) => s.isPrimary);
      if (primary) ctx.store.sendAsUpdate(user.email, { ...primary, isDefault: true });
    }
  });
  return noContent();
};

const verify: Handler = (ctx) => {
  const user = mailbox(ctx);
  const current = ctx.store.sendAsGet(user.email, ctx.params.sendAsEmail);
  if (!current) throw entityNotFound();
  if (current.verificationStatus !== 'pending') {
    throw failedPrecondition(
      `Send-as address ${current.sendAsEmail} is ${current.isPrimary ? 'the primary address' : `already ${current.verificationStatus ?? 'accepted'}`}; verify works only while the verification status is pending.`,
    );
  }
  ctx.store.transaction(() => sendVerification(ctx, user, current.sendAsEmail));
  return noContent();
};

export const GMAIL_HANDLERS: Readonly<Record<string, Handler>> = {
  'gmail.users.settings.sendAs.list': list,
  'gmail.users.settings.sendAs.get': get,
  'gmail.users.settings.sendAs.create': create,
  'gmail.users.settings.sendAs.patch': modify(false),
  'gmail.users.settings.sendAs.update': modify(true),
  'gmail.users.settings.sendAs.delete': remove,
  'gmail.users.settings.sendAs.verify': verify,
};
