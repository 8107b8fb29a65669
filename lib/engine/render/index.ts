export * from './json';
export * from './markdown';
export * from './text';
