/**
 * One jest run for everything: unit specs (*.spec.ts) beside the code, integration specs
 * (*.int-spec.ts) against the real MariaDB and Redis, and the cross-app suites under test/.
 * Every file makes its own database and queue prefix, so files run in parallel.
 */
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: [
    '<rootDir>/{apps,libs,test}/**/*.spec.ts',
    '<rootDir>/{apps,libs,test}/**/*.int-spec.ts',
    '<rootDir>/test/**/*.e2e-spec.ts',
  ],
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false, tsconfig: 'tsconfig.json' }],
  },
  moduleNameMapper: { '^@danbao/([a-z-]+)$': '<rootDir>/libs/$1/src' },
  setupFiles: ['reflect-metadata'],
  testTimeout: 60_000,
  maxWorkers: process.env.JEST_MAX_WORKERS ?? 2,
  reporters: ['default', ['<rootDir>/scripts/jest-summary-reporter.js', {}]],
};
