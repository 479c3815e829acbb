// Proves the hosted checkout works for a buyer in a real browser: a card pays and lands back on
// the shop's return_url with the money held in escrow; a declined card shows why and leaves the
// order payable; an expired session and a form without its CSRF token move nothing; a description
// with markup renders as text; the page fits a phone.
// Real: Chromium (playwright-core), the api and the worker as separate processes from source,
// MariaDB, Redis, the sandbox channel (the worker posts its signed notification to PUBLIC_URL).
// Fake: the shop, a local HTTP server that records which return_url was reached.
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Connection, createConnection } from 'mysql2/promise';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { parseDatabaseUrl } from '@danbao/platform';
import { BrowserStack, screenshot, startBrowserStack } from '../support/browser';

const API_KEY = `sk_browser_${Date.now()}_0123456789abcdef`;
const GOOD_CARD = '4242 4242 4242 4242';
const DECLINED_CARD = '4000 0000 0000 0002';

type OrderResource = {
  id: string;
  status: string;
  amount: number;
  currency: string;
  checkout_url: string;
  latest_payment: { status: string; failure_code?: string } | null;
  hold: { amount: number; status: string } | null;
};

/** The page's globals, typed just enough for the lines evaluated in the browser (no DOM lib here). */
interface PageGlobals {
  document: {
    documentElement: { scrollWidth: number };
    querySelector(selector: string): { remove(): void } | null;
  };
  __pwned?: number;
}

describe('hosted checkout in a browser', () => {
  let stack: BrowserStack;
  let sql: Connection;
  let browser: Browser;
  let context: BrowserContext;
  let shop: Server;
  let shopUrl: string;
  let publicUrl: string;
  /** Paths of the shop that browsers reached, in order. */
  const shopHits: string[] = [];

  beforeAll(async () => {
    shop = createServer((request, response) => {
      shopHits.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>Shop</title><h1>Thanks for your order</h1>');
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;

    stack = await startBrowserStack({ DANBAO_BOOTSTRAP_API_KEY: API_KEY }, { width: 1024, height: 800 });
    ({ browser, context, publicUrl } = stack);
    sql = await createConnection({ ...parseDatabaseUrl(stack.database.databaseUrl), timezone: 'Z' });
  }, 90_000);

  afterAll(async () => {
    await sql?.end();
    await stack?.stop();
    await new Promise((resolve) => shop?.close(resolve));
  }, 30_000);

  async function apiCall<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${publicUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = (await response.json()) as T;
    if (!response.ok)
      throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(payload)}`);
    return payload;
  }

  const createOrder = (overrides: Record<string, unknown> = {}) =>
    apiCall<OrderResource>('POST', '/v1/orders', {
      buyer_id: 'buyer_b1',
      seller_id: 'seller_s1',
      amount: 12_800,
      currency: 'CNY',
      description: 'Yixing clay teapot, 200 ml',
      return_url: `${shopUrl}/orders/42/done`,
      ...overrides,
    });
  const getOrder = (id: string) => apiCall<OrderResource>('GET', `/v1/orders/${id}`);
  const sessionIdOf = (order: OrderResource) => new URL(order.checkout_url).pathname.split('/').pop()!;

  async function paymentCount(order: OrderResource): Promise<number> {
    const [rows] = await sql.query('SELECT COUNT(*) AS n FROM payments WHERE session_id = ?', [
      sessionIdOf(order),
    ]);
    return Number((rows as { n: number }[])[0].n);
  }

  async function escrowBalance(orderId: string): Promise<bigint> {
    const [rows] = await sql.query(
      'SELECT COALESCE(SUM(balance), 0) AS balance FROM ledger_balances WHERE account_code = ? AND currency = ?',
      [`escrow:${orderId}`, 'CNY'],
    );
    return BigInt((rows as { balance: string | number }[])[0].balance);
  }

  async function fillCard(page: Page, cardNumber: string): Promise<void> {
    await page.getByLabel('Card number').fill(cardNumber);
    await page.getByLabel('Expiry').fill('12/34');
    await page.getByLabel('CVC').fill('123');
  }

  it('pays with the success card, shows the result, lands on return_url and holds the money in escrow', async () => {
    const order = await createOrder({ return_url: `${shopUrl}/orders/paid/done` });
    const page = await context.newPage();
    const opened = await page.goto(order.checkout_url);
    expect(opened?.status()).toBe(200);
    expect(await page.getByTestId('total').textContent()).toBe('¥128.00');
    expect(await page.locator('.items').textContent()).toContain('Yixing clay teapot, 200 ml');
    await screenshot(page, 'checkout-pay');

    await fillCard(page, GOOD_CARD);
    await page.getByRole('button', { name: /^Pay/ }).click();
    await page.waitForURL(/\/checkout\/cs_[^/]+\/payments\/pay_/);
    // The result page refreshes itself while the notification is on its way, then shows the result.
    await page.getByText('Payment received').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('message').textContent()).toContain('ending in 4242');
    await screenshot(page, 'checkout-result');
    await page.waitForURL(`${shopUrl}/orders/paid/done`, { timeout: 10_000 });
    expect(shopHits).toContain('/orders/paid/done');
    await page.close();

    const paid = await getOrder(order.id);
    expect(paid.status).toBe('paid');
    expect(paid.latest_payment).toMatchObject({
      status: 'succeeded',
      card_brand: 'visa',
      card_last4: '4242',
    });
    expect(paid.hold).toMatchObject({ amount: 12_800, status: 'held' });
    expect(await escrowBalance(order.id)).toBe(12_800n);
    expect(await paymentCount(order)).toBe(1);

    // Opening the paid checkout again shows it is paid, with no form to pay twice.
    const again = await context.newPage();
    await again.goto(order.checkout_url);
    expect(await again.getByTestId('status').textContent()).toBe('Already paid');
    expect(await again.locator('form').count()).toBe(0);
    await again.close();
  });

  it('shows a declined card with its reason and leaves the order payable', async () => {
    const order = await createOrder({ return_url: `${shopUrl}/orders/declined/done` });
    const page = await context.newPage();
    await page.goto(order.checkout_url);
    await fillCard(page, DECLINED_CARD);
    await page.getByRole('button', { name: /^Pay/ }).click();
    await page.getByText('Payment declined').waitFor({ timeout: 10_000 });
    const message = await page.getByTestId('message').textContent();
    expect(message).toContain('Your card was declined.');
    expect(message).toContain('card_declined');
    await screenshot(page, 'checkout-declined');

    // Trying again shows the form with the reason, and no money moved.
    await page.getByRole('link', { name: 'Try again' }).click();
    await page.waitForURL(order.checkout_url);
    expect(await page.getByTestId('error').textContent()).toContain('card_declined');
    expect(await page.getByRole('button', { name: /^Pay/ }).isVisible()).toBe(true);
    await page.close();

    const declined = await getOrder(order.id);
    expect(declined.status).toBe('awaiting_payment');
    expect(declined.latest_payment).toMatchObject({ status: 'failed', failure_code: 'card_declined' });
    expect(declined.hold).toBeNull();
    expect(await escrowBalance(order.id)).toBe(0n);
    expect(shopHits).not.toContain('/orders/declined/done');
  });

  it('refuses to pay a session that expired while its page was open, and then shows it expired', async () => {
    const order = await createOrder();
    const page = await context.newPage();
    await page.goto(order.checkout_url);
    await fillCard(page, GOOD_CARD);
    await sql.query('UPDATE checkout_sessions SET expires_at = ? WHERE id = ?', [
      new Date(Date.now() - 60_000),
      sessionIdOf(order),
    ]);

    const [submitted] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === 'POST'),
      page.getByRole('button', { name: /^Pay/ }).click(),
    ]);
    expect(submitted.status()).toBe(409);
    await page.waitForLoadState();
    expect(await page.getByTestId('status').textContent()).toBe('This checkout has expired');

    const reopened = await page.goto(order.checkout_url);
    expect(reopened?.status()).toBe(200);
    expect(await page.getByTestId('status').textContent()).toBe('This checkout has expired');
    expect(await page.locator('form').count()).toBe(0);
    expect(await page.locator('input[name="card_number"]').count()).toBe(0);
    await screenshot(page, 'checkout-expired');
    await page.close();

    expect(await paymentCount(order)).toBe(0);
    expect(['awaiting_payment', 'expired']).toContain((await getOrder(order.id)).status);
    expect(await escrowBalance(order.id)).toBe(0n);
  });

  it('refuses a form posted without its CSRF token with 403 and records no payment', async () => {
    const order = await createOrder();
    const page = await context.newPage();
    await page.goto(order.checkout_url);
    await fillCard(page, GOOD_CARD);
    await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).document.querySelector('input[name="_csrf"]')?.remove(),
    );

    const [submitted] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === 'POST'),
      page.getByRole('button', { name: /^Pay/ }).click(),
    ]);
    expect(submitted.status()).toBe(403);
    await page.waitForLoadState();
    expect(await page.getByTestId('status').textContent()).toBe('This form has expired');
    await page.close();

    expect(await paymentCount(order)).toBe(0);
    expect((await getOrder(order.id)).status).toBe('awaiting_payment');
  });

  it('renders a description with markup as text and runs none of it', async () => {
    const description = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
    const order = await createOrder({ description });
    const page = await context.newPage();
    const opened = await page.goto(order.checkout_url);
    // Escaped by the template, and even an injected script would be refused by the page's policy,
    // which does not upgrade requests either (that breaks the page on any plain-http host but localhost).
    const policy = opened?.headers()['content-security-policy'] ?? '';
    expect(policy).toContain("script-src 'none'");
    expect(policy).toContain("form-action 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain('upgrade-insecure-requests');
    expect(await page.locator('.items .desc').textContent()).toBe(description);
    expect(await page.locator('body').innerText()).toContain('<script>window.__pwned=1</script>');
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__pwned)).toBeUndefined();
    expect(await page.locator('.items script, .items img').count()).toBe(0);
    await page.close();
  });

  it('fits a phone: the pay button is on screen and nothing scrolls sideways', async () => {
    const order = await createOrder({
      amount: 123_456_789,
      description: 'Hand-painted porcelain tea set for six with a bamboo tray and a travel case',
    });
    const phone = await browser.newContext({
      viewport: { width: 375, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    try {
      const page = await phone.newPage();
      await page.goto(order.checkout_url);
      const button = page.getByRole('button', { name: /^Pay/ });
      expect(await button.isVisible()).toBe(true);
      const box = (await button.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(375);
      expect(box.y + box.height).toBeLessThanOrEqual(740);
      expect(
        await page.evaluate(
          () => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth,
        ),
      ).toBeLessThanOrEqual(375);
      await screenshot(page, 'checkout-phone');
    } finally {
      await phone.close();
    }
  });
});
