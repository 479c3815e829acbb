/**
 * One jest run for everything: unit specs (*.spec.ts) beside the code, integration specs
 * (*.int-spec.ts) against the real MariaDB and Redis, and the cross-app suites under test/.
 * Every file makes its own database and queue prefix, so files run in parallel.
 */
const ESM_ONLY = ['cookie', 'content-disposition'];

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
    '^.+\\.ts$': ['ts-jest', { diagnostics: false, tsconfig: 'tsconfig.json' }],
    // A few dependencies ship ES modules only and rely on Node 20's require(esm), which jest's
    // module loader lacks; they are compiled to CommonJS for the tests alone.
    [`node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: [
      'ts-jest',
      { diagnostics: false, tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022' } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  moduleNameMapper: { '^@danbao/([a-z-]+)$': '<rootDir>/libs/$1/src' },
  setupFiles: ['reflect-metadata'],
  testTimeout: 60_000,
  maxWorkers: process.env.JEST_MAX_WORKERS ?? 2,
  reporters: ['default', ['<rootDir>/scripts/jest-summary-reporter.js', {}]],
};
