#!/usr/bin/env node
// Builds dist/ when it is missing or older than any TypeScript source, so `npm start` on a
// fresh clone works without a separate build step and a second start does not rebuild.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, utimesSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const stamp = join(root, 'dist', 'apps', 'api', 'src', 'main.js');

function newestSourceMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function isStale() {
  if (!existsSync(stamp)) return true;
  const builtMs = statSync(stamp).mtimeMs;
  return (
    ['apps', 'libs'].some((dir) => newestSourceMs(join(root, dir)) > builtMs) ||
    ['tsconfig.base.json', 'tsconfig.build.json', 'package-lock.json'].some(
      (file) => statSync(join(root, file)).mtimeMs > builtMs,
    )
  );
}

if (isStale()) {
  process.stdout.write('Building Danbao (dist/)...\n');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  // tsc leaves unchanged outputs untouched; mark the build as fresh so the next start skips it.
  const now = new Date();
  utimesSync(stamp, now, now);
}
