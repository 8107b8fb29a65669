import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { MANIFEST_FILE_NAME, type Manifest } from '../../model';

import { canonicalJson, sha256Hex } from '../../util/canonical-json';
import type { FrameworkStack, StackSynthesizer, SynthesisSession } from './framework';

/** The synthesised manifest of a stack: the object, its file bytes and their SHA-256. */
export interface SynthesizedManifest {
  readonly manifest: Manifest;
  /** Canonical JSON (sorted keys, 2-space indentation, trailing newline), exactly the bytes written. */
  readonly json: string;
  readonly sha256: string;
}

/** Renders a manifest as the bytes of `mail-policy.json`. */
export function renderManifest(manifest: Manifest): SynthesizedManifest {
  const json = canonicalJson(manifest);
  return { manifest, json, sha256: sha256Hex(json) };
}

/** What the writing synthesizer needs from the stack's MailPolicy. */
export interface ManifestWriter {
  /** Runs `synthesize` (the stack's whole synthesis) with the session's cache active for the stack. */
  within<T>(session: SynthesisSession, synthesize: () => T): T;
  /** The bytes to write, from the session's cache. */
  render(): SynthesizedManifest;
  /** Marks the stack as synthesised (no "did main.ts call app.synth()?" hint at exit). */
  synthesised(): void;
}

/**
 * A stack synthesizer that runs the stack's own synthesizer (validations, `cdk.tf.json`) and then writes
 * `mail-policy.json` beside `cdk.tf.json`. Wrapping uses only the frameworks' public `IStackSynthesizer` contract.
 */
export class ManifestWritingSynthesizer implements StackSynthesizer {
  public constructor(
    private readonly inner: StackSynthesizer,
    private readonly stack: FrameworkStack,
    private readonly writer: ManifestWriter,
  ) {}

  public synthesize(session: SynthesisSession): void {
    this.writer.synthesised();
    this.writer.within(session, () => {
      this.inner.synthesize(session);
      const dir = join(session.outdir, session.manifest.forStack(this.stack).workingDirectory);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, MANIFEST_FILE_NAME), this.writer.render().json, { mode: 0o644 });
    });
  }
}
