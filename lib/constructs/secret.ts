const SECRET_SYM = Symbol.for('workspace-mail-policy.Secret');

/**
 * A reference to a secret, such as an SMTP password. Only the reference (`env:NAME` or `file:PATH`) is
 * written to the synth output; when the secret resolves at synth, a keyed fingerprint is recorded too, so the
 * engine can tell when it changed. The value itself never leaves the process that reads it at apply.
 */
export class Secret {
  /** Whether `x` is a `Secret`, also across duplicate copies of the library. */
  public static isSecret(x: unknown): x is Secret {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[SECRET_SYM] === true;
  }

  /**
   * The value of an environment variable, read at synth (for the fingerprint) and at apply.
   *
   * @param name variable name: letters, digits and `_`, not starting with a digit.
   */
  public static fromEnv(name: string): Secret {
    return new Secret(`env:${name}`);
  }

  /**
   * The contents of a file (one trailing newline dropped), read at synth (for the fingerprint) and at apply.
   *
   * @param path file path; a relative path is resolved against the working directory of synth and apply.
   */
  public static fromFile(path: string): Secret {
    return new Secret(`file:${path}`);
  }

  /** The reference written to the manifest: `env:NAME` or `file:PATH`. */
  public readonly ref: string;

  private constructor(ref: string) {
    this.ref = ref;
    Object.defineProperty(this, SECRET_SYM, { value: true });
  }

  /** The reference, never a value. */
  public toString(): string {
    return `Secret(${this.ref})`;
  }

  /** The reference, never a value. */
  public toJSON(): string {
    return this.ref;
  }
}
