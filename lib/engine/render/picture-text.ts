import type { GatewayPicture } from '../picture/gateway-picture';
import { pictureView, type PictureViewOptions, type ViewNode } from './picture-view';
import {
  groupLines,
  identitiesLabel,
  moreLabel,
  PICTURE_TITLE,
  shortPath,
  styleOf,
  transitionLabel,
} from './private/picture-labels';

/** The node budget of the tree in a text plan. */
export const TEXT_PICTURE_MAX_NODES = 80;

/** Options of `renderPictureText`. */
export interface RenderPictureTextOptions extends PictureViewOptions {
  /** Paints changed OUs (red: now allowed, green: no longer allowed). @default - no colour */
  readonly paint?: (style: 'opens' | 'closes', text: string) => string;
}

const plain = (text: string): string => text;

function lineOf(view: ViewNode): string {
  if (view.more) return moreLabel(view.more);
  if (!view.node) return 'OUs';
  const node = view.node;
  const parts = [node.parentPath === undefined ? '/' : node.name];
  if (node.status === 'moved' && node.livePath !== undefined) parts[0] += ` (moved from ${shortPath(node.livePath)})`;
  parts.push(transitionLabel(node, plain));
  if (node.smtpIdentities > 0) parts.push(identitiesLabel(node.smtpIdentities));
  return parts.join(' · ') + (node.changed ? '  *' : '');
}

/**
 * The gateway picture as a compact tree for terminals, one OU a line:
 *
 * ```text
 * / · not allowed (default)
 * └─ Sales · not allowed (inherited)
 *    └─ Partners · new, not allowed (inherited) → allowed (explicit) · 1 SMTP identity  *
 * ```
 *
 * `*` marks OUs whose effective value changes. Returns the lines without a trailing newline.
 */
export function renderPictureText(picture: GatewayPicture, options: RenderPictureTextOptions = {}): string[] {
  const view = pictureView(picture, options);
  const paint = options.paint ?? ((_style: 'opens' | 'closes', text: string) => text);
  const out: string[] = [];
  const visit = (v: ViewNode, prefix: string, branch: string): void => {
    const style = styleOf(v);
    const text = lineOf(v);
    out.push(prefix + branch + (style === 'opens' || style === 'closes' ? paint(style, text) : text));
    const childPrefix = prefix + (branch === '' ? '' : branch === '└─ ' ? '   ' : '│  ');
    v.children.forEach((child, i) => visit(child, childPrefix, i === v.children.length - 1 ? '└─ ' : '├─ '));
  };
  visit(view.root, '', '');
  for (const group of view.groups) {
    const line = groupLines(group, plain).join(' · ');
    out.push(`${line}${group.changed ? '  *' : ''} (members in ${group.orgUnits.join(', ') || 'no OU shown'})`);
  }
  if (picture.unplacedSmtpIdentities > 0)
    out.push(`(${identitiesLabel(picture.unplacedSmtpIdentities)} not counted: the user's OU is unknown)`);
  return out;
}

/** The tree under its heading, for the text plan. */
export function pictureSection(picture: GatewayPicture, options: RenderPictureTextOptions = {}): string[] {
  const tree = renderPictureText(picture, { maxNodes: TEXT_PICTURE_MAX_NODES, ...options });
  return [`${PICTURE_TITLE} (per-user outbound gateways, before → after; * changed)`, ...tree.map((l) => `  ${l}`)];
}
