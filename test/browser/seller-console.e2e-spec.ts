// Proves the seller console works for a seller in a real browser: the link a marketplace mints
// (POST /v1/auth/tokens, its console_url) opened from another site signs the seller in and lands on
// /seller without the token in the address bar; the page shows the balances, the 30-day chart (an
// inline SVG, one point per day) and the payouts, runs nothing; the statement download is a CSV
// whose amounts add up to the balance (incoming + available − owed); the same link opened again,
// or a buyer's, opens nothing. Screenshots go to test-artifacts/screenshots (seller-console-*).
// Real: Chromium (playwright-core), the api's full stack in-process and listening, MariaDB, Redis.
// The money is made by the factories and the release and settlement services (as the settlement
// suite does), each step's ledger entries moved back to its day so the chart has a history.
import { readFile } from 'node:fs/promises';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { ReleaseService } from '@danbao/escrow';
import { ApiKeyService } from '@danbao/platform';
import { PayoutService, SettlementService } from '@danbao/settlement';
import { makePaidOrder, shipOrders, Stack, startStack } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';
import { launchChromium, screenshot } from '../support/browser';

const DAY_MS = 86_400_000;
const SELLER = `sel_browser_${Date.now().toString(36)}`;

interface PageGlobals {
  __ran?: boolean;
}

describe('seller console in a browser', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let dataSource: DataSource;
  let publicUrl: string;
  let apiKey: string;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(AppModule.forRoot, { listen: true }), launchChromium()]);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    publicUrl = stack.config.publicUrl;
    dataSource = stack.app.get(DataSource);
    apiKey = (await stack.app.get(ApiKeyService).create('marketplace')).key;
    await plantMoney();
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await stack?.stop();
  }, 30_000);

  /** Moves every ledger entry and transaction written since `since` back to `at`. */
  async function backdate(since: Date, at: Date): Promise<void> {
    for (const table of ['ledger_entries', 'ledger_transactions'])
      await dataSource.query(`UPDATE ${table} SET created_at = ? WHERE created_at >= ?`, [at, since]);
  }

  async function sale(amount: number, currency = 'CNY'): Promise<void> {
    const order = await makePaidOrder(dataSource, { sellerId: SELLER, amount, currency, feeBps: 200 });
    await shipOrders(dataSource, [order], { autoConfirmAt: new Date(), confirmedAt: new Date() });
    const outcome = (await stack.app.get(ReleaseService).releaseBatch([order])).get(order.holdId);
    expect(outcome).toMatchObject({ status: 'released' });
    await stack.app.get(SettlementService).mature(SELLER, currency);
  }

  /** Sales 24, 15 and 3 days ago and today (one in USD), and a payout 8 days ago. */
  async function plantMoney(): Promise<void> {
    await stack.app
      .get(SettlementService)
      .updateSettings(SELLER, { payoutDelayMs: 0 }, { type: 'operator', name: 'cli' });
    const steps: [number, () => Promise<unknown>][] = [
      [24, () => sale(128_000)],
      [15, () => sale(56_000)],
      [8, () => stack.app.get(PayoutService).requestPayout(SELLER, 90_000n, 'CNY')],
      [3, () => sale(31_500)],
    ];
    for (const [daysAgo, step] of steps) {
      const since = new Date(Date.now() - 1000);
      await step();
      await backdate(since, new Date(Date.now() - daysAgo * DAY_MS));
    }
    await sale(12_000);
    await sale(4_999, 'USD');
  }

  async function mintLink(role: 'buyer' | 'seller', subjectId: string): Promise<string> {
    const response = await fetch(`${publicUrl}/v1/auth/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role, subject_id: subjectId }),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { token: string; console_url?: string };
    return body.console_url ?? `${publicUrl}/seller/session?token=${encodeURIComponent(body.token)}`;
  }

  /** The seller's balance as GET /v1/balance answers it, in CNY. */
  async function apiBalance(): Promise<Record<string, number>> {
    const token = (await fetch(`${publicUrl}/v1/auth/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'seller', subject_id: SELLER }),
    }).then((response) => response.json())) as { token: string };
    const balance = (await fetch(`${publicUrl}/v1/balance`, {
      headers: { authorization: `Bearer ${token.token}` },
    }).then((response) => response.json())) as Record<string, { amount: number; currency: string }[]>;
    const pick = (column: string) => balance[column].find((entry) => entry.currency === 'CNY')?.amount ?? 0;
    return { incoming: pick('incoming'), available: pick('available'), owed: pick('owed') };
  }

  /** Opens `link` as the marketplace's page would: a link on another site, clicked. */
  async function openFromMarketplace(page: Page, link: string): Promise<string[]> {
    const seen: string[] = [];
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (url.pathname.startsWith('/seller') && !url.pathname.startsWith('/seller/assets'))
        seen.push(`${response.status()} ${url.pathname}`);
    });
    await page.setContent(`<a id="console" href="${link}">Seller console</a>`);
    await page.click('#console');
    await page.getByTestId('balances').waitFor();
    return seen;
  }

  let page: Page;
  let link: string;

  it('signs the seller in from the marketplace’s link and shows the balances and the chart', async () => {
    page = await context.newPage();
    link = await mintLink('seller', SELLER);
    expect(link.startsWith(`${publicUrl}/seller/session?token=`)).toBe(true);
    const chain = await openFromMarketplace(page, link);
    // Chromium withholds the SameSite=Strict cookie from the redirect of a navigation another site
    // started, so the first /seller is the page that reopens it from this origin; never the
    // "expired" page.
    expect(chain).toEqual(['303 /seller/session', '200 /seller', '200 /seller']);
    await page.waitForURL(`${publicUrl}/seller`);
    expect(page.url()).not.toContain('token');

    // 128 000 + 56 000 + 31 500 + 12 000 less 2% = 222 950, less the 90 000 payout.
    expect(await page.getByTestId('available').textContent()).toBe('¥1,329.50');
    expect(await page.getByTestId('in-payout').textContent()).toBe('¥900.00');
    expect(await page.getByTestId('seller').textContent()).toBe(SELLER);
    expect(await page.getByTestId('payouts').textContent()).toContain('¥900.00');

    const chart = page.getByTestId('balance-chart');
    expect(await chart.isVisible()).toBe(true);
    const box = await chart.boundingBox();
    expect(box!.width).toBeGreaterThan(600);
    expect(box!.height).toBeGreaterThan(150);
    const points = await chart.locator('circle').count();
    expect(points).toBeGreaterThanOrEqual(30);
    expect(points).toBeLessThanOrEqual(31);
    expect(await page.getByRole('img', { name: 'Available balance in CNY, last 30 days' }).count()).toBe(1);
    // Six levels: nothing yet, each sale, the payout (the higher the balance, the smaller cy).
    const heights = await chart
      .locator('circle')
      .evaluateAll((circles) => circles.map((circle) => Number(circle.getAttribute('cy'))));
    expect(heights[0]).toBeGreaterThan(heights[points - 1]);
    expect(new Set(heights).size).toBe(6);
    // The stylesheet applied (no inline style exists to do it).
    expect(
      await chart.evaluate(
        (svg) =>
          (
            globalThis as unknown as { getComputedStyle(element: unknown): { display: string } }
          ).getComputedStyle(svg).display,
      ),
    ).toBe('block');
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__ran)).toBeUndefined();
    expect(await page.locator('script').count()).toBe(0);
    await screenshot(page, 'seller-console-home');

    // The other currency, through the switcher.
    await page.getByTestId('currencies').getByRole('link', { name: 'USD' }).click();
    await page.waitForURL(`${publicUrl}/seller?currency=USD`);
    expect(await page.getByTestId('available').textContent()).toBe('$48.99');
    expect(await page.getByTestId('balance-chart').locator('circle').count()).toBe(points);
    await screenshot(page, 'seller-console-usd');
  });

  it('downloads a statement whose CSV adds up to the balance', async () => {
    await page.goto(`${publicUrl}/seller?currency=CNY`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('statement-download').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^statement-CNY-\d{4}-\d{2}-\d{2}-.+\.csv$/);
    const csv = await readFile((await download.path())!, 'utf8');
    const [header, ...rows] = csv.trim().split('\n');
    const columns = header.split(',');
    expect(columns).toEqual([
      'created_at',
      'type',
      'order_id',
      'payout_id',
      'amount',
      'currency',
      'balance_after',
    ]);
    const amountAt = columns.indexOf('amount');
    const sum = rows.reduce((total, row) => total + Number(row.split(',')[amountAt]), 0);
    const balance = await apiBalance();
    // Everything happened inside the 30 days, so the statement opens at zero.
    expect(sum).toBe(balance.incoming + balance.available - balance.owed);
    expect(sum).toBe(132_950);
    expect(Number(rows[rows.length - 1].split(',')[columns.indexOf('balance_after')])).toBe(sum);
    await screenshot(page, 'seller-console-statement');
  });

  it('opens nothing with the same link again in another browser, or with a buyer’s link', async () => {
    const other = await browser.newContext({ viewport: { width: 900, height: 600 } });
    try {
      const replay = await other.newPage();
      await replay.goto(link);
      await replay.waitForURL(`${publicUrl}/seller/expired`);
      expect(await replay.getByTestId('status').textContent()).toBe('This link has expired');
      expect(await replay.locator('form, input').count()).toBe(0);
      await screenshot(replay, 'seller-console-expired');

      const buyer = await other.newPage();
      const response = await buyer.goto(await mintLink('buyer', 'buyer_browser'));
      expect(response!.status()).toBe(403);
      expect(await buyer.getByTestId('status').textContent()).toBe(
        'This link does not open the seller console',
      );
      expect((await other.cookies()).map((cookie) => cookie.name)).not.toContain('danbao_seller');
      await screenshot(buyer, 'seller-console-buyer-refused');
    } finally {
      await other.close();
    }
  });
});
