import { parseArgs, type ParseArgsConfig } from 'node:util';

import { ErrorCodes, MailPolicyError } from '../model/errors';

/** One option of a command, with the help text shown by `--help`. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly help: string;
  readonly multiple?: boolean;
  readonly short?: string;
  /** Placeholder shown in help, e.g. `FILE`. */
  readonly value?: string;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

export interface ParsedArgs {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

/** Parses `argv` against `options`; unknown flags and missing values are MP4000 usage errors. */
export function parseCommandArgs(command: string, argv: readonly string[], options: OptionTable): ParsedArgs {
  const config: ParseArgsConfig = {
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: Object.fromEntries(
      Object.entries(options).map(([name, spec]) => [
        name,
        { type: spec.type, multiple: spec.multiple === true, ...(spec.short ? { short: spec.short } : {}) },
      ]),
    ),
  };
  try {
    const { values, positionals } = parseArgs(config);
    return { values: values as ParsedArgs['values'], positionals };
  } catch (error) {
    throw new MailPolicyError(
      ErrorCodes.USAGE,
      `mailpolicy ${command}: ${(error as Error).message}. Run 'mailpolicy ${command} --help' for the options.`,
    );
  }
}

/** The help text of a command. */
export function helpText(usage: string, description: string, options: OptionTable): string {
  const rows = Object.entries(options).map(([name, spec]) => {
    const flag = `--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
    return `  ${flag.padEnd(30)} ${spec.help}`;
  });
  return `Usage: ${usage}\n\n${description}\n\nOptions:\n${rows.join('\n')}\n`;
}

/** A string option's value, or undefined. */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A boolean option's value. */
export function flagOption(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** Parses a duration such as `90s`, `15m`, `2h`, `500ms` or a number of seconds. */
export function parseDuration(option: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) {
    throw new MailPolicyError(
      ErrorCodes.USAGE,
      `--${option}: '${text}' is not a duration (allowed: a number followed by ms, s, m or h, e.g. 15m)`,
    );
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(match[1]) * unit);
}
