/**
 * Google's paths served by the emulator: verb + path pattern → method id and named path parameters. Path
 * parameters are percent-decoded; in `orgUnitPath` (`{+orgUnitPath}`, reserved expansion) a raw `+` reads as
 * a space, as Google reads it (google-api-python-client #1812, #2579; GAM #693), and `%2B` as `+`.
 */
import { ApiError } from './google-error';

interface Route {
  readonly verb: string;
  readonly pattern: RegExp;
  readonly method: string;
  readonly params: readonly string[];
}

const SEND_AS = '^/gmail/v1/users/([^/]+)/settings/sendAs';
const OUS = '^/admin/directory/v1/customer/([^/]+)/orgunits';
const USERS = '^/admin/directory/v1/users';
const GROUPS = '^/admin/directory/v1/groups';
const POLICIES = '^/(v1|v1beta1)/policies';

function route(verb: string, pattern: string, method: string, params: string[]): Route {
  return { verb, pattern: new RegExp(pattern), method, params };
}

const ROUTES: readonly Route[] = [
  route('GET', `${SEND_AS}$`, 'gmail.users.settings.sendAs.list', ['userId']),
  route('POST', `${SEND_AS}$`, 'gmail.users.settings.sendAs.create', ['userId']),
  route('GET', `${SEND_AS}/([^/]+)$`, 'gmail.users.settings.sendAs.get', ['userId', 'sendAsEmail']),
  route('PATCH', `${SEND_AS}/([^/]+)$`, 'gmail.users.settings.sendAs.patch', ['userId', 'sendAsEmail']),
  route('PUT', `${SEND_AS}/([^/]+)$`, 'gmail.users.settings.sendAs.update', ['userId', 'sendAsEmail']),
  route('DELETE', `${SEND_AS}/([^/]+)$`, 'gmail.users.settings.sendAs.delete', ['userId', 'sendAsEmail']),
  route('POST', `${SEND_AS}/([^/]+)/verify$`, 'gmail.users.settings.sendAs.verify', ['userId', 'sendAsEmail']),
  route('GET', `${OUS}$`, 'directory.orgunits.list', ['customerId']),
  route('POST', `${OUS}$`, 'directory.orgunits.insert', ['customerId']),
  route('GET', `${OUS}/(.+)$`, 'directory.orgunits.get', ['customerId', 'orgUnitPath']),
  route('PATCH', `${OUS}/(.+)$`, 'directory.orgunits.patch', ['customerId', 'orgUnitPath']),
  route('PUT', `${OUS}/(.+)$`, 'directory.orgunits.update', ['customerId', 'orgUnitPath']),
  route('DELETE', `${OUS}/(.+)$`, 'directory.orgunits.delete', ['customerId', 'orgUnitPath']),
  route('GET', '^/admin/directory/v1/customer/([^/]+)/domains$', 'directory.domains.list', ['customer']),
  route('GET', `${USERS}$`, 'directory.users.list', []),
  route('GET', `${USERS}/([^/]+)$`, 'directory.users.get', ['userKey']),
  route('PATCH', `${USERS}/([^/]+)$`, 'directory.users.patch', ['userKey']),
  route('PUT', `${USERS}/([^/]+)$`, 'directory.users.update', ['userKey']),
  route('GET', `${USERS}/([^/]+)/aliases$`, 'directory.users.aliases.list', ['userKey']),
  route('POST', `${USERS}/([^/]+)/aliases$`, 'directory.users.aliases.insert', ['userKey']),
  route('DELETE', `${USERS}/([^/]+)/aliases/([^/]+)$`, 'directory.users.aliases.delete', ['userKey', 'alias']),
  route('GET', `${GROUPS}$`, 'directory.groups.list', []),
  route('GET', `${GROUPS}/([^/]+)$`, 'directory.groups.get', ['groupKey']),
  route('GET', `${GROUPS}/([^/]+)/members$`, 'directory.members.list', ['groupKey']),
  route('GET', `${GROUPS}/([^/]+)/members/([^/]+)$`, 'directory.members.get', ['groupKey', 'memberKey']),
  route('GET', `${GROUPS}/([^/]+)/hasMember/([^/]+)$`, 'directory.members.hasMember', ['groupKey', 'memberKey']),
  route('GET', `${POLICIES}$`, 'cloudidentity.policies.list', ['version']),
  route('POST', `${POLICIES}$`, 'cloudidentity.policies.create', ['version']),
  route('GET', `${POLICIES}/([^/]+)$`, 'cloudidentity.policies.get', ['version', 'policyId']),
  route('PATCH', `${POLICIES}/([^/]+)$`, 'cloudidentity.policies.patch', ['version', 'policyId']),
  route('DELETE', `${POLICIES}/([^/]+)$`, 'cloudidentity.policies.delete', ['version', 'policyId']),
];

function decode(value: string, plusIsSpace: boolean): string {
  try {
    return decodeURIComponent(plusIsSpace ? value.replace(/\+/g, ' ') : value);
  } catch {
    throw new ApiError(400, 'badRequest', `Invalid percent-encoding in the path: ${value}`);
  }
}

/** The API family a path belongs to (for error shapes before a method is known). */
export function familyOfPath(path: string): 'gmail' | 'directory' | 'policy' | undefined {
  if (path.startsWith('/gmail/')) return 'gmail';
  if (path.startsWith('/admin/')) return 'directory';
  if (/^\/(v1|v1beta1)\//.test(path)) return 'policy';
  return undefined;
}

/** The method and path parameters of `verb path`; 404 for an unknown path, 405 for a known path and other verb. */
export function matchRoute(verb: string, path: string): { method: string; params: Record<string, string> } {
  const candidates = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).filter((x) => x.m !== null);
  const hit = candidates.find((x) => x.r.verb === verb);
  if (!hit) {
    if (candidates.length > 0) throw new ApiError(405, 'badRequest', `Method ${verb} is not allowed on ${path}.`);
    throw new ApiError(404, 'notFound', `The requested URL ${path} was not found on this server.`);
  }
  const params: Record<string, string> = {};
  hit.r.params.forEach((name, i) => (params[name] = decode(hit.m![i + 1], name === 'orgUnitPath')));
  return { method: hit.r.method, params };
}
