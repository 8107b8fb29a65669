import fc from 'fast-check';

import type { Manifest, OrgUnitSpec, SendAsSpec } from '../../../lib/model/manifest';
import { joinOrgUnitPath } from '../../../lib/model/org-unit-path';

const OU_NAMES = ['Sales', 'Partners', 'Eng', 'Ops', 'Émigrés', "O'Brien Team", 'a+b'];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const ALIASES = ['alias', 'news', 'billing', 'x.y'];
const DOMAINS = ['partner.com', 'other.org', 'example.com'];

/** Randomly upper-cases some letters, to prove comparisons are case-insensitive. */
const caseVariant = (s: string): fc.Arbitrary<string> =>
  fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((flags) => [...s].map((c, i) => (flags[i] ? c.toUpperCase() : c)).join(''));

const ouPaths: fc.Arbitrary<string[]> = fc
  .array(fc.tuple(fc.nat(6), fc.constantFrom(...OU_NAMES)), { maxLength: 6 })
  .map((steps) => {
    const paths: string[] = [];
    for (const [parentIndex, name] of steps) {
      const parent = paths.length === 0 || parentIndex >= paths.length ? '/' : paths[parentIndex];
      const path = joinOrgUnitPath(parent, name);
      if (!paths.some((p) => p.toLowerCase() === path.toLowerCase())) paths.push(path);
    }
    return paths;
  });

const smtp = fc.record({
  host: fc.constantFrom('smtp.partner.com', 'Mail.Other.org'),
  port: fc.constantFrom(465, 587, 25),
  securityMode: fc.constantFrom('ssl' as const, 'starttls' as const, 'none' as const),
  username: fc.oneof(fc.constant('relay-user'), fc.constant({ ref: 'env:SMTP_USER' })),
  password: fc.constantFrom({ ref: 'env:SMTP_PASSWORD' }, { ref: 'env:OTHER_PASSWORD' }),
});

/** A structurally valid manifest over a small universe of names, so that objects collide and relate. */
export const manifestArb: fc.Arbitrary<Manifest> = ouPaths.chain((paths) => {
  const pathArb = paths.length > 0 ? fc.constantFrom(...paths) : fc.constant('/');
  const orgUnits: OrgUnitSpec[] = paths.map((path, i) => {
    const idx = path.lastIndexOf('/');
    return {
      path,
      name: path.slice(idx + 1),
      parentPath: idx === 0 ? '/' : path.slice(0, idx),
      managed: i % 4 !== 3,
      ...(i % 2 === 0 ? { description: `About ${path}` } : {}),
    };
  });
  const identity = fc.record(
    {
      user: fc.constantFrom(...USERS),
      alias: fc.constantFrom(...ALIASES),
      domain: fc.constantFrom(...DOMAINS),
      displayName: fc.string({ maxLength: 8 }),
      replyToAddress: fc.constantFrom('Reply@Partner.com', ''),
      signature: fc.constantFrom(
        '<b>Hi</b>',
        '<p onclick="x()">Yo</p><script>evil()</script>',
        '<a href="javascript:alert(1)">x</a>',
      ),
      treatAsAlias: fc.boolean(),
      isDefault: fc.boolean(),
      smtp,
    },
    { requiredKeys: ['user', 'alias', 'domain'] },
  );
  return fc
    .record({
      policies: fc.uniqueArray(fc.tuple(pathArb, fc.constantFrom(true, false, 'inherit' as const)), {
        selector: (t) => t[0].toLowerCase(),
        maxLength: 3,
      }),
      placements: fc.uniqueArray(fc.tuple(fc.constantFrom(...USERS), fc.option(pathArb, { nil: undefined })), {
        selector: (t) => t[0],
        maxLength: 4,
      }),
      identities: fc.uniqueArray(identity, { selector: (i) => `${i.user}/${i.alias}@${i.domain}`, maxLength: 8 }),
      scopes: fc.array(
        fc.oneof(
          pathArb.map((p) => ({ kind: 'orgUnit' as const, orgUnitPath: p })),
          fc.constantFrom(...USERS).map((u) => ({ kind: 'user' as const, email: `${u}@example.com` })),
        ),
        { maxLength: 2 },
      ),
    })
    .chain(({ policies, placements, identities, scopes }) =>
      fc.tuple(...identities.map((i) => caseVariant(`${i.alias}@${i.domain}`))).map((variants): Manifest => {
        const defaults = new Set<string>();
        const sendAs: SendAsSpec[] = identities.map((i, n) => {
          const isDefault = i.isDefault === true && !defaults.has(i.user);
          if (isDefault) defaults.add(i.user);
          const { user, alias: _a, domain: _d, isDefault: _i, ...fields } = i;
          return {
            userEmail: `${user}@example.com`,
            sendAsEmail: variants[n],
            ...fields,
            ...(i.isDefault !== undefined ? { isDefault } : {}),
          };
        });
        return {
          version: 1,
          stack: 'prop',
          customerId: 'my_customer',
          domains: ['example.com'],
          orgUnits,
          gatewayPolicies: policies.map(([orgUnitPath, allow]) => ({
            orgUnitPath,
            allowPerUserOutboundGateways: allow,
          })),
          users: placements.map(([u, p]) => ({
            email: `${u}@Example.com`,
            ...(p ? { orgUnitPath: p.toUpperCase() } : {}),
          })),
          sendAs,
          ownership: scopes,
          acknowledgements: [],
        };
      }),
    );
});
