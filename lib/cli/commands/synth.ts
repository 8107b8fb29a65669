import { relative, resolve } from 'node:path';

import { flagOption, helpText, parseCommandArgs, stringOption, type OptionTable } from '../args';
import { manifestsIn, readManifestFile, synthApp } from '../app-runner';
import type { CommandIo } from '../io';
import { findAppDir } from '../workspace-dir';

const OPTIONS: OptionTable = {
  app: { type: 'string', value: 'DIR', help: 'the cdktf app (default: the nearest folder upwards with a cdktf.json)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const SYNTH_HELP = helpText(
  'mailpolicy synth [--app DIR]',
  "Runs the app command of the app's cdktf.json (no cdktf-cli needed) and lists the manifests it wrote.",
  OPTIONS,
);

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export async function runSynth(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs('synth', argv, OPTIONS);
  if (flagOption(args, 'help')) {
    io.stdout.write(SYNTH_HELP);
    return 0;
  }
  const app = stringOption(args, 'app');
  const appDir = app !== undefined ? resolve(io.cwd, app) : (findAppDir(io.cwd) ?? io.cwd);
  const outdir = await synthApp(appDir, io.env, io);
  const stacks = manifestsIn(outdir);
  for (const stack of stacks) {
    const manifest = readManifestFile(stack.file);
    const counts = [
      count(manifest.orgUnits.length, 'org unit', 'org units'),
      count(manifest.gatewayPolicies.length, 'gateway policy', 'gateway policies'),
      count(manifest.users.length, 'user', 'users'),
      count(manifest.sendAs.length, 'send-as identity', 'send-as identities'),
    ].join(', ');
    io.stdout.write(`Stack ${stack.name}: ${relative(io.cwd, stack.file)} (${counts})\n`);
  }
  if (stacks.length === 0) io.stdout.write(`No stack in ${relative(io.cwd, outdir) || '.'} has a mail policy.\n`);
  return 0;
}
