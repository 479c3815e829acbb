#!/usr/bin/env node
// Lints source texts as if they were files at the given paths, with the repository's own
// eslint.config.mjs, and prints each text's messages as JSON. For test/lint/boundaries.spec.ts:
// ESLint loads its flat config with import(), which jest's module loader cannot run, so the spec
// runs this in a plain Node process. Input on stdin: {"<name>": {"filePath", "code"}, ...}.
'use strict';
const { ESLint } = require('eslint');
const { join } = require('node:path');

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const eslint = new ESLint({ cwd: join(__dirname, '..', '..') });
  const results = {};
  for (const [name, { filePath, code }] of Object.entries(cases)) {
    const [result] = await eslint.lintText(code, { filePath, warnIgnored: true });
    results[name] = result.messages.map(({ ruleId, message, severity }) => ({ ruleId, message, severity }));
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
