export * from './dot';
export * from './json';
export * from './markdown';
export * from './mermaid';
export * from './picture-text';
export * from './picture-view';
export * from './text';
