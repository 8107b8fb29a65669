import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Where a command keeps its local files. The *app directory* is the nearest folder, from the working directory
 * up, that holds a `cdktf.json` (else the working directory). Its `.mailpolicy/` folder holds the fingerprint key,
 * the embedded emulator's database, the states of the default `file:` backend and, from an earlier version, a
 * `ledger.json` to carry over. Anchoring on the app directory matters because
 * Terraform runs the synthesised provisioner inside `cdktf.out/stacks/<stack>/`, which synth rewrites.
 */
export interface WorkspaceDir {
  /** The app directory: `file:` secret references and relative paths resolve from here. */
  readonly appDir: string;
  /** `<appDir>/.mailpolicy`, or `MAILPOLICY_HOME` when set. */
  readonly stateDir: string;
  /** An earlier version's ledger, carried over into the states once: `MAILPOLICY_LEDGER`, else in `stateDir`. */
  readonly ledgerFile: string;
  readonly fingerprintKeyFile: string;
  readonly emulatorDataFile: string;
}

/** Finds the app directory from `start` upwards; undefined when no folder holds a `cdktf.json`. */
export function findAppDir(start: string): string | undefined {
  let current = resolve(start);
  for (;;) {
    if (existsSync(join(current, 'cdktf.json'))) return current;
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/**
 * Resolves the local folders, searching for the app directory from `start` (a manifest's folder or the working
 * directory); `cwd` is the fallback when no `cdktf.json` is found.
 */
export function workspaceDir(start: string, env: NodeJS.ProcessEnv, cwd: string = start): WorkspaceDir {
  const appDir = env.MAILPOLICY_APP_DIR ? resolve(cwd, env.MAILPOLICY_APP_DIR) : (findAppDir(start) ?? resolve(cwd));
  const stateDir = env.MAILPOLICY_HOME ? resolve(cwd, env.MAILPOLICY_HOME) : join(appDir, '.mailpolicy');
  return {
    appDir,
    stateDir,
    ledgerFile: env.MAILPOLICY_LEDGER ? resolve(cwd, env.MAILPOLICY_LEDGER) : join(stateDir, 'ledger.json'),
    fingerprintKeyFile: join(stateDir, 'fingerprint.key'),
    emulatorDataFile: join(stateDir, 'emulator.sqlite'),
  };
}
