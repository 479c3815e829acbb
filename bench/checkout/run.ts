/**
 * Paid orders per second through the HTTP API against a raw mysql2 baseline doing the same writes,
 * in the same run (PERFORMANCE.md: runs differ by 5-35 %, so only ratios within one run mean
 * anything).
 *
 *   npm run bench:checkout        (DATABASE_URL, REDIS_URL as elsewhere; BENCH_SECONDS per side per
 *                                  cell, default 3; BENCH_CONCURRENCY, default 8,32,64;
 *                                  BENCH_CPU_PROFILE=<dir> for a CPU profile of the api)
 *
 * The api runs as a real process (built, as `npm start` runs it) on a bench database and
 * queue prefix of its own, with LOG_LEVEL=warn (no line per request); no worker runs. Two
 * workloads, each at 8, 32 and 64 connections:
 *
 * - pipeline: what one paid order takes end to end. POST /v1/orders with the API key; GET the
 *   hosted page (CSRF cookie and token, as a buyer's browser); POST the card form (303 to the
 *   result page); POST the channel's signed `payment.succeeded` notification, which pays the order
 *   (hold, ledger, outbox). The card is the sandbox's silent one (4000 0000 0000 0341), so the
 *   bench's own notification is the only one, as a real acquirer's would be.
 * - create+notify: the issue's "create order + signed notification": one POST /v1/orders and one
 *   notification that pays an order whose card was submitted before the cell (prepared untimed by
 *   SQL with the rows the form would have written). Each unit creates one order and pays one.
 *
 * The raw side sends the same INSERTs and UPDATEs through a mysql2 pool of the api's size (20),
 * one transaction per api transaction: create (order, session, session_order), submit (payment,
 * orders update; then the sandbox charge row), notify (notification row, payment update, session
 * update, hold, ledger transaction, entries and balance upserts, orders update, outbox row,
 * notification outcome). It leaves out what is not a write: the reads and row locks the api takes
 * first, the page render, the HMAC, JSON and HTTP, and the BullMQ expiry job the api adds to Redis
 * per order. So the ratio is the price of the whole HTTP stack over the bare writes.
 *
 * The two sides alternate in slices (http, raw, raw, http) so that whatever else the shared machine
 * does weighs on both alike. CPU per paid order is read from /proc for the api process, the whole
 * mariadbd (so anything else using the server counts too) and this process (the load generator on
 * the http side, the mysql2 client on the raw side); together they show where the two cores went.
 */
import 'reflect-metadata';
import { randomBytes, randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { createPool, Pool, PoolConnection } from 'mysql2/promise';
import { signPayload } from '@danbao/channels';
import {
  dropDatabase,
  migrateDatabase,
  newId,
  newSecretToken,
  parseDatabaseUrl,
  withDatabase,
} from '@danbao/platform';
import { allMigrations } from '@danbao/schema';
import { deleteQueueKeys, RunningProcess, startBuilt } from '@danbao/testing';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const SLICES = 4;
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '8,32,64').split(',').map(Number);
const API_POOL_SIZE = 20;
const SILENT_CARD = '4000000000000341';
const SECRET = `bench_sandbox_${randomBytes(12).toString('hex')}`;
const API_KEY = `sk_bench_${randomBytes(18).toString('hex')}`;
const CURRENCY = 'CNY';
const HOT_ACCOUNT_BUCKETS = 16;
const FEE_BPS = 200;
const MAX_HOLD_MS = 90 * 24 * 3600 * 1000;

type Side = 'http' | 'raw';
type Workload = 'pipeline' | 'create+notify';
/** One unit of work: resolves with the step durations (ms) when one order has been paid. */
type Unit = () => Promise<number[]>;

interface Prepared {
  orderId: string;
  paymentId: string;
  sessionId: string;
  sellerId: string;
  amount: number;
}

// ---------------------------------------------------------------------------------------------
// HTTP client: node:http with keep-alive, at most one socket per concurrent loop.

interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

class HttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: Math.max(...CONCURRENCIES) });

  constructor(private readonly port: number) {}

  send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function expectStatus(step: string, answer: HttpAnswer, status: number): void {
  if (answer.status !== status) {
    throw new Error(`${step} answered ${answer.status}, not ${status}: ${answer.text.slice(0, 200)}`);
  }
}

function orderBody(): { body: string; amount: number } {
  const amount = 100 + randomInt(100_000);
  const body = JSON.stringify({
    buyer_id: `buyer_${randomInt(100_000)}`,
    seller_id: `seller_${randomInt(1_000)}`,
    amount,
    currency: CURRENCY,
    description: 'Yixing clay teapot, 200 ml',
    return_url: 'https://shop.example/orders/42/done',
  });
  return { body, amount };
}

function notificationBody(paymentId: string, amount: number): string {
  const id = newId('ntf');
  return JSON.stringify({
    id,
    type: 'payment.succeeded',
    created: Math.floor(Date.now() / 1000),
    data: { reference: paymentId, amount, currency: CURRENCY, channel_reference: `ch_${id}` },
  });
}

class HttpSide {
  constructor(private readonly http: HttpClient) {}

  private async createOrder(): Promise<{ checkoutPath: string; amount: number }> {
    const { body, amount } = orderBody();
    const answer = await this.http.send(
      'POST',
      '/v1/orders',
      { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body,
    );
    expectStatus('POST /v1/orders', answer, 201);
    const order = JSON.parse(answer.text) as { checkout_url: string };
    return { checkoutPath: new URL(order.checkout_url).pathname, amount };
  }

  private async notify(paymentId: string, amount: number): Promise<void> {
    const body = notificationBody(paymentId, amount);
    const answer = await this.http.send(
      'POST',
      '/v1/channels/sandbox/notifications',
      { 'content-type': 'application/json', 'danbao-signature': signPayload(SECRET, body) },
      body,
    );
    expectStatus('POST notification', answer, 200);
    const outcome = (JSON.parse(answer.text) as { outcome?: string }).outcome;
    if (outcome !== 'applied') throw new Error(`notification ${outcome}, not applied: ${answer.text}`);
  }

  /** create → hosted page → card form → notification: the four requests that pay one order. */
  pipeline: Unit = async () => {
    const t0 = performance.now();
    const { checkoutPath, amount } = await this.createOrder();
    const t1 = performance.now();
    // A new buyer's browser: no cookie yet, so the page sets the CSRF secret.
    const page = await this.http.send('GET', checkoutPath, { accept: 'text/html' });
    expectStatus('GET checkout page', page, 200);
    const cookie = String(page.headers['set-cookie']?.[0] ?? '').split(';')[0];
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    if (!cookie || !token) throw new Error('the checkout page had no CSRF cookie or token');
    const t2 = performance.now();
    const form = new URLSearchParams({
      _csrf: token,
      card_number: SILENT_CARD,
      expiry: '12/34',
      cvc: '123',
    }).toString();
    const submitted = await this.http.send(
      'POST',
      checkoutPath,
      { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      form,
    );
    expectStatus('POST checkout form', submitted, 303);
    const paymentId = /payments\/(pay_[0-9a-z]+)/.exec(String(submitted.headers.location))?.[1];
    if (!paymentId) throw new Error(`no payment in ${String(submitted.headers.location)}`);
    const t3 = performance.now();
    await this.notify(paymentId, amount);
    const t4 = performance.now();
    return [t4 - t0, t1 - t0, t2 - t1, t3 - t2, t4 - t3];
  };

  createAndNotify(prepared: Prepared[]): Unit {
    return async () => {
      const payable = prepared.pop();
      if (!payable) throw new PoolEmpty();
      const t0 = performance.now();
      await this.createOrder();
      const t1 = performance.now();
      await this.notify(payable.paymentId, payable.amount);
      const t2 = performance.now();
      return [t2 - t0, t1 - t0, t2 - t1];
    };
  }
}

class PoolEmpty extends Error {}

// ---------------------------------------------------------------------------------------------
// The raw baseline: the same writes by hand.

async function inTransaction(pool: Pool, work: (connection: PoolConnection) => Promise<void>): Promise<void> {
  const connection = await pool.getConnection();
  try {
    await connection.query('START TRANSACTION');
    await work(connection);
    await connection.query('COMMIT');
  } catch (error) {
    await connection.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    connection.release();
  }
}

function affectedOne(result: unknown, what: string): void {
  if ((result as { affectedRows?: number }).affectedRows !== 1) throw new Error(`${what}: no row changed`);
}

class RawSide {
  constructor(private readonly pool: Pool) {}

  /** The create transaction: order, session, session_order. */
  private async create(): Promise<Prepared> {
    const now = new Date();
    const orderId = newId('ord');
    const sessionId = newSecretToken('cs');
    const sellerId = `seller_${randomInt(1_000)}`;
    const buyerId = `buyer_${randomInt(100_000)}`;
    const amount = 100 + randomInt(100_000);
    await inTransaction(this.pool, async (connection) => {
      await connection.query(
        `INSERT INTO orders (id, buyer_id, seller_id, amount, currency, description, fee_bps, auto_confirm_days, return_url,
           metadata, status, checkout_session_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'awaiting_payment', ?, ?, ?)`,
        [
          orderId,
          buyerId,
          sellerId,
          amount,
          CURRENCY,
          'Yixing clay teapot, 200 ml',
          FEE_BPS,
          null,
          'https://shop.example/orders/42/done',
          null,
          sessionId,
          now,
          now,
        ],
      );
      await connection.query(
        `INSERT INTO checkout_sessions (id, kind, buyer_id, amount, currency, status, return_url, expires_at, created_at)
         VALUES (?, 'order', ?, ?, ?, 'open', ?, ?, ?)`,
        [
          sessionId,
          buyerId,
          amount,
          CURRENCY,
          'https://shop.example/orders/42/done',
          new Date(now.getTime() + 30 * 60_000),
          now,
        ],
      );
      await connection.query(
        'INSERT INTO checkout_session_orders (session_id, order_id, position) VALUES (?, ?, 0)',
        [sessionId, orderId],
      );
    });
    return { orderId, paymentId: '', sessionId, sellerId, amount };
  }

  /** The submit transaction: a processing payment, the order pointing at it; then the charge row. */
  private async submit(order: Prepared): Promise<Prepared> {
    const now = new Date();
    const paymentId = newId('pay');
    await inTransaction(this.pool, async (connection) => {
      await connection.query(
        `INSERT INTO payments (id, session_id, channel, amount, currency, status, card_brand, card_last4, created_at, updated_at)
         VALUES (?, ?, 'sandbox', ?, ?, 'processing', 'visa', ?, ?, ?)`,
        [paymentId, order.sessionId, order.amount, CURRENCY, SILENT_CARD.slice(-4), now, now],
      );
      const [updated] = await connection.query(
        `UPDATE orders SET pending_payment_id = ?, latest_payment_id = ?, latest_payment_status = 'processing',
           latest_payment_card_brand = 'visa', latest_payment_card_last4 = ?, updated_at = ?
         WHERE id = ? AND status = 'awaiting_payment' AND pending_payment_id IS NULL`,
        [paymentId, paymentId, SILENT_CARD.slice(-4), now, order.orderId],
      );
      affectedOne(updated, 'submit');
    });
    await this.pool.query(
      `INSERT INTO sandbox_charges (id, kind, reference, amount, currency, card_last4, result, failure_code, created_at)
       VALUES (?, 'payment', ?, ?, ?, ?, 'succeeded', NULL, ?)`,
      [newId('ch'), paymentId, order.amount, CURRENCY, SILENT_CARD.slice(-4), now],
    );
    return { ...order, paymentId };
  }

  /** The notification transaction: everything that pays the order, guarded as the api guards it. */
  private async notify(order: Prepared): Promise<void> {
    const now = new Date();
    const notificationId = newId('ntf');
    const body = notificationBody(order.paymentId, order.amount);
    const transactionId = newId('ltx', now.getTime());
    await inTransaction(this.pool, async (connection) => {
      await connection.query(
        `INSERT INTO channel_notifications (channel, notification_id, type, reference, body, outcome, received_at)
         VALUES ('sandbox', ?, 'payment.succeeded', ?, ?, 'received', ?)`,
        [notificationId, order.paymentId, body, now],
      );
      const [payment] = await connection.query(
        `UPDATE payments SET status = 'succeeded', channel_reference = ?, updated_at = ?
         WHERE id = ? AND status = 'processing'`,
        [`ch_${notificationId}`, now, order.paymentId],
      );
      affectedOne(payment, 'payment');
      await connection.query(
        `UPDATE checkout_sessions SET status = 'paid', payment_id = ?, paid_at = ? WHERE id = ? AND status = 'open'`,
        [order.paymentId, now, order.sessionId],
      );
      await connection.query(
        `INSERT INTO holds (id, order_id, seller_id, amount, currency, fee_bps, status, payment_id, channel, expires_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'held', ?, 'sandbox', ?, ?, ?)`,
        [
          newId('hold'),
          order.orderId,
          order.sellerId,
          order.amount,
          CURRENCY,
          FEE_BPS,
          order.paymentId,
          new Date(now.getTime() + MAX_HOLD_MS),
          now,
          now,
        ],
      );
      await connection.query(
        `INSERT INTO ledger_transactions (id, reference, kind, order_id, metadata, created_at) VALUES (?, ?, 'payment', ?, ?, ?)`,
        [
          transactionId,
          `payment:${order.paymentId}`,
          order.orderId,
          JSON.stringify({ payment_id: order.paymentId, orders: 1 }),
          now,
        ],
      );
      const bucket = randomInt(HOT_ACCOUNT_BUCKETS);
      const escrow = `escrow:${order.orderId}`;
      await connection.query(
        `INSERT INTO ledger_entries (id, transaction_id, account_code, currency, bucket, amount, created_at)
         VALUES (?, ?, 'channel:sandbox', ?, ?, ?, ?), (?, ?, ?, ?, 0, ?, ?)`,
        [
          ...[newId('len', now.getTime()), transactionId, CURRENCY, bucket, -order.amount, now],
          ...[newId('len', now.getTime()), transactionId, escrow, CURRENCY, order.amount, now],
        ],
      );
      // The escrow row first, the hot channel bucket last, as the ledger orders its locks.
      await connection.query(
        `INSERT INTO ledger_balances (account_code, currency, bucket, balance, version, updated_at)
         VALUES (?, ?, 0, ?, 1, ?), ('channel:sandbox', ?, ?, ?, 1, ?)
         ON DUPLICATE KEY UPDATE balance = balance + VALUES(balance), version = version + 1,
           updated_at = VALUES(updated_at)`,
        [escrow, CURRENCY, order.amount, now, CURRENCY, bucket, -order.amount, now],
      );
      const [paid] = await connection.query(
        `UPDATE orders SET status = 'paid', paid_at = ?, pending_payment_id = NULL,
           latest_payment_status = 'succeeded', latest_payment_failure_code = NULL, updated_at = ?
         WHERE id = ? AND status IN ('awaiting_payment')`,
        [now, now, order.orderId],
      );
      affectedOne(paid, 'order');
      const eventId = newId('evt');
      await connection.query(
        'INSERT INTO outbox_events (id, type, object_id, payload, created_at) VALUES (?, ?, ?, ?, ?)',
        [eventId, 'order.paid', order.orderId, outboxPayload(eventId, order, now), now],
      );
      await connection.query(
        `UPDATE channel_notifications SET outcome = 'applied', review_reason = NULL
         WHERE channel = 'sandbox' AND notification_id = ?`,
        [notificationId],
      );
    });
  }

  pipeline: Unit = async () => {
    const t0 = performance.now();
    const created = await this.create();
    const t1 = performance.now();
    const submitted = await this.submit(created);
    const t2 = performance.now();
    await this.notify(submitted);
    const t3 = performance.now();
    return [t3 - t0, t1 - t0, 0, t2 - t1, t3 - t2];
  };

  createAndNotify(prepared: Prepared[]): Unit {
    return async () => {
      const payable = prepared.pop();
      if (!payable) throw new PoolEmpty();
      const t0 = performance.now();
      await this.create();
      const t1 = performance.now();
      await this.notify(payable);
      const t2 = performance.now();
      return [t2 - t0, t1 - t0, t2 - t1];
    };
  }

  /**
   * Orders whose card was submitted (order, session, session_order, processing payment, the order
   * pointing at it): what the create and submit transactions leave, written in batches, untimed.
   */
  async prepare(count: number): Promise<Prepared[]> {
    const prepared: Prepared[] = [];
    const batch = 500;
    for (let start = 0; start < count; start += batch) {
      const now = new Date();
      const rows = Array.from({ length: Math.min(batch, count - start) }, () => ({
        orderId: newId('ord'),
        paymentId: newId('pay'),
        sessionId: newSecretToken('cs'),
        sellerId: `seller_${randomInt(1_000)}`,
        buyerId: `buyer_${randomInt(100_000)}`,
        amount: 100 + randomInt(100_000),
      }));
      const marks = (columns: number) =>
        rows.map(() => `(${Array(columns).fill('?').join(', ')})`).join(', ');
      await inTransaction(this.pool, async (connection) => {
        await connection.query(
          `INSERT INTO orders (id, buyer_id, seller_id, amount, currency, description, fee_bps, status,
             checkout_session_id, latest_payment_id, pending_payment_id, created_at, updated_at) VALUES ${marks(13)}`,
          rows.flatMap((row) => [
            row.orderId,
            row.buyerId,
            row.sellerId,
            row.amount,
            CURRENCY,
            'Yixing clay teapot, 200 ml',
            FEE_BPS,
            'awaiting_payment',
            row.sessionId,
            row.paymentId,
            row.paymentId,
            now,
            now,
          ]),
        );
        await connection.query(
          `INSERT INTO checkout_sessions (id, kind, buyer_id, amount, currency, status, expires_at, created_at) VALUES ${marks(8)}`,
          rows.flatMap((row) => [
            row.sessionId,
            'order',
            row.buyerId,
            row.amount,
            CURRENCY,
            'open',
            new Date(now.getTime() + 3600_000),
            now,
          ]),
        );
        await connection.query(
          `INSERT INTO checkout_session_orders (session_id, order_id, position) VALUES ${marks(3)}`,
          rows.flatMap((row) => [row.sessionId, row.orderId, 0]),
        );
        await connection.query(
          `INSERT INTO payments (id, session_id, channel, amount, currency, status, card_brand, card_last4, created_at, updated_at)
           VALUES ${marks(10)}`,
          rows.flatMap((row) => [
            row.paymentId,
            row.sessionId,
            'sandbox',
            row.amount,
            CURRENCY,
            'processing',
            'visa',
            '0341',
            now,
            now,
          ]),
        );
      });
      prepared.push(...rows);
    }
    return prepared;
  }
}

/** An order.paid event of the size the api records (the order resource with payment and hold). */
function outboxPayload(eventId: string, order: Prepared, now: Date): string {
  return JSON.stringify({
    id: eventId,
    type: 'order.paid',
    created_at: now.toISOString(),
    data: {
      object: {
        id: order.orderId,
        object: 'order',
        status: 'paid',
        seller_id: order.sellerId,
        amount: order.amount,
        currency: CURRENCY,
        description: 'Yixing clay teapot, 200 ml',
        fee_bps: FEE_BPS,
        checkout_url: `https://pay.example/checkout/${order.sessionId}`,
        return_url: 'https://shop.example/orders/42/done',
        metadata: null,
        latest_payment: { id: order.paymentId, status: 'succeeded', card_brand: 'visa', card_last4: '0341' },
        hold: { amount: order.amount, released: 0, refunded: 0, status: 'held' },
        paid_at: now.toISOString(),
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      },
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Measuring.

interface Measurement {
  orders: number;
  seconds: number;
  errors: number;
  /** Per unit: [total, ...steps] in ms. */
  samples: number[][];
  ranDry: boolean;
  apiCpuMs: number;
  dbCpuMs: number;
  /** This process: the HTTP client, or the mysql2 client of the raw side. */
  clientCpuMs: number;
  /** Statements the server received (its Questions counter, anyone's). */
  statements: number;
}

const newMeasurement = (): Measurement => ({
  orders: 0,
  seconds: 0,
  errors: 0,
  samples: [],
  ranDry: false,
  apiCpuMs: 0,
  dbCpuMs: 0,
  clientCpuMs: 0,
  statements: 0,
});

const firstErrors = new Set<string>();

/** CPU time (user + system) a process has used, in ms; 0 when it cannot be read. */
function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

function rssMb(pid: number | 'self'): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function findPid(name: string): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) return Number(entry);
      } catch {
        // The process ended while we looked.
      }
    }
  } catch {
    // No /proc: CPU figures stay 0.
  }
  return undefined;
}

const processes = { api: undefined as number | undefined, db: undefined as number | undefined };
let statusPool: Pool | undefined;

/** The server's count of statements received so far (all clients; the probe itself adds one). */
async function questions(): Promise<number> {
  if (!statusPool) return 0;
  const [rows] = (await statusPool.query("SHOW GLOBAL STATUS LIKE 'Questions'")) as unknown as [
    { Value: string }[],
  ];
  return Number(rows[0]?.Value ?? 0);
}

/** Runs `unit` from `concurrency` loops for `seconds`, adding what it did to `into`. */
async function measure(unit: Unit, concurrency: number, seconds: number, into: Measurement): Promise<void> {
  const started = performance.now();
  const apiCpu = cpuMs(processes.api);
  const dbCpu = cpuMs(processes.db);
  const clientCpu = process.cpuUsage();
  const statementsBefore = await questions();
  const endMs = Date.now() + seconds * 1000;
  let dry = false;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < endMs && !dry) {
        try {
          into.samples.push(await unit());
          into.orders += 1;
        } catch (error) {
          if (error instanceof PoolEmpty) {
            dry = true;
            into.ranDry = true;
            return;
          }
          into.errors += 1;
          const message = error instanceof Error ? error.message : String(error);
          if (firstErrors.size < 5 && !firstErrors.has(message)) {
            firstErrors.add(message);
            console.error(`error: ${message}`);
          }
        }
      }
    }),
  );
  into.seconds += (performance.now() - started) / 1000;
  into.statements += (await questions()) - statementsBefore - 1;
  into.apiCpuMs += cpuMs(processes.api) - apiCpu;
  into.dbCpuMs += cpuMs(processes.db) - dbCpu;
  const client = process.cpuUsage(clientCpu);
  into.clientCpuMs += (client.user + client.system) / 1000;
}

async function compare(http: Unit, raw: Unit, concurrency: number): Promise<Record<Side, Measurement>> {
  const cell = { http: newMeasurement(), raw: newMeasurement() };
  for (let slice = 0; slice < SLICES; slice += 1) {
    const order: Side[] = slice % 2 === 0 ? ['http', 'raw'] : ['raw', 'http'];
    for (const side of order) {
      await measure(side === 'http' ? http : raw, concurrency, SECONDS / SLICES, cell[side]);
    }
  }
  return cell;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const rate = (measurement: Measurement) => measurement.orders / measurement.seconds;
const pad = (text: string | number, width: number) => String(text).padStart(width);
const ms = (value: number) => (Number.isNaN(value) ? '-' : value < 10 ? value.toFixed(1) : value.toFixed(0));

// ---------------------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

async function stop(api: RunningProcess): Promise<void> {
  api.kill('SIGTERM');
  const timer = setTimeout(() => api.kill('SIGKILL'), 10_000);
  await api.exited;
  clearTimeout(timer);
}

async function main(): Promise<void> {
  const baseUrl = process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/danbao';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const suffix = randomBytes(4).toString('hex');
  const databaseUrl = withDatabase(baseUrl, `danbao_bench_${suffix}`);
  const queuePrefix = `danbao_bench_${suffix}`;
  const runStarted = Date.now();
  await migrateDatabase(databaseUrl, allMigrations);

  const port = await freePort();
  const apiEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: queuePrefix,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SANDBOX_CHANNEL: 'on',
    SANDBOX_CHANNEL_SECRET: SECRET,
    DANBAO_SECRET_KEY: randomBytes(32).toString('hex'),
    DANBAO_BOOTSTRAP_API_KEY: API_KEY,
    LOG_LEVEL: 'warn',
  };
  // BENCH_CPU_PROFILE=<dir> writes a V8 CPU profile of the api there (open it in Chrome DevTools).
  const profileDir = process.env.BENCH_CPU_PROFILE;
  // BENCH_API_NODE_ARGS: extra node flags for the api (e.g. GC settings), split on spaces.
  const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
  if (profileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  const api = startBuilt('api', apiEnv, nodeArgs);
  const target = parseDatabaseUrl(databaseUrl);
  const pool = createPool({
    ...target,
    connectionLimit: API_POOL_SIZE,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  statusPool = createPool({ ...target, connectionLimit: 1 });
  const client = new HttpClient(port);
  let apiRssPeakMb = 0;
  let benchRssPeakMb = 0;
  const sampler = setInterval(() => {
    if (processes.api) apiRssPeakMb = Math.max(apiRssPeakMb, rssMb(processes.api));
    benchRssPeakMb = Math.max(benchRssPeakMb, rssMb('self'));
  }, 200);

  try {
    await api.waitForOutput(/Danbao api listening on/, 60_000);
    processes.api = api.child.pid;
    processes.db = findPid('mariadbd') ?? findPid('mysqld');
    const apiRssIdleMb = rssMb(processes.api!);
    const http = new HttpSide(client);
    const raw = new RawSide(pool);
    console.log(
      `Checkout bench: ${SECONDS}s per side per cell in ${SLICES} alternating slices; api pid ${processes.api} ` +
        `(LOG_LEVEL=warn, TypeORM pool ${API_POOL_SIZE}), raw mysql2 pool ${API_POOL_SIZE}; database ${target.database}`,
    );

    // Warm up both paths (connections, JIT, buffer pool) before measuring.
    await compare(http.pipeline, raw.pipeline, 8);

    const results: { workload: Workload; concurrency: number; cell: Record<Side, Measurement> }[] = [];
    for (const concurrency of CONCURRENCIES) {
      const pipeline = await compare(http.pipeline, raw.pipeline, concurrency);
      results.push({ workload: 'pipeline', concurrency, cell: pipeline });
      // Enough prepared payments for create+notify at several times the pipeline's rate.
      const httpPrepared = await raw.prepare(Math.ceil(rate(pipeline.http) * 4 * SECONDS) + 200);
      const rawPrepared = await raw.prepare(Math.ceil(rate(pipeline.raw) * 3 * SECONDS) + 200);
      const createNotify = await compare(
        http.createAndNotify(httpPrepared),
        raw.createAndNotify(rawPrepared),
        concurrency,
      );
      results.push({ workload: 'create+notify', concurrency, cell: createNotify });
    }

    console.log('');
    console.log(
      'workload       conc  http orders/s  p50 ms  p99 ms  raw orders/s  p50 ms  p99 ms  http/raw  errors (http/raw)',
    );
    for (const { workload, concurrency, cell } of results) {
      const totals = (side: Side) => cell[side].samples.map((sample) => sample[0]);
      console.log(
        `${workload.padEnd(13)}  ${pad(concurrency, 4)}  ${pad(rate(cell.http).toFixed(0), 13)}  ${pad(ms(percentile(totals('http'), 50)), 6)}  ${pad(ms(percentile(totals('http'), 99)), 6)}` +
          `  ${pad(rate(cell.raw).toFixed(0), 12)}  ${pad(ms(percentile(totals('raw'), 50)), 6)}  ${pad(ms(percentile(totals('raw'), 99)), 6)}` +
          `  ${pad(`${((100 * rate(cell.http)) / rate(cell.raw)).toFixed(0)}%`, 8)}  ${pad(`${cell.http.errors}/${cell.raw.errors}`, 16)}` +
          `${cell.http.ranDry || cell.raw.ranDry ? '  (prepared payments ran out early)' : ''}`,
      );
    }

    console.log('');
    console.log('CPU ms per paid order (both cores are shared by all of these):');
    console.log(
      'workload       conc  http: api + db + client = total   raw: db + client = total   statements http / raw',
    );
    for (const { workload, concurrency, cell } of results) {
      const per = (cpu: number, side: Side) => (cell[side].orders ? cpu / cell[side].orders : NaN);
      const http = [cell.http.apiCpuMs, cell.http.dbCpuMs, cell.http.clientCpuMs].map((cpu) =>
        per(cpu, 'http'),
      );
      const raw = [cell.raw.dbCpuMs, cell.raw.clientCpuMs].map((cpu) => per(cpu, 'raw'));
      const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
      console.log(
        `${workload.padEnd(13)}  ${pad(concurrency, 4)}  ${pad(ms(http[0]), 9)} + ${pad(ms(http[1]), 3)} + ${pad(ms(http[2]), 6)} = ${pad(ms(sum(http)), 5)}` +
          `   ${pad(ms(raw[0]), 7)} + ${pad(ms(raw[1]), 6)} = ${pad(ms(sum(raw)), 5)}` +
          `   ${pad(per(cell.http.statements, 'http').toFixed(1), 15)} / ${per(cell.raw.statements, 'raw').toFixed(1)}`,
      );
    }

    console.log('');
    console.log('http steps, p50 / p99 ms:');
    for (const { workload, concurrency, cell } of results) {
      const names = workload === 'pipeline' ? ['create', 'page', 'form', 'notify'] : ['create', 'notify'];
      const steps = names.map((name, index) => {
        const values = cell.http.samples.map((sample) => sample[index + 1]);
        return `${name} ${ms(percentile(values, 50))} / ${ms(percentile(values, 99))}`;
      });
      console.log(`  ${workload.padEnd(13)} c=${pad(concurrency, 2)}  ${steps.join('   ')}`);
    }

    const [[counts]] = (await pool.query(
      `SELECT (SELECT COUNT(*) FROM orders WHERE status = 'paid') AS paid,
              (SELECT COUNT(*) FROM holds) AS holds,
              (SELECT COALESCE(SUM(balance), 0) FROM ledger_balances) AS net,
              (SELECT COUNT(*) FROM channel_notifications WHERE outcome <> 'applied') AS not_applied`,
    )) as unknown as [{ paid: string; holds: string; net: string; not_applied: string }[]];
    const counted = results.reduce((sum, { cell }) => sum + cell.http.orders + cell.raw.orders, 0);
    console.log('');
    console.log(
      `paid orders in the database: ${counted} measured (+ the warm-up), ${counts.paid} paid, ${counts.holds} holds; ` +
        `ledger balances sum to ${counts.net}; notifications not applied: ${counts.not_applied}`,
    );
    console.log(
      `RSS: api idle ${apiRssIdleMb.toFixed(0)} MB, peak ${apiRssPeakMb.toFixed(0)} MB; bench process peak ${benchRssPeakMb.toFixed(0)} MB; ` +
        `run took ${((Date.now() - runStarted) / 1000).toFixed(0)} s`,
    );
  } finally {
    clearInterval(sampler);
    client.close();
    await stop(api);
    await pool.end();
    await statusPool.end();
    await deleteQueueKeys(redisUrl, queuePrefix);
    await dropDatabase(databaseUrl);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
