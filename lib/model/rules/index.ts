export * from './finding-rule';
export * from './gateway-rules';
export * from './rule-pack';
export * from './send-as-rules';
