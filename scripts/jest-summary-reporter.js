// Writes jest's own counts to test-artifacts/jest-summary.json so .ci/run can print the real
// "N passed, N failed" line from the test results rather than from parsing console output.
'use strict';
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class JestSummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }
  onRunComplete(_contexts, results) {
    const dir = join(this.rootDir, 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'jest-summary.json'),
      JSON.stringify({
        passed: results.numPassedTests,
        failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
        skipped: results.numPendingTests + results.numTodoTests,
        suitesFailed: results.numFailedTestSuites,
        total: results.numTotalTests,
      }),
    );
  }
}
module.exports = JestSummaryReporter;
