import type { IConstruct } from 'constructs';

import type { Manifest } from '../../model';

import { ClaimIndex } from './cross-stack';
import { buildStackManifest } from './manifest-builder';
import { stacksWithPolicy } from './policy-brand';
import { renderManifest, type SynthesizedManifest } from './synth-output';

const ACTIVE_SYM = Symbol.for('workspace-mail-policy.ActiveSynthesis');

interface StackEntry {
  /** Constructs in the stack when the manifest was built: a different count means the tree changed. */
  readonly nodes: number;
  readonly manifest: Manifest;
  /** Whether the count was checked while the stack itself was being synthesised (after its aspects ran). */
  verified: boolean;
  rendered?: SynthesizedManifest;
  problems?: readonly string[];
}

/**
 * What one synthesis has computed: each stack's manifest (built once, its secrets resolved once), its
 * rendering, its validation result, and the index of objects declared across the app's stacks (built once per
 * app). `app.synth()` hands every stack the same session object, so one `Synthesis` serves the whole app.
 *
 * A stack's manifest is rebuilt if its construct count changed since it was built (aspects run when the framework
 * synthesises the stack, so a stack read early for another's cross-stack check is checked again then).
 * Outside a synthesis (`Testing.synth`, `toManifest`) a fresh `Synthesis` is used per call: nothing is cached.
 */
export class Synthesis {
  private readonly stacks = new Map<IConstruct, StackEntry>();
  /** Bumped whenever a stack's manifest is (re)built; the claim index is valid for one version. */
  private version = 0;
  private claims?: { readonly version: number; readonly index: ClaimIndex };
  /** The stacks of the app that hold a MailPolicy, found once. */
  private policyStacks?: readonly IConstruct[];

  /** The stack's manifest as synth writes it (secrets resolved and fingerprinted). Unvalidated. */
  public manifest(stack: IConstruct): Manifest {
    return this.entry(stack).manifest;
  }

  /** The bytes of `mail-policy.json` and their SHA-256, rendered once. */
  public rendered(stack: IConstruct): SynthesizedManifest {
    const entry = this.entry(stack);
    entry.rendered ??= renderManifest(entry.manifest);
    return entry.rendered;
  }

  /** The stack's validation messages, computed once per manifest. */
  public problems(stack: IConstruct, compute: (manifest: Manifest) => readonly string[]): readonly string[] {
    const entry = this.entry(stack);
    entry.problems ??= compute(entry.manifest);
    return entry.problems;
  }

  /** Objects of the stack that another stack of the same app also declares. */
  public claimIndex(stack: IConstruct): ClaimIndex {
    this.entry(stack);
    if (this.claims === undefined || this.claims.version !== this.version) {
      this.policyStacks ??= stacksWithPolicy(stack);
      const manifests = this.policyStacks.map((s) => this.entry(s, false).manifest);
      this.claims = { version: this.version, index: new ClaimIndex(manifests) };
    }
    return this.claims.index;
  }

  private entry(stack: IConstruct, own = true): StackEntry {
    const cached = this.stacks.get(stack);
    const checkNow = own && activeSynthesis(stack) === this;
    if (cached && (cached.verified || !checkNow)) return cached;
    const constructs = stack.node.findAll();
    if (cached && cached.nodes === constructs.length) {
      cached.verified = true;
      return cached;
    }
    const entry: StackEntry = {
      nodes: constructs.length,
      manifest: buildStackManifest(stack, { fingerprints: true }, constructs),
      verified: checkNow,
    };
    this.stacks.set(stack, entry);
    this.version++;
    return entry;
  }
}

const sessions = new WeakMap<object, Synthesis>();

/** The synthesis the stack is part of right now, if the framework is synthesising it. */
function activeSynthesis(stack: IConstruct): Synthesis | undefined {
  return (stack as unknown as Record<symbol, Synthesis | undefined>)[ACTIVE_SYM];
}

/** The synthesis under way for the stack, or a fresh one that caches nothing beyond the caller's use. */
export function synthesisOf(stack: IConstruct): Synthesis {
  return activeSynthesis(stack) ?? new Synthesis();
}

/** Runs `fn` (the stack's synthesis) with the synthesis of `session` active for the stack. */
export function withSynthesis<T>(stack: IConstruct, session: object, fn: () => T): T {
  let synthesis = sessions.get(session);
  if (synthesis === undefined) {
    synthesis = new Synthesis();
    sessions.set(session, synthesis);
  }
  const previous = activeSynthesis(stack);
  Object.defineProperty(stack, ACTIVE_SYM, { value: synthesis, configurable: true, writable: true });
  try {
    return fn();
  } finally {
    Object.defineProperty(stack, ACTIVE_SYM, { value: previous, configurable: true, writable: true });
  }
}
