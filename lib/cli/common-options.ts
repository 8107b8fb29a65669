import { ErrorCodes, MailPolicyError } from '../model/errors';
import { flagOption, stringOption, type OptionTable, type ParsedArgs } from './args';
import type { StackSelection } from './app-runner';
import type { TargetOptions } from './target';

/** Options shared by every command that talks to a tenant. */
export const TARGET_OPTIONS: OptionTable = {
  target: {
    type: 'string',
    value: 'google|emulator',
    help: 'tenant to talk to (default: google with credentials, else the embedded emulator)',
  },
  credentials: {
    type: 'string',
    value: 'FILE',
    help: 'service-account key with domain-wide delegation ($GOOGLE_APPLICATION_CREDENTIALS)',
  },
  admin: {
    type: 'string',
    value: 'EMAIL',
    help: 'super admin to impersonate for Directory and Policy calls ($MAILPOLICY_ADMIN)',
  },
  'emulator-url': { type: 'string', value: 'URL', help: 'a running `mailpolicy emulator` ($MAILPOLICY_EMULATOR_URL)' },
  customer: { type: 'string', value: 'ID', help: 'customer id (default: my_customer)' },
  'retry-deadline': {
    type: 'string',
    value: 'DURATION',
    help: 'how long one API call may keep retrying 429/5xx/resets (default 120s; $MAILPOLICY_RETRY_DEADLINE)',
  },
  'directory-qpm': {
    type: 'string',
    value: 'N',
    help: "Directory API queries per minute to allow (default 2400, Google's default quota; $MAILPOLICY_DIRECTORY_QPM)",
  },
  'gmail-read-scope': {
    type: 'string',
    value: 'basic|readonly',
    help: 'scope of read-only send-as reads: gmail.settings.basic (default) or gmail.readonly ($MAILPOLICY_GMAIL_READ_SCOPE)',
  },
};

/** Where the stacks' state lives. */
export const STATE_OPTIONS: OptionTable = {
  state: {
    type: 'string',
    value: 'URL',
    help: "the stacks' state: file:PATH or gs://BUCKET/PREFIX ($MAILPOLICY_STATE; default file:.mailpolicy/state)",
  },
};

/** `--state URL`, when given. */
export function stateOption(args: ParsedArgs): { url?: string } {
  const url = stringOption(args, 'state');
  return url === undefined ? {} : { url };
}

/** Options choosing the stacks to work on. */
export const STACK_OPTIONS: OptionTable = {
  manifest: { type: 'string', multiple: true, value: 'FILE', help: 'a synthesised mail-policy.json (repeatable)' },
  app: {
    type: 'string',
    value: 'DIR',
    help: 'a cdktf app to synthesise (default: the nearest folder upwards with a cdktf.json)',
  },
  stack: { type: 'string', value: 'NAME', help: 'the stack to use in a multi-stack app' },
  all: { type: 'boolean', help: 'use every stack of the app' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export function targetOptions(args: ParsedArgs): TargetOptions {
  return {
    target: stringOption(args, 'target'),
    credentials: stringOption(args, 'credentials'),
    admin: stringOption(args, 'admin'),
    emulatorUrl: stringOption(args, 'emulator-url'),
    customerId: stringOption(args, 'customer'),
    retryDeadline: stringOption(args, 'retry-deadline'),
    directoryQpm: stringOption(args, 'directory-qpm'),
    gmailReadScope: stringOption(args, 'gmail-read-scope'),
  };
}

export function stackSelection(args: ParsedArgs): StackSelection {
  const manifests = args.values.manifest;
  return {
    manifests: Array.isArray(manifests) ? manifests : undefined,
    appDir: stringOption(args, 'app'),
    stack: stringOption(args, 'stack'),
    all: flagOption(args, 'all'),
  };
}

/** `--gateway-writes`: who writes the gateway setting. */
export const GATEWAY_WRITES_OPTIONS: OptionTable = {
  'gateway-writes': {
    type: 'string',
    value: 'api|manual',
    help: 'whether the gateway setting is written by API or by a person ($MAILPOLICY_GATEWAY_WRITES)',
  },
};

/** `--no-color`, for the commands that print coloured text. */
export const COLOR_OPTIONS: OptionTable = {
  'no-color': { type: 'boolean', help: 'never colour the text output' },
};

/** Colour only on a terminal, and never with `--no-color` or `NO_COLOR`. */
export function useColor(args: ParsedArgs, stdout: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return !flagOption(args, 'no-color') && stdout.isTTY === true && !env.NO_COLOR;
}

/** `--gateway-writes api|manual`, else `$MAILPOLICY_GATEWAY_WRITES`; undefined lets the stack's state decide. */
export function gatewayWritesOption(args: ParsedArgs, env: NodeJS.ProcessEnv): 'api' | 'manual' | undefined {
  const value = stringOption(args, 'gateway-writes') ?? env.MAILPOLICY_GATEWAY_WRITES;
  if (value === undefined || value === 'api' || value === 'manual') return value;
  throw new MailPolicyError(ErrorCodes.USAGE, `--gateway-writes: '${value}' (allowed: api, manual)`);
}
