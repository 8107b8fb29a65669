import type { GatewaySetting, GroupNode, OrgUnitNode } from '../../picture/gateway-picture';
import type { ViewNode } from '../picture-view';

/** What the picture is about, in one sentence (headings and legends). */
export const PICTURE_TITLE = 'Who may bypass the outbound gateway';

/** The legend shared by the formats. */
export const PICTURE_LEGEND =
  'Each OU shows its effective "Allow per-user outbound gateways" setting, before → after this plan: explicit (set on the OU), ' +
  'inherited (from the nearest OU above with its own setting; with none, Google’s default: not allowed). ' +
  'Users in an OU where it is allowed may send through their own SMTP server, bypassing the domain’s outbound gateway.';

/** Longest path shown inside a label; longer ones keep their end. */
const MAX_PATH = 48;

/** A path short enough for a label: `…/Partners/EMEA` keeps the end, which names the OU. */
export function shortPath(path: string): string {
  const chars = [...path]; // code points, so a character is never cut in half
  return chars.length <= MAX_PATH ? path : `…${chars.slice(chars.length - MAX_PATH + 1).join('')}`;
}

/** Same value, same source. */
export function sameSetting(a: GatewaySetting, b: GatewaySetting): boolean {
  return a.allowed === b.allowed && a.source === b.source && a.from === b.from;
}

/**
 * `allowed (explicit)`, `not allowed (inherited from /Sales)`, `not allowed (inherited)` (nothing set above:
 * Google's default), `not allowed (default)` on the root. `path` strings pass through `text` (escaping).
 */
export function settingLabel(setting: GatewaySetting, isRoot: boolean, text: (s: string) => string): string {
  const value = setting.allowed ? 'allowed' : 'not allowed';
  if (setting.source === 'explicit') return `${value} (explicit)`;
  if (setting.source === 'inherited' && setting.from !== undefined)
    return `${value} (inherited from ${text(shortPath(setting.from))})`;
  return `${value} (${isRoot ? 'default' : 'inherited'})`;
}

/** `new, not allowed (inherited) → allowed (explicit)`; one value when nothing changes. */
export function transitionLabel(node: OrgUnitNode, text: (s: string) => string): string {
  const isRoot = node.parentPath === undefined;
  const before = settingLabel(node.before, isRoot, text);
  const after = settingLabel(node.after, isRoot, text);
  const prefix = node.status === 'new' ? 'new, ' : node.status === 'absent' ? 'not in the tenant, ' : '';
  return sameSetting(node.before, node.after) ? `${prefix}${after}` : `${prefix}${before} → ${after}`;
}

/** `1 SMTP identity`, `3 SMTP identities`. */
export function identitiesLabel(n: number): string {
  return `${n} SMTP ${n === 1 ? 'identity' : 'identities'}`;
}

/** `+ 312 more OUs, 40 SMTP identities, 2 changed`. */
export function moreLabel(more: NonNullable<ViewNode['more']>): string {
  const parts = [`+ ${more.orgUnits} more OU${more.orgUnits === 1 ? '' : 's'}`];
  if (more.smtpIdentities > 0) parts.push(identitiesLabel(more.smtpIdentities));
  if (more.changed > 0) parts.push(`${more.changed} changed`);
  return parts.join(', ');
}

/** The lines of an OU node's label: name, moved-from, setting, identities. */
export function nodeLines(node: OrgUnitNode, text: (s: string) => string): string[] {
  const lines = [text(node.name)];
  if (node.status === 'moved' && node.livePath !== undefined)
    lines.push(`moved from ${text(shortPath(node.livePath))}`);
  lines.push(transitionLabel(node, text));
  if (node.smtpIdentities > 0) lines.push(identitiesLabel(node.smtpIdentities));
  return lines;
}

/** How a node is highlighted: its effective value changes (to allowed or not), it allows, or it blocks. */
export type NodeStyle = 'opens' | 'closes' | 'allowed' | 'blocked' | 'collapsed' | undefined;

export function styleOf(view: ViewNode): NodeStyle {
  if (view.more) return 'collapsed';
  const node = view.node;
  if (!node) return undefined;
  if (node.changed) return node.after.allowed ? 'opens' : 'closes';
  if (node.smtpIdentities > 0 && !node.after.allowed) return 'blocked';
  if (node.after.allowed) return 'allowed';
  return undefined;
}

/** The lines of a group node's label. */
export function groupLines(group: GroupNode, text: (s: string) => string): string[] {
  const before = settingLabel(group.before, false, text);
  const after = settingLabel(group.after, false, text);
  const lines = [
    `group ${text(shortPath(group.email))}`,
    sameSetting(group.before, group.after) ? after : `${before} → ${after}`,
  ];
  if (group.smtpIdentities > 0) lines.push(identitiesLabel(group.smtpIdentities));
  return lines;
}

export function groupStyle(group: GroupNode): NodeStyle {
  if (group.changed) return group.after.allowed ? 'opens' : 'closes';
  return group.after.allowed ? 'allowed' : undefined;
}
