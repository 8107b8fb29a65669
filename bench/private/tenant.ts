/**
 * Synthetic tenants and manifests for the benchmarks: `users` users in one domain, each with `identities`
 * in-domain send-as addresses (plus the primary), so no SMTP check or verification mail is involved.
 */
import type { SeedTenant } from '../../lib/emulator';
import { emptyManifest, type Manifest, type SendAsSpec } from '../../lib/model/manifest';

export const DOMAIN = 'bench.example';
export const ADMIN = `admin@${DOMAIN}`;
export const CUSTOMER_ID = 'C0bench00';

export function userEmail(i: number): string {
  return `user${String(i).padStart(6, '0')}@${DOMAIN}`;
}

export function aliasEmail(i: number, j: number): string {
  return `user${String(i).padStart(6, '0')}.alias${j}@${DOMAIN}`;
}

export function displayName(i: number, j: number): string {
  return `User ${i} (alias ${j})`;
}

/**
 * The tenant: an admin plus `users` users under `/Staff`, each with `seededIdentities` send-as addresses and
 * `aliases` Directory aliases (Gmail accepts an in-domain send-as only for an alias of the user).
 */
export function benchTenant(users: number, seededIdentities: number, aliases = seededIdentities): SeedTenant {
  const tenant = {
    customerId: CUSTOMER_ID,
    domains: [DOMAIN],
    orgUnits: [{ path: '/Staff' }],
    users: [{ primaryEmail: ADMIN, orgUnitPath: '/', isAdmin: true }] as Array<{
      primaryEmail: string;
      orgUnitPath: string;
      isAdmin?: boolean;
      aliases?: string[];
    }>,
    policies: [],
    sendAs: [] as Array<{ userEmail: string; sendAsEmail: string; displayName: string; treatAsAlias: boolean }>,
  };
  for (let i = 0; i < users; i++) {
    tenant.users.push({
      primaryEmail: userEmail(i),
      orgUnitPath: '/Staff',
      aliases: Array.from({ length: aliases }, (_, j) => aliasEmail(i, j)),
    });
    for (let j = 0; j < seededIdentities; j++) {
      tenant.sendAs.push({
        userEmail: userEmail(i),
        sendAsEmail: aliasEmail(i, j),
        displayName: displayName(i, j),
        treatAsAlias: true,
      });
    }
  }
  return tenant;
}

/**
 * A manifest declaring every user and `identities` send-as addresses each. With `renamedEvery = k`, every k-th
 * identity declares a new display name, so the plan holds real updates to compute and render.
 */
export function benchManifest(users: number, identities: number, renamedEvery = 0): Manifest {
  const manifest = emptyManifest('bench', [DOMAIN]);
  const sendAs: SendAsSpec[] = [];
  let n = 0;
  for (let i = 0; i < users; i++) {
    manifest.users.push({ email: userEmail(i) });
    for (let j = 0; j < identities; j++) {
      const renamed = renamedEvery > 0 && n++ % renamedEvery === renamedEvery - 1;
      sendAs.push({
        userEmail: userEmail(i),
        sendAsEmail: aliasEmail(i, j),
        displayName: renamed ? `${displayName(i, j)} – renamed` : displayName(i, j),
        treatAsAlias: true,
      });
    }
  }
  manifest.sendAs.push(...sendAs);
  return manifest;
}
