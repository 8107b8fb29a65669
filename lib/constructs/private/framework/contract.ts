import type { Construct, IConstruct } from 'constructs';

/**
 * What the constructs need from a Terraform CDK framework (cdktf 0.21 or CDK Terrain, `cdktn` 0.24), in types of
 * their own: nothing here names a framework, so the library's public types come from `constructs` alone and
 * either framework's objects fit at run time. `loader.ts` checks at compile time that both frameworks' modules
 * satisfy {@link FrameworkModule}.
 */

/** The part of a framework's synthesis session (`ISynthesisSession`) the constructs read. */
export interface SynthesisSession {
  /** The app's output folder (`cdktf.out`). */
  readonly outdir: string;
  /** Set by `Testing.synth(stack, false)` and `app.synth()` with validations off. */
  readonly skipValidation?: boolean;
  /** The app's manifest: each stack's folder under `outdir`. */
  readonly manifest: { forStack(stack: FrameworkStack): { readonly workingDirectory: string } };
}

/** A framework's stack synthesizer (`IStackSynthesizer`): writes the stack's output. */
export interface StackSynthesizer {
  synthesize(session: SynthesisSession): void;
}

/** A framework's `TerraformStack`, as far as the constructs use it. */
export interface FrameworkStack extends IConstruct {
  /** Replaced by the constructs with a wrapper that runs the original first. */
  synthesizer: StackSynthesizer;
}

/** The context a lazy value is produced in (`IResolveContext`). */
export interface ResolveContext {
  /** True while the framework resolves every value once to find cross-stack references, before rendering. */
  readonly preparing: boolean;
}

/** Terraform's `local-exec` provisioner as the frameworks take it. */
export interface LocalExecProvisioner {
  readonly type: 'local-exec';
  readonly command: string;
  readonly workingDir?: string;
  readonly environment?: { [name: string]: string };
}

/** The configuration of the built-in `terraform_data` resource (`DataResource`) the constructs set. */
export interface DataResourceConfig {
  readonly triggersReplace?: { [key: string]: unknown };
  readonly provisioners?: LocalExecProvisioner[];
}

/** The subset of a framework module (`require('cdktf')`, `require('cdktn')`) the constructs use. */
export interface FrameworkModule {
  readonly TerraformStack: abstract new (...args: never[]) => object;
  readonly DataResource: new (scope: Construct, id: string, config?: DataResourceConfig) => IConstruct;
  readonly Lazy: { anyValue(producer: { produce(context: ResolveContext): unknown }): unknown };
  readonly Token: { asAnyMap(value: unknown): { [key: string]: unknown } };
}

/** The frameworks the constructs support, by package name. */
export type FrameworkName = 'cdktf' | 'cdktn';

/** A framework found at run time. */
export interface Framework {
  readonly name: FrameworkName;
  /** The file its package was loaded from (for messages about duplicate copies). */
  readonly resolvedFrom: string;
  readonly module: FrameworkModule;
}
