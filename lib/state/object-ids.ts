import { normaliseEmail } from '../model/email';
import { orgUnitKey } from '../model/org-unit-path';

/**
 * Keys of the objects in a stack's state. A key is opaque and stable: the same object always gets the same key,
 * and two objects Google treats as the same (paths and addresses compare case-insensitively) get the same key.
 * The key is derived *from* an object's typed fields; nobody parses fields back out of a key — every record in the
 * state carries its own fields.
 *
 * The forms are those of the plan's change ids, so a change and the state record of its object share one key:
 * `orgUnit:/sales/partners`, `gatewayPolicy:/sales`, `userPlacement:user@example.com`,
 * `sendAs:user@example.com/alias@partner.com`, `alias:user@example.com/alias@example.com`.
 */

/** The kinds of objects a stack can manage. */
export const MANAGED_OBJECT_KINDS = ['orgUnit', 'gatewayPolicy', 'userPlacement', 'sendAs', 'alias'] as const;

/** One of {@link MANAGED_OBJECT_KINDS}. */
export type ManagedObjectKind = (typeof MANAGED_OBJECT_KINDS)[number];

/** The identifying fields of an object of each kind: what its key is made of. */
export type ObjectIdentity =
  | { readonly kind: 'orgUnit'; readonly path: string }
  | { readonly kind: 'gatewayPolicy'; readonly orgUnitPath: string }
  | { readonly kind: 'userPlacement'; readonly email: string }
  | { readonly kind: 'sendAs'; readonly userEmail: string; readonly sendAsEmail: string }
  | { readonly kind: 'alias'; readonly userEmail: string; readonly alias: string };

/**
 * The state key of an object, from its identifying fields.
 *
 * @example stateObjectId({ kind: 'sendAs', userEmail: 'User@Example.com', sendAsEmail: 'a@partner.com' })
 *   // 'sendAs:user@example.com/a@partner.com'
 */
export function stateObjectId(object: ObjectIdentity): string {
  switch (object.kind) {
    case 'orgUnit':
      return `orgUnit:${orgUnitKey(object.path)}`;
    case 'gatewayPolicy':
      return `gatewayPolicy:${orgUnitKey(object.orgUnitPath)}`;
    case 'userPlacement':
      return `userPlacement:${normaliseEmail(object.email)}`;
    case 'sendAs':
      return `sendAs:${normaliseEmail(object.userEmail)}/${normaliseEmail(object.sendAsEmail)}`;
    case 'alias':
      return `alias:${normaliseEmail(object.userEmail)}/${normaliseEmail(object.alias)}`;
  }
}
