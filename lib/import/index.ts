export * from './generate-app';
export * from './imported-tenant';
export * from './read-tenant';
