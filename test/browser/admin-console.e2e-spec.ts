// Proves the admin console works for an admin in a real browser (issue 12): sign in, find an
// escalated dispute in the queue, open it, resolve it with a partial refund and see the split in its
// timeline; rule above ADMIN_APPROVAL_THRESHOLD on another and be refused approving one's own ruling
// (a second admin must); a buyer's message with markup is shown as text and runs nothing.
// Real: Chromium (playwright-core), the api and the worker as separate processes from source,
// MariaDB, Redis, the sandbox channel. The data is made through the HTTP API as a marketplace, its
// buyer and its seller would: order, card payment on the hosted page, shipment, dispute, rejection,
// escalation.
import { BrowserContext, Page } from 'playwright-core';
import { waitFor } from '@danbao/testing';
import { BrowserStack, screenshot, startBrowserStack } from '../support/browser';

const API_KEY = `sk_console_${Date.now()}_0123456789abcdef`;
const ADMIN = { email: 'arbiter@example.com', password: 'arbiter password 1' };
/** Rulings refunding more than CNY 50.00 wait for a second admin. */
const THRESHOLD = 5_000;
const BUYER_MESSAGE =
  'It arrived cracked <script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

interface PageGlobals {
  __pwned?: number;
}

type Json = Record<string, any>;

describe('admin console in a browser', () => {
  let stack: BrowserStack;
  let context: BrowserContext;
  let publicUrl: string;

  beforeAll(async () => {
    stack = await startBrowserStack(
      {
        DANBAO_BOOTSTRAP_API_KEY: API_KEY,
        DANBAO_BOOTSTRAP_ADMIN: `${ADMIN.email}:${ADMIN.password}`,
        ADMIN_APPROVAL_THRESHOLD: String(THRESHOLD),
      },
      { width: 1280, height: 900 },
    );
    ({ context, publicUrl } = stack);
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  }, 30_000);

  async function call(method: string, path: string, auth: string, body?: unknown): Promise<Json> {
    const response = await fetch(`${publicUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${auth}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = (await response.json()) as Json;
    if (!response.ok)
      throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(payload)}`);
    return payload;
  }

  const tokenFor = async (role: 'buyer' | 'seller', subjectId: string): Promise<string> =>
    (await call('POST', '/v1/auth/tokens', API_KEY, { role, subject_id: subjectId })).token;

  /** Pays an order on its hosted page as the buyer's browser would (the CSRF cookie and token, then the card). */
  async function pay(order: Json): Promise<void> {
    const page = await fetch(order.checkout_url);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
    const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const submitted = await fetch(order.checkout_url, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: token,
        card_number: '4242 4242 4242 4242',
        expiry: '12/34',
        cvc: '123',
      }),
    });
    expect(submitted.status).toBe(303);
    // The sandbox's signed notification comes back through the worker.
    await waitFor(
      () => call('GET', `/v1/orders/${order.id}`, API_KEY),
      (current) => current.status === 'paid',
      20_000,
    );
  }

  /** An order paid, shipped, disputed by its buyer, rejected by its seller and escalated: the admins' to rule on. */
  async function escalatedDispute(
    suffix: string,
    amount: number,
    refundAsked: number,
  ): Promise<{ order: Json; dispute: Json }> {
    const order = await call('POST', '/v1/orders', API_KEY, {
      buyer_id: `buyer_${suffix}`,
      seller_id: `seller_${suffix}`,
      amount,
      currency: 'CNY',
      description: `Celadon vase <b>${suffix}</b>`,
    });
    await pay(order);
    const seller = await tokenFor('seller', order.seller_id);
    const buyer = await tokenFor('buyer', order.buyer_id);
    await call('POST', `/v1/orders/${order.id}/shipments`, seller, {
      method: 'express',
      carrier: 'SF Express',
      tracking_number: `SF${Date.now()}`,
    });
    const opened = await call('POST', `/v1/orders/${order.id}/disputes`, buyer, {
      reason: 'damaged',
      refund_amount: refundAsked,
      message: BUYER_MESSAGE,
    });
    await call('POST', `/v1/disputes/${opened.id}/reject`, seller, { message: 'It left our shop intact.' });
    const dispute = await call('POST', `/v1/disputes/${opened.id}/escalate`, buyer);
    expect(dispute.status).toBe('escalated');
    return { order, dispute };
  }

  let page: Page;
  let small: { order: Json; dispute: Json };
  let large: { order: Json; dispute: Json };

  it('signs in and shows the escalated disputes waiting', async () => {
    small = await escalatedDispute('small', 12_800, 6_000);
    large = await escalatedDispute('large', 20_000, 15_000);
    page = await context.newPage();

    // Without a session every page goes to sign-in.
    await page.goto(`${publicUrl}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByTestId('error').textContent()).toBe('The email or the password is wrong.');
    await screenshot(page, 'console-sign-in-refused');

    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${publicUrl}/admin`);
    const queue = page.getByTestId('escalated');
    expect(await queue.textContent()).toContain(small.dispute.id);
    expect(await queue.textContent()).toContain(large.dispute.id);
    expect(
      await page
        .getByRole('link', { name: /Queues/ })
        .first()
        .getAttribute('href'),
    ).toBe('/admin/queues');
    await screenshot(page, 'console-home');
  });

  it('resolves an escalated dispute with a partial refund and shows the split in the timeline', async () => {
    await page.getByRole('link', { name: small.dispute.id }).click();
    await page.waitForURL(`${publicUrl}/admin/disputes/${small.dispute.id}`);
    const money = await page.getByTestId('money').textContent();
    expect(money).toContain('¥128.00'); // held
    expect(money).toContain('¥60.00'); // asked
    // A partial refund of what was asked releases ¥68.00, with the fee (2%) on that part only.
    expect(money).toContain('¥68.00 to the seller, after a fee of ¥1.36 (¥66.64 net)');
    // The buyer's message is text, and nothing of it ran.
    expect(await page.getByTestId('timeline').innerText()).toContain(BUYER_MESSAGE);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__pwned)).toBeUndefined();
    expect(await page.locator('[data-testid="timeline"] script, [data-testid="timeline"] img').count()).toBe(
      0,
    );
    await screenshot(page, 'console-dispute-escalated');

    await page.getByLabel('Outcome').selectOption('partial_refund');
    await page.getByLabel(/Refund amount/).fill('4000');
    await page.getByLabel(/Note/).fill('Cracked in transit: 40 back to the buyer, the rest to the seller.');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.waitForURL(/\?done=resolved$/);
    expect(await page.getByTestId('dispute-status').textContent()).toBe('partially_refunded');
    const timeline = await page.getByTestId('timeline').innerText();
    expect(timeline).toContain('escalated → partially_refunded');
    expect(timeline).toContain(
      '¥40.00 back to the buyer; ¥88.00 released to the seller, fee ¥1.76, net ¥86.24',
    );
    expect(await page.getByTestId('resolve-form').count()).toBe(0);
    await screenshot(page, 'console-dispute-resolved');

    // The money moves in the worker: the order ends with the split.
    const order = await waitFor(
      () => call('GET', `/v1/orders/${small.order.id}`, API_KEY),
      (current) => current.hold?.status === 'partially_refunded',
      20_000,
    );
    expect(order.hold).toMatchObject({ amount: 12_800 });
  });

  it('records a ruling above the threshold for approval and refuses its own admin the approval', async () => {
    await page.goto(`${publicUrl}/admin/disputes/${large.dispute.id}`);
    await page.getByLabel('Outcome').selectOption('partial_refund');
    await page.getByLabel(/Refund amount/).fill('12000');
    await page.getByLabel(/Note/).fill('Mostly broken.');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.waitForURL(/\?done=awaiting_approval$/);
    expect(await page.getByTestId('dispute-status').textContent()).toBe('awaiting_approval');
    expect(await page.getByTestId('notice').textContent()).toContain('a second admin must approve it');
    expect(await page.getByTestId('ruling').textContent()).toContain('partial_refund, refund ¥120.00');
    expect(await page.getByTestId('timeline').innerText()).toContain('escalated → awaiting_approval');

    const [answer] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === 'POST'),
      page.getByRole('button', { name: 'Approve' }).click(),
    ]);
    expect(answer.status()).toBe(403);
    await page.waitForLoadState();
    expect(await page.getByTestId('error').textContent()).toBe(
      'You cannot approve your own ruling: a second admin must approve it.',
    );
    expect(await page.getByTestId('dispute-status').textContent()).toBe('awaiting_approval');
    await screenshot(page, 'console-approval-refused');

    // No money moved.
    const order = await call('GET', `/v1/orders/${large.order.id}`, API_KEY);
    expect(order.hold).toMatchObject({ status: 'frozen', refunded: 0 });
    await page.close();
  });
});
