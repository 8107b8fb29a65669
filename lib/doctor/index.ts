export * from './doctor-report';
export * from './run-doctor';
export * from './render-doctor';
export * from './credential-checks';
export * from './delegation-checks';
export * from './apply-checks';
export { SMTP_VANTAGE_NOTE, declaredEndpoints } from './smtp-checks';
export * from './scrub-secrets';
