export * from './emulator-types';
export * from './seed';
export * from './start-emulator';
export * from './emulator-command';
export * from './smtp-stand-in';
export * from './test-certificate';
export { PROJECT_SCOPES } from './private/methods';
export { sanitiseSignature } from './private/sanitise-signature';
export * from './storage-emulator';
