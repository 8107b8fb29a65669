import type { GatewayPicture } from '../../picture/gateway-picture';
import { MERMAID_MAX_NODES, renderMermaid } from '../mermaid';
import { identitiesLabel, PICTURE_LEGEND, PICTURE_TITLE, settingLabel, transitionLabel } from './picture-labels';

/** A piece of the markdown document (see `renderMarkdown`). */
export interface PictureAtom {
  readonly text: string;
  readonly cuttable: boolean;
}

/** Largest share of the comment the diagram may take, and the most characters in any case. */
const DIAGRAM_SHARE = 0.4;
const DIAGRAM_MAX = 30_000;
/** Fewer boxes than this say too little: the section points to `mailpolicy graph` instead. */
const MIN_NODES = 10;
/** OUs named in the verdict line. */
const MAX_LISTED = 5;

/** An OU path as inline code, whatever it holds. */
function code(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  return clean.includes('`') ? `\`\` ${clean} \`\`` : `\`${clean}\``;
}

/**
 * The diagram with the largest node budget (80, 40, 20, 10) that fits `limit` characters, folding more subtrees
 * each time; undefined when not even a diagram of `MIN_NODES` fits.
 */
function fittingDiagram(picture: GatewayPicture, limit: number): string | undefined {
  for (let budget = MERMAID_MAX_NODES; budget >= MIN_NODES; budget = Math.floor(budget / 2)) {
    const fence = `\`\`\`mermaid\n${renderMermaid(picture, { maxNodes: budget })}\`\`\`\n\n`;
    if (fence.length <= limit) return fence;
  }
  return undefined;
}

/**
 * The "Who may bypass the outbound gateway" section of the markdown plan: a legend, the OUs whose effective
 * value changes as a list (readable without the diagram), and the Mermaid diagram sized to the comment
 * (`maxLength`): the diagram is kept whole, folded further when it would take too much of it.
 */
export function pictureAtoms(picture: GatewayPicture | undefined, maxLength: number): PictureAtom[] {
  if (!picture) return [];
  const atoms: PictureAtom[] = [
    { text: `### :unlock: ${PICTURE_TITLE}\n\n`, cuttable: false },
    { text: `${PICTURE_LEGEND}\n\n`, cuttable: true },
  ];
  const changed = picture.orgUnits.filter((n) => n.changed);
  const allowing = picture.orgUnits.filter((n) => n.after.allowed && n.after.source === 'explicit').map((n) => n.path);
  const shown = allowing.slice(0, MAX_LISTED).map(code);
  const more = allowing.length > MAX_LISTED ? ` and ${allowing.length - MAX_LISTED} more OUs` : '';
  const verdict =
    allowing.length === 0
      ? 'After this plan, no OU allows per-user outbound gateways.'
      : `After this plan, per-user outbound gateways are allowed on ${shown.join(', ')}${more}, and on the OUs below ${allowing.length === 1 ? 'it' : 'them'} that inherit the setting.`;
  const unchanged = changed.length === 0 ? ' This plan changes no effective value.' : '';
  atoms.push({ text: `**${verdict}**${unchanged}\n\n`, cuttable: false });
  for (const node of changed) {
    const identities = node.smtpIdentities > 0 ? `, ${identitiesLabel(node.smtpIdentities)}` : '';
    // Paths as code; the value after the plan in bold (it ends the line).
    const after = settingLabel(node.after, node.parentPath === undefined, code);
    const line = transitionLabel(node, code);
    const shown = line.endsWith(after) ? `${line.slice(0, line.length - after.length)}**${after}**` : line;
    atoms.push({ text: `- ${code(node.path)}: ${shown}${identities}\n`, cuttable: true });
  }
  if (changed.length > 0) atoms.push({ text: '\n', cuttable: false });
  const limit = Math.min(DIAGRAM_MAX, Math.floor(maxLength * DIAGRAM_SHARE));
  const diagram = fittingDiagram(picture, limit);
  atoms.push({
    text: diagram ?? '_The diagram does not fit this comment: run `mailpolicy graph` to draw it._\n\n',
    cuttable: false,
  });
  return atoms;
}
