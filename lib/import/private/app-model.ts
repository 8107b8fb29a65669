import type { SecurityModeValue, Manifest, SendAsSpec } from '../../model/manifest';
import { emptyManifest } from '../../model/manifest';
import { importablePlainFields } from '../../model/send-as-fields';
import { effectiveGateway } from '../../model/effective-gateway';
import { isInDomains, normaliseEmail } from '../../model/email';
import { ROOT_PATH, orgUnitKey, orgUnitSegments, parentOrgUnitPath } from '../../model/org-unit-path';
import {
  compareOrgUnitPaths,
  type ImportedOrgUnit,
  type ImportedSendAs,
  type ImportedTenant,
  type ImportedUser,
} from '../imported-tenant';
import { constructIdOf, emailIdOf, identifierOf, smtpEnvStem, UniqueNames } from './identifiers';

/**
 * The generated app before it is written out: every construct with its id, variable and manifest entry.
 * Building this first lets the generator know which variables are referenced (unused `const`s would not
 * type-check) and compute the manifest the code synthesises to (for the rule pack and for tests).
 */

export interface OrgUnitNode {
  readonly path: string;
  readonly constructId: string;
  readonly variable: string;
  /** `undefined` for the top OU (referenced with `OrgUnit.fromPath`). */
  readonly ou?: ImportedOrgUnit;
  /** The parent's node; undefined for the top OU and for top-level OUs below the root. */
  readonly parent?: OrgUnitNode;
  referenced: boolean;
}

export interface SmtpNode {
  readonly host: string;
  readonly port: number;
  readonly securityMode: SecurityModeValue;
  /** Set when Gmail reported `securityModeUnspecified` and the mode was guessed from the port. */
  readonly guessedMode: boolean;
  readonly usernameEnv: string;
  readonly passwordEnv: string;
}

export interface IdentityNode {
  readonly constructId: string;
  readonly sendAs: ImportedSendAs;
  readonly smtp?: SmtpNode;
}

export interface UserNode {
  readonly user: ImportedUser;
  readonly constructId: string;
  /** Only users with identities get a variable. */
  readonly variable?: string;
  /** The user's OU, or undefined when the placement is left out (see `placementNote`). */
  readonly orgUnit?: OrgUnitNode;
  readonly placementNote?: string;
  readonly identities: readonly IdentityNode[];
  /**
   * The user's aliases the code declares (lower case, sorted): those backing one of its in-domain identities.
   * They are declared with `RemovalPolicy.RETAIN`: they existed before the stack, and mail to them reaches the user.
   */
  readonly aliases: readonly string[];
}

export interface GatewayNode {
  readonly constructId: string;
  readonly orgUnit: OrgUnitNode;
  readonly allow: boolean;
}

export interface AppModel {
  readonly stackName: string;
  readonly domains: readonly string[];
  readonly customerId?: string;
  readonly top: OrgUnitNode;
  /** Existing OUs referenced with `OrgUnit.fromPath` besides the top: parents of managed OUs that are not managed. */
  readonly referencedOrgUnits: readonly OrgUnitNode[];
  readonly orgUnits: readonly OrgUnitNode[];
  readonly gateways: readonly GatewayNode[];
  readonly users: readonly UserNode[];
}

/** Names the generated file defines itself. */
const RESERVED_VARIABLES = ['app', 'stack', 'policy'];

function modeFor(smtp: NonNullable<ImportedSendAs['smtpMsa']>): { mode: SecurityModeValue; guessed: boolean } {
  if (smtp.securityMode !== 'securityModeUnspecified') return { mode: smtp.securityMode, guessed: false };
  return { mode: smtp.port === 465 ? 'ssl' : smtp.port === 25 ? 'none' : 'starttls', guessed: true };
}

/** Plans ids, variables and references for `tenant`. Pure. */
export function buildAppModel(
  tenant: ImportedTenant,
  options: { stackName: string; domains: readonly string[]; customerId?: string },
): AppModel {
  const ids = new UniqueNames('-', [], true);
  const variables = new UniqueNames('', RESERVED_VARIABLES);
  const envStems = new UniqueNames('_', [], true);

  const topPath = tenant.topOrgUnitPath;
  const topSegments = orgUnitSegments(topPath);
  const top: OrgUnitNode = {
    path: topPath,
    constructId: ids.claim(topPath === ROOT_PATH ? 'Root' : constructIdOf(topSegments, 'OrgUnit')),
    variable: variables.claim(topPath === ROOT_PATH ? 'root' : identifierOf('ou', topSegments)),
    referenced: false,
  };
  const byKey = new Map<string, OrgUnitNode>([[orgUnitKey(topPath), top]]);

  const referencedOrgUnits: OrgUnitNode[] = [];
  /** The node of an existing OU that is not managed here, made on first use. */
  const referencedNode = (path: string): OrgUnitNode => {
    const known = byKey.get(orgUnitKey(path));
    if (known) return known;
    const segments = orgUnitSegments(path);
    const node: OrgUnitNode = {
      path,
      constructId: ids.claim(constructIdOf(segments, 'OrgUnit')),
      variable: variables.claim(identifierOf('ou', segments)),
      referenced: false,
    };
    byKey.set(orgUnitKey(path), node);
    referencedOrgUnits.push(node);
    return node;
  };

  const orgUnits: OrgUnitNode[] = [];
  for (const ou of [...tenant.orgUnits].sort((a, b) => compareOrgUnitPaths(a.path, b.path))) {
    const parentKey = orgUnitKey(ou.parentPath);
    const parent = byKey.get(parentKey) ?? (parentKey === ROOT_PATH ? undefined : referencedNode(ou.parentPath));
    const segments = orgUnitSegments(ou.path);
    const node: OrgUnitNode = {
      path: ou.path,
      constructId: ids.claim(constructIdOf(segments, 'OrgUnit')),
      variable: variables.claim(identifierOf('ou', segments)),
      ou,
      // A top-level OU under the root needs no `parent:` (the root is the default).
      parent: parent && !(parent === top && topPath === ROOT_PATH) ? parent : undefined,
      referenced: false,
    };
    if (node.parent) node.parent.referenced = true;
    byKey.set(orgUnitKey(ou.path), node);
    orgUnits.push(node);
  }

  const gateways: GatewayNode[] = [];
  const explicit = new Map<string, boolean>();
  for (const policy of tenant.gatewayPolicies) {
    const node = byKey.get(orgUnitKey(policy.orgUnitPath));
    if (!node) continue;
    node.referenced = true;
    explicit.set(node.path, policy.allowPerUserOutboundGateways);
    gateways.push({
      constructId: ids.claim(`${node.constructId}-Gateway`),
      orgUnit: node,
      allow: policy.allowPerUserOutboundGateways,
    });
  }

  const users: UserNode[] = [];
  for (const user of tenant.users) {
    const local = user.email.slice(0, Math.max(0, user.email.lastIndexOf('@')));
    const identities: IdentityNode[] = [];
    const userId = ids.claim(emailIdOf(user.email));
    for (const sendAs of user.sendAs) {
      const stem = sendAs.smtpMsa ? envStems.claim(smtpEnvStem(user.email, sendAs.sendAsEmail)) : undefined;
      let smtp: SmtpNode | undefined;
      if (sendAs.smtpMsa && stem) {
        const { mode, guessed } = modeFor(sendAs.smtpMsa);
        smtp = {
          host: sendAs.smtpMsa.host,
          port: sendAs.smtpMsa.port,
          securityMode: mode,
          guessedMode: guessed,
          usernameEnv: `${stem}_USERNAME`,
          passwordEnv: `${stem}_PASSWORD`,
        };
      }
      identities.push({ constructId: ids.claim(`${userId}-as-${emailIdOf(sendAs.sendAsEmail)}`), sendAs, smtp });
    }
    const aliases = backingAliases(user, options.domains);
    let orgUnit = user.orgUnitPath === undefined ? undefined : byKey.get(orgUnitKey(user.orgUnitPath));
    let placementNote: string | undefined;
    if (user.orgUnitPath === undefined) {
      // The source says nothing about the user's OU (a Terraform state, a GAM export): the placement is not managed.
    } else if (!orgUnit) {
      placementNote = `OU ${user.orgUnitPath} was not among the OUs read, so the placement is left out`;
    } else if (identities.some((i) => i.smtp) && !effectiveGateway(orgUnit.path, explicit).allowed) {
      // The tenant allows this user's gateway through a setting outside the imported subtree (or not at all):
      // placing the user here would fail synth validation, so the setting is checked at plan instead.
      placementNote = `per-user gateways are not allowed on ${user.orgUnitPath} by any setting read here, so the placement is left out and the setting is checked at plan`;
      orgUnit = undefined;
    }
    if (orgUnit) orgUnit.referenced = true;
    users.push({
      user,
      constructId: userId,
      variable: identities.length > 0 ? variables.claim(identifierOf('user', [local])) : undefined,
      orgUnit,
      placementNote,
      identities,
      aliases,
    });
  }

  return {
    stackName: options.stackName,
    domains: options.domains,
    customerId: options.customerId,
    top,
    referencedOrgUnits: referencedOrgUnits.sort((a, b) => compareOrgUnitPaths(a.path, b.path)),
    orgUnits,
    gateways,
    users,
  };
}

/**
 * The aliases of a user that back one of its imported in-domain identities: Gmail accepts an in-domain send-as
 * address without an SMTP endpoint only while it is an alias of the user, so the code declares them to keep the
 * identity valid (and re-creatable). Other aliases are the directory's business and stay unmanaged.
 */
function backingAliases(user: ImportedUser, domains: readonly string[]): string[] {
  const own = new Set((user.aliases ?? []).map(normaliseEmail));
  const primary = normaliseEmail(user.email);
  const out = new Set<string>();
  for (const sendAs of user.sendAs) {
    const address = normaliseEmail(sendAs.sendAsEmail);
    if (sendAs.smtpMsa || address === primary || !isInDomains(address, domains)) continue;
    if (own.has(address)) out.add(address);
  }
  return [...out].sort();
}

/** The manifest the generated code synthesises to (without construct paths, fingerprints and acknowledgements). */
export function manifestOf(model: AppModel): Manifest {
  const manifest = emptyManifest(
    model.stackName,
    model.domains.map((d) => d.toLowerCase()),
    model.customerId,
  );
  for (const node of [model.top, ...model.referencedOrgUnits]) {
    // `OrgUnit.fromPath` contributes an unmanaged entry, the root none; only referenced nodes are written out.
    if (node.path === ROOT_PATH || !node.referenced) continue;
    const segments = orgUnitSegments(node.path);
    manifest.orgUnits.push({
      path: node.path,
      name: segments[segments.length - 1],
      parentPath: parentOrgUnitPath(node.path) ?? ROOT_PATH,
      managed: false,
    });
  }
  for (const node of model.orgUnits) {
    const ou = node.ou as ImportedOrgUnit;
    manifest.orgUnits.push({
      path: ou.path,
      name: ou.name,
      parentPath: ou.parentPath,
      ...(ou.description !== undefined ? { description: ou.description } : {}),
      managed: true,
    });
  }
  for (const gateway of model.gateways) {
    manifest.gatewayPolicies.push({ orgUnitPath: gateway.orgUnit.path, allowPerUserOutboundGateways: gateway.allow });
  }
  for (const node of model.users) {
    const email = normaliseEmail(node.user.email);
    manifest.users.push({
      email,
      ...(node.orgUnit ? { orgUnitPath: node.orgUnit.path } : {}),
      ...(node.aliases.length > 0 ? { aliases: [...node.aliases], aliasRemovalPolicy: 'retain' as const } : {}),
    });
    for (const identity of node.identities) manifest.sendAs.push(sendAsSpecOf(email, identity));
  }
  return manifest;
}

/** The manifest fields of an imported identity (the send-as field table's importable values). */
function importedFields(s: IdentityNode['sendAs']): Partial<SendAsSpec> {
  const out: Record<string, string | boolean> = {};
  for (const { name, value } of importablePlainFields(s)) out[name] = value;
  return out;
}

function sendAsSpecOf(userEmail: string, identity: IdentityNode): SendAsSpec {
  const s = identity.sendAs;
  return {
    userEmail,
    sendAsEmail: normaliseEmail(s.sendAsEmail),
    ...importedFields(s),
    ...(identity.smtp
      ? {
          smtp: {
            host: identity.smtp.host,
            port: identity.smtp.port,
            securityMode: identity.smtp.securityMode,
            username: { ref: `env:${identity.smtp.usernameEnv}` },
            password: { ref: `env:${identity.smtp.passwordEnv}` },
          },
        }
      : {}),
  };
}
