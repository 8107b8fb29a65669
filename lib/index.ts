// The package entry point: the constructs and the manifest model. The emulator, the Admin API client and
// the engine have their own entry points (`workspace-mail-policy/emulator`, `/admin`, `/engine`) so that a
// synth does not load what only plan and apply need.
export * from './constructs';
export * from './model';
