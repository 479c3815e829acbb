#!/usr/bin/env node
// `npm start`: validate the configuration, make sure MySQL and Redis answer, build if needed,
// run migrations, then run the api and the worker as two processes. Ctrl-C or SIGTERM stops
// both cleanly (in-flight requests and jobs finish first). With LOG_FORMAT=pretty (the default in
// development) their JSON log lines are printed as readable lines; the processes still write JSON.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const { join } = require('node:path');
const { createInterface } = require('node:readline');

const root = join(__dirname, '..');
const fail = (line) => {
  process.stderr.write(`${line}\n`);
  process.exit(1);
};

function loadConfigFromSource() {
  // The configuration schema is TypeScript; load it without a build so a bad variable is named
  // at once, even on a fresh clone that has not been built yet.
  require('ts-node').register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } });
  // The schema asks libs/money which currencies exist (`@danbao/money`, a tsconfig path).
  require('tsconfig-paths').register({
    baseUrl: root,
    paths: require(join(root, 'tsconfig.base.json')).compilerOptions.paths,
  });
  const { loadConfig, ConfigError } = require(join(root, 'libs/platform/src/config/config.ts'));
  try {
    return loadConfig();
  } catch (error) {
    fail(error instanceof ConfigError ? error.message : String(error));
  }
}

async function checkServices(config) {
  const { redactUrl } = require(join(root, 'libs/platform/src/database/database-url.ts'));
  const mysql = require('mysql2/promise');
  const target = new URL(config.databaseUrl);
  try {
    const connection = await mysql.createConnection({
      host: target.hostname,
      port: Number(target.port || 3306),
      user: decodeURIComponent(target.username || 'root'),
      password: decodeURIComponent(target.password),
      connectTimeout: 5000,
    });
    await connection.end();
  } catch (error) {
    fail(
      `Cannot reach MySQL at ${redactUrl(config.databaseUrl)} (${error.code || error.message}); start it or set DATABASE_URL to point elsewhere.`,
    );
  }
  const Redis = require('ioredis');
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 5000,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    fail(
      `Cannot reach Redis at ${redactUrl(config.redisUrl)} (${error.code || error.message}); start it or set REDIS_URL to point elsewhere.`,
    );
  } finally {
    redis.disconnect();
  }
}

/**
 * Prints a process's stdout one line at a time: pino's JSON lines as one readable line each (an
 * error's stack below it), anything else as it is. pino-pretty is loaded only here, so the built
 * processes never need it.
 */
function printReadably(name, stdout) {
  const { prettyFactory } = require('pino-pretty');
  const prettify = prettyFactory({
    colorize: Boolean(process.stdout.isTTY),
    translateTime: 'SYS:HH:MM:ss.l',
    singleLine: true,
    ignore: 'pid,hostname,service,context,req,res,responseTime',
    messageFormat: `${name} {if context}[{context}] {end}{if req.method}{req.method} {req.url} {res.statusCode} {responseTime}ms {end}{msg}`,
  });
  // Writes to a pipe or a terminal are synchronous on Linux, so nothing is lost at process.exit.
  createInterface({ input: stdout, crlfDelay: Infinity }).on('line', (line) =>
    process.stdout.write(prettify(line)),
  );
}

async function main() {
  const config = loadConfigFromSource();
  await checkServices(config);
  execFileSync(process.execPath, [join(__dirname, 'build-if-needed.js')], { stdio: 'inherit' });
  if (config.sandboxChannelSecretGenerated) {
    // Both processes must sign and verify with the same secret, so it is generated once here.
    process.env.SANDBOX_CHANNEL_SECRET = config.sandboxChannelSecret;
    process.stdout.write(
      `SANDBOX_CHANNEL_SECRET was not set; using ${config.sandboxChannelSecret} for this run.\n`,
    );
  }
  if (config.secretKeyGenerated) {
    // Both processes must encrypt and decrypt secrets at rest with the same key. A key generated
    // for this run cannot read what an earlier run stored: the api then replaces the token signing
    // key, saying so (tokens of earlier runs stop working); set DANBAO_SECRET_KEY to keep them.
    process.env.DANBAO_SECRET_KEY = config.secretKey.toString('hex');
    process.env.DANBAO_SECRET_KEY_GENERATED = 'true';
    process.stdout.write(
      `DANBAO_SECRET_KEY was not set; using ${process.env.DANBAO_SECRET_KEY} for this run.\n`,
    );
  }
  execFileSync(process.execPath, [join(root, 'dist/apps/api/src/migrate.js')], { stdio: 'inherit' });

  const children = ['api', 'worker'].map((name) => {
    const pretty = config.logFormat === 'pretty';
    const child = spawn(process.execPath, [join(root, `dist/apps/${name}/src/main.js`)], {
      stdio: pretty ? ['inherit', 'pipe', 'inherit'] : 'inherit',
      env: { ...process.env, DANBAO_PROCESS: name },
    });
    if (pretty) printReadably(name, child.stdout);
    // 'close', not 'exit': a piped stdout has then been read to its end and printed.
    child.on('close', (code, signal) => onExit(name, code, signal));
    return child;
  });

  let stopping = false;
  let exitCode = 0;
  let running = children.length;
  function stop(signal) {
    if (stopping) return;
    stopping = true;
    for (const child of children) if (child.exitCode === null) child.kill(signal);
  }
  function onExit(name, code, signal) {
    running -= 1;
    if (!stopping) {
      process.stderr.write(`${name} exited (${signal || code}); stopping the other process.\n`);
      exitCode = code || 1;
      stop('SIGTERM');
    }
    if (running === 0) process.exit(exitCode);
  }
  process.on('SIGINT', () => stop('SIGTERM'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error) => fail(`npm start failed: ${error.message}`));
