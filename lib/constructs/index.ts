export * from './mail-policy';
export * from './org-unit';
export * from './outbound-gateway-policy';
export * from './removal-policy';
export * from './secret';
export * from './security-mode';
export * from './send-as-identity';
export * from './user';
export type { SynthesizedManifest } from './private/synth-output';
