/**
 * OAuth scopes, asked per call family so that each token carries only what its calls need (least privilege):
 * a Gmail token never holds Directory scopes and a read-only client never asks for a write scope.
 */
import type { AccessLevel } from './workspace-admin';

const SCOPE_PREFIX = 'https://www.googleapis.com/auth/';

/** Expands a short scope name (`gmail.settings.basic`) to its URL. */
export function scopeUrl(name: string): string {
  return name.startsWith('https://') ? name : `${SCOPE_PREFIX}${name}`;
}

/** Shortens a scope URL to its name for messages: `https://…/auth/gmail.settings.basic` → `gmail.settings.basic`. */
export function scopeName(url: string): string {
  return url.startsWith(SCOPE_PREFIX) ? url.slice(SCOPE_PREFIX.length) : url;
}

/** Groups of calls that share a token: one token per (subject, family scopes). */
export type CallFamily = 'orgUnits' | 'users' | 'groups' | 'policies' | 'sendAs';

/** Scope names per family and access level. `write` scopes also permit the family's reads. */
export const FAMILY_SCOPES: Readonly<Record<CallFamily, Readonly<Record<AccessLevel, readonly string[]>>>> = {
  orgUnits: { read: ['admin.directory.orgunit.readonly'], write: ['admin.directory.orgunit'] },
  users: { read: ['admin.directory.user.readonly'], write: ['admin.directory.user'] },
  // Read only when the tenant has group-scoped gateway policies: the groups they name and their members.
  groups: { read: ['admin.directory.group.readonly'], write: ['admin.directory.group.readonly'] },
  policies: { read: ['cloud-identity.policies.readonly'], write: ['cloud-identity.policies'] },
  sendAs: { read: ['gmail.settings.basic'], write: ['gmail.settings.basic', 'gmail.settings.sharing'] },
};

/**
 * The scope a read-only client reads send-as settings with. Gmail has no read-only settings scope:
 * `basic` (`gmail.settings.basic`) can also change settings such as signatures and filters; `readonly`
 * (`gmail.readonly`) cannot change anything but can read every message. Both list and get send-as addresses.
 */
export type GmailReadScope = 'basic' | 'readonly';

export const GMAIL_READ_SCOPES: Readonly<Record<GmailReadScope, string>> = {
  basic: 'gmail.settings.basic',
  readonly: 'gmail.readonly',
};

function familyScopeNames(family: CallFamily, access: AccessLevel, gmailRead: GmailReadScope): readonly string[] {
  return family === 'sendAs' && access === 'read' ? [GMAIL_READ_SCOPES[gmailRead]] : FAMILY_SCOPES[family][access];
}

/** Every scope a client of this access level may ask for, as URLs (what a delegation grant must list). */
export function scopesForAccess(access: AccessLevel, gmailRead: GmailReadScope = 'basic'): string[] {
  const names = new Set<string>();
  for (const family of Object.keys(FAMILY_SCOPES) as CallFamily[]) {
    for (const name of familyScopeNames(family, access, gmailRead)) names.add(name);
  }
  return [...names].map(scopeUrl);
}

/** The scope URLs a token for `family` asks for at `access`. */
export function familyScopes(family: CallFamily, access: AccessLevel, gmailRead: GmailReadScope = 'basic'): string[] {
  return familyScopeNames(family, access, gmailRead).map(scopeUrl);
}

/** The scope a person must grant for `method` (a read of send-as addresses: the chosen Gmail read scope). */
export function requiredScope(method: MethodId, access: AccessLevel, gmailRead: GmailReadScope = 'basic'): string {
  const info: MethodInfo = METHODS[method];
  return info.family === 'sendAs' && !info.write && access === 'read' ? GMAIL_READ_SCOPES[gmailRead] : info.scope;
}

/** One method the client calls: its family, whether it writes, and the one scope that permits it. */
export interface MethodInfo {
  readonly family: CallFamily;
  readonly write: boolean;
  /** The scope name a person must grant for this method (named in permission errors). */
  readonly scope: string;
  /** Quota units (Gmail) or queries (Directory, Policy) one call costs. */
  readonly cost: number;
}

/** Every method id the client uses (Google's discovery ids). */
export const METHODS = {
  'directory.orgunits.list': { family: 'orgUnits', write: false, scope: 'admin.directory.orgunit.readonly', cost: 1 },
  'directory.orgunits.insert': { family: 'orgUnits', write: true, scope: 'admin.directory.orgunit', cost: 1 },
  'directory.orgunits.patch': { family: 'orgUnits', write: true, scope: 'admin.directory.orgunit', cost: 1 },
  'directory.orgunits.delete': { family: 'orgUnits', write: true, scope: 'admin.directory.orgunit', cost: 1 },
  'directory.users.get': { family: 'users', write: false, scope: 'admin.directory.user.readonly', cost: 1 },
  'directory.users.list': { family: 'users', write: false, scope: 'admin.directory.user.readonly', cost: 1 },
  'directory.users.patch': { family: 'users', write: true, scope: 'admin.directory.user', cost: 1 },
  'directory.users.aliases.insert': { family: 'users', write: true, scope: 'admin.directory.user', cost: 1 },
  'directory.users.aliases.delete': { family: 'users', write: true, scope: 'admin.directory.user', cost: 1 },
  'directory.groups.get': { family: 'groups', write: false, scope: 'admin.directory.group.readonly', cost: 1 },
  'directory.members.list': { family: 'groups', write: false, scope: 'admin.directory.group.readonly', cost: 1 },
  'cloudidentity.policies.list': {
    family: 'policies',
    write: false,
    scope: 'cloud-identity.policies.readonly',
    cost: 1,
  },
  'cloudidentity.policies.create': { family: 'policies', write: true, scope: 'cloud-identity.policies', cost: 1 },
  'cloudidentity.policies.patch': { family: 'policies', write: true, scope: 'cloud-identity.policies', cost: 1 },
  'cloudidentity.policies.delete': { family: 'policies', write: true, scope: 'cloud-identity.policies', cost: 1 },
  'cloudidentity.operations.get': { family: 'policies', write: true, scope: 'cloud-identity.policies', cost: 1 },
  // Gmail quota units from Google's published table: create/update/verify 100, delete 5, get/list 1;
  // patch is not listed and is taken as 100 like update.
  'gmail.users.settings.sendAs.list': { family: 'sendAs', write: false, scope: 'gmail.settings.basic', cost: 1 },
  'gmail.users.settings.sendAs.get': { family: 'sendAs', write: false, scope: 'gmail.settings.basic', cost: 1 },
  'gmail.users.settings.sendAs.create': { family: 'sendAs', write: true, scope: 'gmail.settings.sharing', cost: 100 },
  'gmail.users.settings.sendAs.patch': { family: 'sendAs', write: true, scope: 'gmail.settings.sharing', cost: 100 },
  'gmail.users.settings.sendAs.delete': { family: 'sendAs', write: true, scope: 'gmail.settings.sharing', cost: 5 },
  'gmail.users.settings.sendAs.verify': { family: 'sendAs', write: true, scope: 'gmail.settings.sharing', cost: 100 },
} as const satisfies Record<string, MethodInfo>;

export type MethodId = keyof typeof METHODS;
