import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { allMigrations } from '@danbao/schema';
import {
  createTestDatabase,
  deleteQueueKeys,
  REDIS_URL,
  RunningProcess,
  startProcess,
  TestDatabase,
  testConfig,
  testProcessEnv,
  testQueuePrefix,
} from '@danbao/testing';

/*
 * What the browser suites share: Chromium (the system's, headless), screenshots under
 * test-artifacts/screenshots, and the api and worker as separate processes from source on a
 * database, queue prefix and free port of the file's own.
 */

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOTS = join(__dirname, '..', '..', 'test-artifacts', 'screenshots');

/** The system's Chromium, headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** A full-page screenshot, test-artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A free TCP port on localhost, found by letting the kernel pick one. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface BrowserStack {
  database: TestDatabase;
  /** The api's address (its PUBLIC_URL). */
  publicUrl: string;
  api: RunningProcess;
  worker: RunningProcess;
  browser: Browser;
  context: BrowserContext;
  /** Closes the context and browser, stops both processes, deletes the queue keys, drops the database. */
  stop(): Promise<void>;
}

/**
 * The api and worker processes (with `env` besides the database, queue prefix, PORT and PUBLIC_URL)
 * and Chromium, started together; a browser context with `viewport`. If start-up fails, whatever
 * had started is stopped before the error.
 */
export async function startBrowserStack(
  env: Record<string, string>,
  viewport: { width: number; height: number },
): Promise<BrowserStack> {
  const prefix = testQueuePrefix();
  let database: TestDatabase | undefined;
  let api: RunningProcess | undefined;
  let worker: RunningProcess | undefined;
  let launched: Promise<Browser> | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  const stop = async () => {
    await context?.close();
    await browser?.close();
    api?.kill();
    worker?.kill();
    await Promise.all([api?.exited, worker?.exited]);
    await deleteQueueKeys(REDIS_URL, prefix);
    await database?.drop();
  };
  try {
    database = await createTestDatabase(allMigrations);
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const processEnv = testProcessEnv(testConfig(database.databaseUrl, prefix), {
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      ...env,
    });
    api = startProcess('api', processEnv);
    worker = startProcess('worker', processEnv);
    launched = launchChromium();
    [browser] = await Promise.all([
      launched,
      api.waitForOutput(/Danbao api listening on/, 45_000),
      worker.waitForOutput(/Danbao worker running/, 45_000),
    ]);
    context = await browser.newContext({ viewport });
    return { database, publicUrl, api, worker, browser, context, stop };
  } catch (error) {
    // A browser still starting when a process failed is waited for, so that stop() closes it.
    browser ??= await launched?.catch(() => undefined);
    await stop();
    throw error;
  }
}
