export * from './test-app';
export * from './test-config';
export * from './test-database';
export * from './processes';
export * from './factories';
export * from './wait';
export * from './escrow-services';
export * from './stack';
export { allMigrations } from '@danbao/schema';
