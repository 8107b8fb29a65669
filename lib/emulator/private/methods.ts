/**
 * The method table: every served method id with the scopes that permit it (any one suffices), the API family
 * (which decides error shapes and who may call it) and its quota cost. The scope lists are the discovery
 * documents' (`methods.<m>.scopes`), as the generated clients `@googleapis/admin` 32 (`directory_v1`),
 * `@googleapis/gmail` 18 and `@googleapis/cloudidentity` 21 carry them in each method's documentation.
 */

const S = (name: string): string => `https://www.googleapis.com/auth/${name}`;

/** Every scope the project uses: the default delegation grant of keys created by the emulator. */
export const PROJECT_SCOPES: readonly string[] = [
  S('admin.directory.domain.readonly'),
  S('admin.directory.group.member.readonly'),
  S('admin.directory.group.readonly'),
  S('admin.directory.orgunit'),
  S('admin.directory.orgunit.readonly'),
  S('admin.directory.user'),
  S('admin.directory.user.alias'),
  S('admin.directory.user.alias.readonly'),
  S('admin.directory.user.readonly'),
  S('cloud-identity.policies'),
  S('cloud-identity.policies.readonly'),
  S('gmail.settings.basic'),
  S('gmail.settings.sharing'),
];

export type ApiFamily = 'gmail' | 'directory' | 'policy';

export interface MethodInfo {
  readonly id: string;
  readonly family: ApiFamily;
  readonly scopes: readonly string[];
  /** Quota units (Gmail's published table; 1 for Directory and Policy, an emulator choice). */
  readonly units: number;
}

const GMAIL_READ = ['https://mail.google.com/', S('gmail.modify'), S('gmail.readonly'), S('gmail.settings.basic')];
const SHARING = [S('gmail.settings.sharing')];
const BASIC_OR_SHARING = [S('gmail.settings.basic'), S('gmail.settings.sharing')];
const OU_W = [S('admin.directory.orgunit')];
const OU_R = [S('admin.directory.orgunit'), S('admin.directory.orgunit.readonly')];
const USER_W = [S('admin.directory.user')];
const USER_R = [S('admin.directory.user'), S('admin.directory.user.readonly')];
/** users.list alone also lists cloud-platform (users.get does not). */
const USER_LIST = [...USER_R, S('cloud-platform')];
const ALIAS_W = [S('admin.directory.user'), S('admin.directory.user.alias')];
const ALIAS_R = [
  S('admin.directory.user'),
  S('admin.directory.user.alias'),
  S('admin.directory.user.alias.readonly'),
  S('admin.directory.user.readonly'),
];
const DOMAIN_R = [S('admin.directory.domain'), S('admin.directory.domain.readonly')];
const GROUP_R = [S('admin.directory.group'), S('admin.directory.group.readonly')];
const MEMBER_R = [
  S('admin.directory.group'),
  S('admin.directory.group.member'),
  S('admin.directory.group.member.readonly'),
  S('admin.directory.group.readonly'),
];
const POL_W = [S('cloud-identity.policies')];
const POL_R = [S('cloud-identity.policies'), S('cloud-identity.policies.readonly')];

function table(entries: [string, ApiFamily, readonly string[], number][]): Record<string, MethodInfo> {
  return Object.fromEntries(entries.map(([id, family, scopes, units]) => [id, { id, family, scopes, units }]));
}

export const METHODS: Readonly<Record<string, MethodInfo>> = table([
  ['gmail.users.settings.sendAs.list', 'gmail', GMAIL_READ, 1],
  ['gmail.users.settings.sendAs.get', 'gmail', GMAIL_READ, 1],
  ['gmail.users.settings.sendAs.create', 'gmail', SHARING, 100],
  ['gmail.users.settings.sendAs.patch', 'gmail', BASIC_OR_SHARING, 100],
  ['gmail.users.settings.sendAs.update', 'gmail', BASIC_OR_SHARING, 100],
  ['gmail.users.settings.sendAs.delete', 'gmail', SHARING, 5],
  ['gmail.users.settings.sendAs.verify', 'gmail', SHARING, 100],
  ['directory.orgunits.list', 'directory', OU_R, 1],
  ['directory.orgunits.get', 'directory', OU_R, 1],
  ['directory.orgunits.insert', 'directory', OU_W, 1],
  ['directory.orgunits.patch', 'directory', OU_W, 1],
  ['directory.orgunits.update', 'directory', OU_W, 1],
  ['directory.orgunits.delete', 'directory', OU_W, 1],
  ['directory.users.list', 'directory', USER_LIST, 1],
  ['directory.users.get', 'directory', USER_R, 1],
  ['directory.users.patch', 'directory', USER_W, 1],
  ['directory.users.update', 'directory', USER_W, 1],
  ['directory.users.aliases.list', 'directory', ALIAS_R, 1],
  ['directory.users.aliases.insert', 'directory', ALIAS_W, 1],
  ['directory.users.aliases.delete', 'directory', ALIAS_W, 1],
  ['directory.domains.list', 'directory', DOMAIN_R, 1],
  ['directory.groups.list', 'directory', GROUP_R, 1],
  ['directory.groups.get', 'directory', GROUP_R, 1],
  ['directory.members.list', 'directory', MEMBER_R, 1],
  ['directory.members.get', 'directory', MEMBER_R, 1],
  ['directory.members.hasMember', 'directory', MEMBER_R, 1],
  ['cloudidentity.policies.list', 'policy', POL_R, 1],
  ['cloudidentity.policies.get', 'policy', POL_R, 1],
  ['cloudidentity.policies.create', 'policy', POL_W, 1],
  ['cloudidentity.policies.patch', 'policy', POL_W, 1],
  ['cloudidentity.policies.delete', 'policy', POL_W, 1],
]);
