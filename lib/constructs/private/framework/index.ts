export * from './apply-resource';
export * from './contract';
export * from './stack-of';
