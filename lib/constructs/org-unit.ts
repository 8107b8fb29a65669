import { Construct, type IConstruct } from 'constructs';

import { ROOT_PATH, joinOrgUnitPath, orgUnitSegments, parentOrgUnitPath } from '../model';

import { registerContribution } from './private/contributor';
import type { RemovalPolicy } from './removal-policy';
import { watchStack } from './private/stack-policy';

const ORG_UNIT_SYM = Symbol.for('workspace-mail-policy.OrgUnit');

/** An organisational unit, managed by this stack or referenced with `OrgUnit.fromPath`. */
export interface IOrgUnit extends IConstruct {
  /** The OU's full path, for example `/Sales/Partners`; `/` is the root. */
  readonly orgUnitPath: string;
}

/** Properties of a managed organisational unit. */
export interface OrgUnitProps {
  /** The OU's name: not empty, no `/`, at most 60 characters, unique among its siblings (case-insensitively). */
  readonly name: string;
  /**
   * The parent OU. It must be declared in the same stack (a managed `OrgUnit`, or `OrgUnit.fromPath`).
   *
   * @default - the root OU `/`
   */
  readonly parent?: IOrgUnit;
  /**
   * Free-text description shown in the Admin console.
   *
   * @default - not managed: an existing description is left alone
   */
  readonly description?: string;
  /**
   * The OU's former full path, when this OU is being renamed or moved. Like Terraform's `moved` block, it
   * tells the engine to update the OU found at `movedFrom` (keeping its users, settings and id) instead of
   * creating a new OU and leaving the old one behind. Remove it once the move has been applied everywhere.
   *
   * @default - no move: the OU is looked up at its path only
   */
  readonly movedFrom?: string;
  /**
   * What happens in the tenant when this construct is removed from the code.
   *
   * @default - RemovalPolicy.DESTROY when this stack created the OU, RemovalPolicy.RETAIN when it existed before (an OU someone else made is never deleted because code stopped naming it); a deletion Google would refuse (the OU still holds users or other OUs) is refused in the plan
   */
  readonly removalPolicy?: RemovalPolicy;
}

function markOrgUnit(construct: IConstruct): void {
  Object.defineProperty(construct, ORG_UNIT_SYM, { value: true });
}

/** An existing OU referenced by path and never changed. */
class ImportedOrgUnit extends Construct implements IOrgUnit {
  public readonly orgUnitPath: string;

  public constructor(scope: Construct, id: string, path: string) {
    super(scope, id);
    this.orgUnitPath = path;
    markOrgUnit(this);
    watchStack(this);
    registerContribution(this, 'OrgUnit.fromPath', (manifest) => {
      if (typeof path === 'string' && path === ROOT_PATH) return; // the root always exists; nothing to declare
      const text = typeof path === 'string' ? path : String(path);
      const segments = orgUnitSegments(text);
      manifest.orgUnits.push({
        path: text,
        name: text.endsWith('/') || segments.length === 0 ? '' : segments[segments.length - 1],
        parentPath: parentOrgUnitPath(text) ?? ROOT_PATH,
        managed: false,
        constructPath: this.node.path,
      });
    });
  }
}

/**
 * An organisational unit managed by this stack: created when missing, its description kept as declared.
 * Its path is its parent's path plus its name.
 *
 * @example
 * const sales = OrgUnit.fromPath(stack, 'Sales', '/Sales');
 * const partners = new OrgUnit(stack, 'Partners', { name: 'Partners', parent: sales });
 */
export class OrgUnit extends Construct implements IOrgUnit {
  /** Whether `x` is an OU (managed or referenced), also across duplicate copies of the library. */
  public static isOrgUnit(x: unknown): x is IOrgUnit {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[ORG_UNIT_SYM] === true;
  }

  /**
   * References an OU that exists and is not managed by this stack (it is never created, changed or deleted).
   * Use `'/'` for the root OU.
   */
  public static fromPath(scope: Construct, id: string, path: string): IOrgUnit {
    return new ImportedOrgUnit(scope, id, path);
  }

  public readonly orgUnitPath: string;
  /** The OU's name. */
  public readonly name: string;

  public constructor(scope: Construct, id: string, props: OrgUnitProps) {
    super(scope, id);
    const p: Partial<OrgUnitProps> = props ?? {};
    this.name = p.name as string;
    const parentPath = p.parent?.orgUnitPath ?? ROOT_PATH;
    this.orgUnitPath = joinOrgUnitPath(parentPath, typeof p.name === 'string' ? p.name : String(p.name));
    markOrgUnit(this);
    watchStack(this);
    registerContribution(this, 'OrgUnit', (manifest) => {
      manifest.orgUnits.push({
        path: this.orgUnitPath,
        name: this.name,
        parentPath,
        description: p.description,
        managed: true,
        movedFrom: p.movedFrom,
        removalPolicy: p.removalPolicy,
        constructPath: this.node.path,
      });
    });
  }
}
