export * from './apply-options';
export * from './apply-plan';
export * from './progress';
export * from './record-declared';
