export * from './compute-picture';
export * from './gateway-picture';
export * from './gateway-state';
