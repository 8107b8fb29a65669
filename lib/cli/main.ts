import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { MailPolicyError } from '../model/errors';
import { runApply } from './commands/apply';
import { runDestroy } from './commands/destroy';
import { runDoctorCommand } from './commands/doctor';
import { runForceUnlock } from './commands/force-unlock';
import { runEmulator } from './commands/emulator';
import { runGraph } from './commands/graph';
import { runImport } from './commands/import';
import { runPlan } from './commands/plan';
import { runSynth } from './commands/synth';
import { runVerify } from './commands/verify';
import { processIo, type CommandIo } from './io';

type Command = (argv: readonly string[], io: CommandIo) => Promise<number>;

const COMMANDS: Readonly<Record<string, { run: Command; summary: string }>> = {
  synth: { run: runSynth, summary: 'synthesise the cdktf app: mail-policy.json and cdk.tf.json per stack' },
  plan: { run: runPlan, summary: 'show what apply would change (read-only); --drift for drift reports' },
  drift: {
    run: (argv, io) => runPlan(argv, io, 'drift'),
    summary: 'report drift: what changed outside the code (plan --drift --detailed-exitcode)',
  },
  graph: { run: runGraph, summary: 'draw who may bypass the outbound gateway, before → after (read-only)' },
  apply: { run: runApply, summary: 'apply a reviewed plan, or plan and apply in one go' },
  destroy: { run: runDestroy, summary: 'remove every object the stack manages (RETAIN ones are only forgotten)' },
  verify: { run: runVerify, summary: "send Gmail's verification mail again for identities still pending" },
  'force-unlock': { run: runForceUnlock, summary: "release a stack's lock left by a killed apply or destroy" },
  doctor: { run: runDoctorCommand, summary: 'check everything a first apply depends on, from key to SMTP (read-only)' },
  import: {
    run: runImport,
    summary: 'write construct code from a tenant, a Terraform state or GAM exports, and adopt it into the state',
  },
  emulator: { run: runEmulator, summary: 'run a local Google Workspace emulator' },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(13)} ${c.summary}`);
  return [
    'Usage: mailpolicy <command> [options]',
    '',
    'Gmail send-as identities, per-user outbound gateways and org units for Google Workspace, from code.',
    '',
    'Commands:',
    ...rows,
    '',
    "Run 'mailpolicy <command> --help' for a command's options.",
    '',
  ].join('\n');
}

/** Runs the command line and returns the exit code. Errors print as `[MPxxxx] message`, never a stack trace. */
export async function main(argv: readonly string[], io: CommandIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version') {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    io.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`mailpolicy: unknown command '${name}'\n\n${usage()}`);
    return 1;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (MailPolicyError.isMailPolicyError(error)) {
      io.stderr.write(`Error: ${error.format()}\n`);
    } else {
      io.stderr.write(`Error: ${(error as Error)?.message ?? String(error)}\n`);
      if (io.env.MAILPOLICY_DEBUG) io.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    }
    return 1;
  }
}
