export * from './workspace-admin';
export * from './admin-error';
export { readFailure, type FailureFacts } from './private/error-mapping';
export * from './workspace-admin-options';
export * from './google-workspace-admin';
export * from './service-account-key';
export * from './retry';
export * from './rate-limiter';
export * from './scopes';
