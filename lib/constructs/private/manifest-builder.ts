import type { IConstruct } from 'constructs';

import {
  emptyManifest,
  fingerprintSecret,
  loadFingerprintKey,
  orgUnitKey,
  resolveSecret,
  type FingerprintKey,
  type Manifest,
  type OrgUnitSpec,
  type UserSpec,
} from '../../model';

import { contributionOf, type ManifestContext } from './contributor';

/** How a manifest is built from a stack. */
export interface BuildManifestOptions {
  /**
   * Resolve secret references and record keyed fingerprints of the values, as synth writes them; off where
   * only the references matter.
   */
  readonly fingerprints: boolean;
}

function compareText(a: unknown, b: unknown): number {
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function byKeys<T>(...keys: Array<(item: T) => unknown>): (a: T, b: T) => number {
  return (a, b) => {
    for (const key of keys) {
      const c = compareText(key(a), key(b));
      if (c !== 0) return c;
    }
    return 0;
  };
}

const lower = (x: unknown): unknown => (typeof x === 'string' ? x.toLowerCase() : x);

/**
 * Merges references to the same user: `User.fromEmail` may be called in several places; they agree unless two
 * place the user in different OUs (then both stay and validation reports the clash).
 */
function mergeUsers(users: readonly UserSpec[]): UserSpec[] {
  const out: UserSpec[] = [];
  /** Position in `out` of the first entry of each address. */
  const first = new Map<unknown, number>();
  for (const user of users) {
    const same = first.get(user.email);
    if (same === undefined) {
      first.set(user.email, out.length);
      out.push(user);
      continue;
    }
    const other = out[same];
    if (user.aliases) {
      // References of one user may each name aliases: the user gets them all.
      out[same] = { ...other, aliases: [...new Set([...(other.aliases ?? []), ...user.aliases])].sort() };
    }
    if (user.orgUnitPath === undefined || user.orgUnitPath === other.orgUnitPath) continue;
    const aliases = out[same].aliases;
    if (other.orgUnitPath === undefined) out[same] = aliases ? { ...user, aliases } : user;
    else out.push(user);
  }
  return out;
}

/** Drops repeated `OrgUnit.fromPath` references to the same path (referencing an OU twice is harmless). */
function mergeReferences(orgUnits: readonly OrgUnitSpec[]): OrgUnitSpec[] {
  const seen = new Set<string>();
  return orgUnits.filter((ou) => {
    if (ou.managed) return true;
    const key = `${String(ou.path)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function contextFor(options: BuildManifestOptions): ManifestContext {
  let key: FingerprintKey | undefined;
  return {
    secretRef(ref: string) {
      if (!options.fingerprints) return { ref };
      const resolved = resolveSecret(ref);
      if (!resolved.ok) return { ref };
      key ??= loadFingerprintKey();
      return { ref, fingerprint: fingerprintSecret(resolved.value, key) };
    },
  };
}

/**
 * Builds the manifest of a stack from every construct in it that contributes entries (MailPolicy, OrgUnit,
 * OutboundGatewayPolicy, User, SendAsIdentity). Arrays are sorted by identity so that the output does not
 * depend on the order constructs were declared in (ties keep declaration order, so duplicates are reported
 * on the later construct). No validation here: that is `safeParseManifest`. `constructs` are the stack's
 * constructs in tree order, when the caller has walked the stack already.
 */
export function buildStackManifest(
  stack: IConstruct,
  options: BuildManifestOptions,
  constructs: readonly IConstruct[] = stack.node.findAll(),
): Manifest {
  const manifest = emptyManifest(stack.node.id, []);
  const context = contextFor(options);
  for (const construct of constructs) contributionOf(construct)?.(manifest, context);
  manifest.users = mergeUsers(manifest.users);
  manifest.orgUnits = mergeReferences(manifest.orgUnits).sort(byKeys((o) => orgUnitKey(String(o.path))));
  manifest.gatewayPolicies.sort(byKeys((p) => lower(p.orgUnitPath)));
  manifest.users.sort(byKeys((u) => u.email));
  manifest.sendAs.sort(
    byKeys(
      (s) => s.userEmail,
      (s) => s.sendAsEmail,
    ),
  );
  manifest.ownership.sort(
    byKeys(
      (o) => o.kind,
      (o) => lower(o.kind === 'user' ? o.email : o.orgUnitPath),
    ),
  );
  manifest.acknowledgements.sort(
    byKeys(
      (a) => a.ruleId,
      (a) => a.subject ?? '',
    ),
  );
  return manifest;
}
