import { relative, resolve } from 'node:path';

import { flagOption, helpText, parseCommandArgs, stringOption, type OptionTable } from '../args';
import { manifestsIn, readManifestFile, synthApp } from '../app-runner';
import type { CommandIo } from '../io';

const OPTIONS: OptionTable = {
  app: { type: 'string', value: 'DIR', help: 'the cdktf app (default: the current directory)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const SYNTH_HELP = helpText(
  'mailpolicy synth [--app DIR]',
  "Runs the app command of the app's cdktf.json (no cdktf-cli needed) and lists the manifests it wrote.",
  OPTIONS,
);

export async function runSynth(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs('synth', argv, OPTIONS);
  if (flagOption(args, 'help')) {
    io.stdout.write(SYNTH_HELP);
    return 0;
  }
  const appDir = resolve(io.cwd, stringOption(args, 'app') ?? '.');
  const outdir = await synthApp(appDir, io.env, io);
  const stacks = manifestsIn(outdir);
  for (const stack of stacks) {
    const manifest = readManifestFile(stack.file);
    const counts = `${manifest.orgUnits.length} org units, ${manifest.gatewayPolicies.length} gateway policies, ${manifest.users.length} users, ${manifest.sendAs.length} send-as identities`;
    io.stdout.write(`Stack ${stack.name}: ${relative(io.cwd, stack.file)} (${counts})\n`);
  }
  if (stacks.length === 0) io.stdout.write(`No stack in ${relative(io.cwd, outdir) || '.'} has a mail policy.\n`);
  return 0;
}
