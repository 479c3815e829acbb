/**
 * Releases per second: the worker's batched release against a raw mysql2 baseline of the same
 * release transaction done one hold at a time, in the same run (PERFORMANCE.md: runs differ by
 * 5-35 %, so only ratios within one run mean anything).
 *
 *   npm run bench:release      (DATABASE_URL, REDIS_URL as elsewhere; BENCH_CONCURRENCY, default
 *                               1,8,32,128 (128 is the worker's default); BENCH_ORDERS per side per cell, default 8000; BENCH_BACKLOG,
 *                               default 50000; RELEASE_BATCH_SIZE / RELEASE_BATCH_WAIT go to the worker)
 *
 * Per workload (spread: orders of 10,000 sellers; hot: every order of one seller) and per worker
 * concurrency c (PAYMENTS_CONCURRENCY of one worker process; a batch is at most half of it):
 *
 * - raw: c loops over a mysql2 pool (at most 64 connections), each running the release transaction for one hold at a time:
 *   lock the order and the hold, guard, release the hold, complete the order, the two outbox
 *   events, the ledger's journal row, its three entries, the guarded escrow debit, the seller and
 *   fee balance upsert; commit. The statements the service sends for one hold, by hand, in its order.
 * - drain: confirmed orders whose `release` jobs are queued while the payments queue is paused;
 *   the queue is resumed and the running worker releases them; the time runs from the resume to
 *   the last release's commit.
 *   The two sides alternate in slices (drain, raw, raw, drain, ...) against the same worker
 *   process, so that whatever else the shared machine does weighs on both alike; after each drain
 *   slice the bench waits, untimed, until the worker has delivered the slice's events.
 * - pipeline: shipped orders; the bench sends POST /v1/orders/:id/confirm_receipt for each (64
 *   keep-alive connections) to a real api process; "in" is confirm requests answered per second,
 *   "committed" is releases per second from the first request to the last release's commit.
 *
 * Then the time one worker with its default settings takes to drain a backlog of BENCH_BACKLOG
 * confirmed orders (spread), events delivered after.
 *
 * Then the webhook flood (BENCH_WEBHOOK_FLOOD, default 20000; 0 skips it): the drain of the spread
 * workload by one worker with its default PAYMENTS_CONCURRENCY (BENCH_FLOOD_CONCURRENCY to change),
 * without and with that many pending webhook deliveries to a slow receiver (a local HTTP server on
 * 127.0.0.1 answering 200 after BENCH_FLOOD_DELAY_MS, default 1000, each request). The flood is made
 * as production makes it: one endpoint subscribed to `order.shipped`, then that many `order.shipped`
 * outbox events, fanned out by WebhookDeliveryService.fanOut called from the bench (the deliveries'
 * rows, their send-webhook jobs queued with addBulk; the worker's deliver-event jobs would wait
 * behind the first slow attempts), then attempted by the worker (the releases' own events are not
 * subscribed, so the flood stays that size). The two sides alternate
 * in slices (with, without, without, with, ...): the flood is stopped by draining the
 * notifications queue (the deliveries stay pending) and started again by queuing the pending
 * deliveries' attempts, as the sweep would. This worker runs with NODE_ENV=test, the only way to
 * reach a loopback receiver (WEBHOOK_ALLOW_LOOPBACK); both sides share it. Target: with ≥ 90 % of
 * without. The api and the worker run as real processes
 * (from source, as the tests start them), LOG_LEVEL warn, on a bench database and queue prefix of
 * their own; everything shares the two cores.
 */
import 'reflect-metadata';
import { randomBytes, randomInt } from 'node:crypto';
import { Agent, createServer as createHttpServer, request as httpRequest, Server } from 'node:http';
import { createServer, Socket } from 'node:net';
import { loadavg } from 'node:os';
import { createPool, Pool } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { EscrowJobs } from '@danbao/escrow';
import { LedgerService } from '@danbao/ledger';
import {
  NOTIFICATION_JOBS,
  OutboxService,
  SEND_WEBHOOK_JOB,
  WebhookDeliveryService,
  WebhookEndpointsService,
} from '@danbao/notifications';
import { splitFee } from '@danbao/money';
import {
  createDataSource,
  databaseOf,
  dropDatabase,
  loadConfig,
  migrateDatabase,
  newId,
  parseDatabaseUrl,
  QueueRegistry,
  QUEUES,
  withDatabase,
} from '@danbao/platform';
import { allMigrations } from '@danbao/schema';
import {
  deleteQueueKeys,
  makePaidOrders,
  PaidOrder,
  RunningProcess,
  shipOrders,
  startProcess,
} from '@danbao/testing';

const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '1,8,32,128').split(',').map(Number);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 8000);
const SLICES = 4;
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 50_000);
const HTTP_CONNECTIONS = 64;
/** MariaDB's default max_connections is 151, shared with the api, the worker and anything else. */
const RAW_CONNECTIONS_MAX = 64;
/** Which measurements to run (all by default): cells (raw and drain), pipeline, backlog. */
const PARTS = new Set((process.env.BENCH_PARTS ?? 'cells,pipeline,backlog,flood').split(','));
/** Pending webhook deliveries of the flood part; 0 skips it. */
const FLOOD = Number(process.env.BENCH_WEBHOOK_FLOOD ?? 20_000);
/** PAYMENTS_CONCURRENCY of the flood part's worker; unset keeps the worker's default. */
const FLOOD_CONCURRENCY = process.env.BENCH_FLOOD_CONCURRENCY;
/** How long the flood's receiver takes to answer each request. */
const FLOOD_DELAY_MS = Number(process.env.BENCH_FLOOD_DELAY_MS ?? 1000);
/** The flood's event type (releases record hold.released and order.completed, not this). */
const FLOOD_EVENT = 'order.shipped';
const SPREAD_SELLERS = 10_000;
const API_KEY = `sk_bench_${randomBytes(18).toString('hex')}`;
const SANDBOX_SECRET = randomBytes(32).toString('hex');
const SECRET_KEY = randomBytes(32).toString('hex');
const BUYER = 'bench_buyer';
const HOT_SELLER = 'bench_hot_seller';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

type Workload = 'spread' | 'hot';

const sellerFor = (workload: Workload) =>
  workload === 'hot' ? HOT_SELLER : `bench_seller_${randomInt(SPREAD_SELLERS)}`;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A webhook receiver on 127.0.0.1 that answers every request with 200 after `delayMs`. */
class SlowReceiver {
  hits = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  constructor(private readonly delayMs: number) {
    this.server = createHttpServer((request, response) => {
      request.resume();
      request.on('end', () => {
        this.hits += 1;
        setTimeout(() => response.writeHead(200, { 'content-type': 'text/plain' }).end('ok'), this.delayMs);
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}/hooks`;
  }

  async close(): Promise<void> {
    this.sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => this.server.close(resolve));
  }
}

class Bench {
  private readonly prefix = `danbao_bench_${randomBytes(4).toString('hex')}`;
  private readonly databaseUrl: string;
  private dataSource!: DataSource;
  private pool!: Pool;
  private queues!: QueueRegistry;
  private jobs!: EscrowJobs;
  private api?: RunningProcess;
  private apiPort = 0;
  private buyerToken = '';
  private readonly agent = new Agent({ keepAlive: true, maxSockets: HTTP_CONNECTIONS });
  private readonly children = new Set<RunningProcess>();
  private receiver?: SlowReceiver;

  constructor() {
    const base = process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/danbao';
    this.databaseUrl = withDatabase(base, `danbao_bench_${randomBytes(4).toString('hex')}`);
  }

  private env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: this.databaseUrl,
      REDIS_URL,
      QUEUE_PREFIX: this.prefix,
      // Production refuses shipped secrets: these are made for the run.
      SANDBOX_CHANNEL: 'on',
      SANDBOX_CHANNEL_SECRET: SANDBOX_SECRET,
      DANBAO_SECRET_KEY: SECRET_KEY,
      DANBAO_BOOTSTRAP_API_KEY: API_KEY,
      LOG_LEVEL: 'warn',
      // The sweep would only queue again what the bench queues itself.
      SWEEP_INTERVAL: '1h',
      ...extra,
    };
  }

  async setUp(): Promise<void> {
    await migrateDatabase(this.databaseUrl, allMigrations);
    this.dataSource = await createDataSource({ databaseUrl: this.databaseUrl, poolSize: 8 }).initialize();
    const target = parseDatabaseUrl(this.databaseUrl);
    this.pool = createPool({
      ...target,
      connectionLimit: Math.min(Math.max(...CONCURRENCIES), RAW_CONNECTIONS_MAX),
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
    this.queues = new QueueRegistry(loadConfig(this.env()));
    this.jobs = new EscrowJobs(this.queues);
    this.apiPort = await freePort();
    this.api = this.track(startProcess('api', this.env({ PORT: String(this.apiPort) })));
    await this.api.waitForOutput(/listening/, 60_000);
    const answer = await this.send('POST', '/v1/auth/tokens', `Bearer ${API_KEY}`, {
      role: 'buyer',
      subject_id: BUYER,
      ttl_seconds: 86_400,
    });
    this.buyerToken = (JSON.parse(answer.text) as { token: string }).token;
  }

  /** Child processes are killed with the bench, however it ends. */
  private track(child: RunningProcess): RunningProcess {
    if (this.children.size === 0) {
      process.once('exit', () => this.children.forEach((running) => running.kill('SIGKILL')));
    }
    this.children.add(child);
    void child.exited.then(() => this.children.delete(child));
    return child;
  }

  /** Stops what the bench started and removes its database and queues, each step on its own. */
  async tearDown(): Promise<void> {
    const steps: (() => Promise<unknown> | unknown)[] = [
      async () => {
        this.api?.kill('SIGTERM');
        await this.api?.exited;
      },
      () => this.agent.destroy(),
      () => this.receiver?.close(),
      () => this.queues?.onApplicationShutdown(),
      () => this.pool?.end(),
      () => this.dataSource?.destroy(),
      () => deleteQueueKeys(REDIS_URL, this.prefix),
      () => dropDatabase(this.databaseUrl),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(`bench cleanup: ${String(error)}\n`);
      }
    }
  }

  private send(method: string, path: string, authorization: string, body?: object) {
    const text = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: '127.0.0.1',
          port: this.apiPort,
          method,
          path,
          agent: this.agent,
          headers: {
            authorization,
            ...(text === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(text);
    });
  }

  /** Paid orders of the workload; shipped with a far deadline, or already confirmed by the buyer. */
  async orders(workload: Workload, count: number, confirmed: boolean): Promise<PaidOrder[]> {
    const orders = await makePaidOrders(
      this.dataSource,
      Array.from({ length: count }, () => ({
        buyerId: BUYER,
        sellerId: sellerFor(workload),
        amount: 100 + randomInt(100_000),
        feeBps: 200,
      })),
    );
    const now = new Date();
    await shipOrders(this.dataSource, orders, {
      autoConfirmAt: new Date(now.getTime() + 86_400_000),
      confirmedAt: confirmed ? now : undefined,
    });
    return orders;
  }

  /** A worker process; `concurrency` undefined keeps the default PAYMENTS_CONCURRENCY. */
  async startWorker(concurrency?: number, extra: Record<string, string> = {}): Promise<RunningProcess> {
    const worker = this.track(
      startProcess(
        'worker',
        this.env({
          ...(concurrency === undefined ? {} : { PAYMENTS_CONCURRENCY: String(concurrency) }),
          ...extra,
        }),
      ),
    );
    await worker.waitForOutput(/Danbao worker running/, 60_000);
    return worker;
  }

  async stopWorker(worker: RunningProcess): Promise<void> {
    worker.kill('SIGTERM');
    await worker.exited;
  }

  /**
   * Waits (untimed) until the outbox is published and every delivery has run, so that no cell
   * leaves notification work behind for the next one.
   */
  async settle(): Promise<void> {
    const notifications = this.queues.get(QUEUES.notifications);
    for (let round = 1; ; round += 1) {
      // The sweep (SWEEP_INTERVAL, an hour here) publishes what the last kick of a burst missed;
      // every second the bench stands in for it.
      if (round % 4 === 0) await notifications.add(NOTIFICATION_JOBS.relay, {}, { removeOnComplete: true });
      const counts = await notifications.getJobCounts('waiting', 'active', 'prioritized');
      // Delayed jobs, but not the webhooks sweep, which repeats on this queue.
      const delayed = (await notifications.getDelayed(0, 99)).filter((job) => !job.repeatJobKey).length;
      const [row]: { n: string }[] = await databaseOf(this.dataSource).query(
        'SELECT COUNT(*) AS n FROM outbox_events WHERE dispatched_at IS NULL',
      );
      if (counts.waiting + counts.active + delayed + counts.prioritized === 0 && Number(row.n) === 0) return;
      await sleep(250);
    }
  }

  /** Waits until every hold of the orders is released; returns the span of their commits. */
  async released(orders: PaidOrder[], timeoutMs = 600_000): Promise<{ first: number; last: number }> {
    const ids = orders.map((order) => order.holdId);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let released = 0;
      let first = Infinity;
      let last = 0;
      for (let start = 0; start < ids.length; start += 5000) {
        const chunk = ids.slice(start, start + 5000);
        const [row]: { n: string; first: Date | null; last: Date | null }[] = await databaseOf(
          this.dataSource,
        ).query(
          `SELECT COUNT(*) AS n, MIN(resolved_at) AS first, MAX(resolved_at) AS last FROM holds
           WHERE status = 'released' AND id IN (${chunk.map(() => '?').join(',')})`,
          chunk,
        );
        released += Number(row.n);
        if (row.first) first = Math.min(first, row.first.getTime());
        if (row.last) last = Math.max(last, row.last.getTime());
      }
      if (released === ids.length) return { first, last };
      if (Date.now() > deadline) throw new Error(`only ${released} of ${ids.length} released`);
      await sleep(250);
    }
  }

  /** The release transaction for one hold, by hand, through the mysql2 pool. */
  private async rawRelease(order: PaidOrder): Promise<void> {
    const connection = await this.pool.getConnection();
    try {
      await connection.query('START TRANSACTION');
      const now = new Date();
      const [orderRows] = await connection.query(
        'SELECT * FROM orders WHERE id IN (?) ORDER BY id FOR UPDATE',
        [[order.orderId]],
      );
      const [holdRows] = await connection.query(
        'SELECT * FROM holds WHERE id IN (?) ORDER BY id FOR UPDATE',
        [[order.holdId]],
      );
      const hold = (holdRows as { status: string; amount: string; fee_bps: number; seller_id: string }[])[0];
      const orderRow = (orderRows as Record<string, unknown>[])[0];
      if (hold.status !== 'held') throw new Error('hold not held');
      const amount = BigInt(hold.amount);
      const { fee, net } = splitFee(amount, hold.fee_bps);
      await connection.query(
        `UPDATE holds SET status = 'released', fee = ?, released = ?, resolved_at = ?, updated_at = ?
         WHERE id = ? AND status = 'held'`,
        [fee, net, now, now, order.holdId],
      );
      await connection.query(
        `UPDATE orders SET status = 'completed', completed_at = ?, updated_at = ?
         WHERE id = ? AND status IN ('shipped', 'paid')`,
        [now, now, order.orderId],
      );
      const holdObject = {
        id: order.holdId,
        order_id: order.orderId,
        amount: Number(amount),
        fee: Number(fee),
        net: Number(net),
        refunded: 0,
        currency: 'CNY',
        status: 'released',
      };
      const orderObject = { ...orderRow, amount: Number(amount), status: 'completed', completed_at: now };
      const events = [
        ['hold.released', order.holdId, holdObject],
        ['order.completed', order.orderId, orderObject],
      ] as const;
      await connection.query(
        'INSERT INTO outbox_events (id, type, object_id, payload, created_at) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)',
        events.flatMap(([type, objectId, object]) => {
          const id = newId('evt');
          return [
            id,
            type,
            objectId,
            JSON.stringify({ id, type, created_at: now.toISOString(), data: { object } }),
            now,
          ];
        }),
      );
      const transactionId = newId('ltx', now.getTime());
      await connection.query(
        'INSERT INTO ledger_transactions (id, reference, kind, order_id, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        [
          transactionId,
          `release:${order.holdId}`,
          'release',
          order.orderId,
          JSON.stringify({ hold_id: order.holdId, fee_bps: hold.fee_bps }),
          now,
        ],
      );
      const escrow = `escrow:${order.orderId}`;
      const seller = `seller:${hold.seller_id}:available`;
      const feeBucket = randomInt(16);
      await connection.query(
        `INSERT INTO ledger_entries (id, transaction_id, account_code, currency, bucket, amount, created_at)
         VALUES (?, ?, ?, 'CNY', 0, ?, ?), (?, ?, ?, 'CNY', 0, ?, ?), (?, ?, 'platform:fees', 'CNY', ?, ?, ?)`,
        [
          ...[newId('len', now.getTime()), transactionId, escrow, -amount, now],
          ...[newId('len', now.getTime()), transactionId, seller, net, now],
          ...[newId('len', now.getTime()), transactionId, feeBucket, fee, now],
        ],
      );
      const [debit] = await connection.query(
        `UPDATE ledger_balances SET balance = balance - ?, version = version + 1, updated_at = ?
         WHERE account_code = ? AND currency = 'CNY' AND bucket = 0 AND balance >= ?`,
        [amount, now, escrow, amount],
      );
      if ((debit as { affectedRows: number }).affectedRows !== 1) throw new Error('escrow short');
      await connection.query(
        `INSERT INTO ledger_balances (account_code, currency, bucket, balance, version, updated_at)
         VALUES (?, 'CNY', 0, ?, 1, ?), ('platform:fees', 'CNY', ?, ?, 1, ?)
         ON DUPLICATE KEY UPDATE balance = balance + VALUES(balance), version = version + 1,
           updated_at = VALUES(updated_at)`,
        [seller, net, now, feeBucket, fee, now],
      );
      await connection.query('COMMIT');
    } catch (error) {
      await connection.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  }

  /** Raw baseline: `concurrency` loops, one release transaction per hold; the seconds it took. */
  async raw(orders: PaidOrder[], concurrency: number): Promise<number> {
    let next = 0;
    let retries = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < orders.length) {
          const order = orders[next++];
          for (let attempt = 1; ; attempt += 1) {
            try {
              await this.rawRelease(order);
              break;
            } catch (error) {
              // Deadlocks and lock waits are run again, as runInTransaction does.
              if (attempt >= 4) throw error;
              retries += 1;
            }
          }
        }
      }),
    );
    if (retries > 0) process.stderr.write(`raw: ${retries} transactions run again\n`);
    return (performance.now() - started) / 1000;
  }

  /**
   * Worker drain: the orders' release jobs are queued while the payments queue is paused, then
   * the queue is resumed; the seconds from the resume to the last release's commit.
   */
  async drain(orders: PaidOrder[]): Promise<number> {
    const payments = this.queues.get(QUEUES.payments);
    await payments.pause();
    for (let start = 0; start < orders.length; start += 1000) {
      await this.jobs.enqueueReleases(orders.slice(start, start + 1000));
    }
    const resumedAt = Date.now();
    await payments.resume();
    const { last } = await this.released(orders);
    return Math.max(last - resumedAt, 1) / 1000;
  }

  /**
   * One cell: raw and drain in alternating slices against one worker process of concurrency c,
   * then the pipeline through the api with the same worker. Rates in releases per second.
   */
  async cell(
    workload: Workload,
    concurrency: number,
    perSlice: number,
  ): Promise<{ raw: number; drain: number; confirmsIn: number; committed: number }> {
    const worker = await this.startWorker(concurrency);
    try {
      const seconds = { raw: 0, drain: 0 };
      let count = 0;
      for (let slice = 0; slice < SLICES; slice += 1) {
        const sides = slice % 2 === 0 ? (['drain', 'raw'] as const) : (['raw', 'drain'] as const);
        for (const side of sides) {
          const orders = await this.orders(workload, perSlice, true);
          if (side === 'raw') {
            seconds.raw += await this.raw(orders, concurrency);
          } else {
            seconds.drain += await this.drain(orders);
            await this.settle();
          }
        }
        count += perSlice;
      }
      const pipeline = PARTS.has('pipeline')
        ? await this.pipeline(workload, perSlice * 2)
        : { confirmsIn: NaN, committed: NaN };
      return { raw: count / seconds.raw, drain: count / seconds.drain, ...pipeline };
    } finally {
      await this.stopWorker(worker);
    }
  }

  /** Pipeline: HTTP confirms in, releases committed by the running worker. */
  async pipeline(workload: Workload, count: number): Promise<{ confirmsIn: number; committed: number }> {
    const orders = await this.orders(workload, count, false);
    let next = 0;
    const started = performance.now();
    const startedAt = Date.now();
    await Promise.all(
      Array.from({ length: HTTP_CONNECTIONS }, async () => {
        while (next < orders.length) {
          const order = orders[next++];
          const answer = await this.send(
            'POST',
            `/v1/orders/${order.orderId}/confirm_receipt`,
            `Bearer ${this.buyerToken}`,
          );
          if (answer.status !== 202) throw new Error(`confirm answered ${answer.status}: ${answer.text}`);
        }
      }),
    );
    const confirmSeconds = (performance.now() - started) / 1000;
    const { last } = await this.released(orders);
    await this.settle();
    return {
      confirmsIn: orders.length / confirmSeconds,
      committed: orders.length / Math.max((last - startedAt) / 1000, 0.001),
    };
  }

  /** A backlog of confirmed orders drained by a worker with its default settings. */
  async backlog(count: number): Promise<{ seconds: number; deliveredSeconds: number }> {
    const orders = await this.orders('spread', count, true);
    const worker = await this.startWorker();
    try {
      const seconds = await this.drain(orders);
      const settleStarted = performance.now();
      await this.settle();
      return { seconds, deliveredSeconds: seconds + (performance.now() - settleStarted) / 1000 };
    } finally {
      await this.stopWorker(worker);
    }
  }

  /**
   * The webhook flood: release drains without and with `count` pending deliveries to a slow
   * receiver, alternating in slices against one worker process. Rates in releases per second.
   */
  async flood(
    count: number,
    concurrency: number | undefined,
    perSlice: number,
  ): Promise<{
    without: number;
    with: number;
    fanOutSeconds: number;
    hitsDuringDrains: number;
    pending: number;
  }> {
    const db = databaseOf(this.dataSource);
    this.receiver = new SlowReceiver(FLOOD_DELAY_MS);
    const url = await this.receiver.listen();
    // Loopback receivers are for development and tests only.
    const testEnv = { NODE_ENV: 'test', WEBHOOK_ALLOW_LOOPBACK: 'true' };
    const worker = await this.startWorker(concurrency, testEnv);
    const notifications = this.queues.get(QUEUES.notifications);
    try {
      // Warm-up of this worker, untimed.
      await this.drain(await this.orders('spread', Math.min(perSlice, 1000), true));
      await this.settle();

      // The flood, made as production makes it: an endpoint, then events of its type in the outbox.
      const endpoints = new WebhookEndpointsService(db, loadConfig(this.env(testEnv)));
      await endpoints.create('bench_marketplace', { url, events: [FLOOD_EVENT] });
      await sleep(5);
      for (let start = 0; start < count; start += 1000) {
        const rows = Array.from({ length: Math.min(1000, count - start) }, () => {
          const id = newId('evt');
          const orderId = newId('ord');
          const now = new Date();
          const object = {
            id: orderId,
            object: 'order',
            buyer_id: BUYER,
            seller_id: sellerFor('spread'),
            amount: 100 + randomInt(100_000),
            currency: 'CNY',
            status: 'shipped',
            tracking: { carrier: 'bench', number: randomBytes(8).toString('hex') },
            shipped_at: now.toISOString(),
          };
          const payload = JSON.stringify({
            id,
            type: FLOOD_EVENT,
            created_at: now.toISOString(),
            data: { object },
          });
          return [id, FLOOD_EVENT, orderId, payload, now];
        });
        await db.query(
          `INSERT INTO outbox_events (id, type, object_id, payload, created_at) VALUES ${rows.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
          rows.flat(),
        );
      }
      // Fanned out by the webhooks' own fanOut (deliveries inserted, their send-webhook jobs queued
      // with addBulk), as the worker's deliver-event jobs do, but from here: through the worker,
      // the deliver-event jobs of the relay's second chunk wait behind the first chunk's slow
      // attempts (one FIFO queue), and the flood would take minutes to be made.
      const fanOutStarted = performance.now();
      const config = loadConfig(this.env(testEnv));
      const webhooks = new WebhookDeliveryService(db, this.queues, config, endpoints, new OutboxService());
      const eventIds: { id: string }[] = await db.query(
        'SELECT id FROM outbox_events WHERE type = ? AND dispatched_at IS NULL ORDER BY id',
        [FLOOD_EVENT],
      );
      for (let start = 0; start < eventIds.length; start += 1000) {
        const ids = eventIds.slice(start, start + 1000).map((row) => row.id);
        await webhooks.fanOut(ids);
        const now = new Date();
        await db.query(
          `UPDATE outbox_events SET published_at = ?, dispatched_at = ? WHERE id IN (${ids.map(() => '?').join(',')})`,
          [now, now, ...ids],
        );
      }
      const fanOutSeconds = (performance.now() - fanOutStarted) / 1000;

      let flooding = true;
      const seconds = { without: 0, with: 0 };
      let hitsDuringDrains = 0;
      for (let slice = 0; slice < 2 * SLICES; slice += 1) {
        // with, without, without, with, with, without, without, with
        const withFlood = [0, 3].includes(slice % 4);
        if (withFlood !== flooding) {
          if (withFlood) await this.floodOn();
          else await this.floodOff();
          flooding = withFlood;
        }
        const orders = await this.orders('spread', perSlice, true);
        const hits = this.receiver.hits;
        const taken = await this.drain(orders);
        const counts = withFlood
          ? await notifications.getJobCounts('waiting', 'prioritized', 'active')
          : undefined;
        if (withFlood) hitsDuringDrains += this.receiver.hits - hits;
        seconds[withFlood ? 'with' : 'without'] += taken;
        console.log(
          `    flood slice ${slice + 1}: ${withFlood ? 'with   ' : 'without'} ${Math.round(perSlice / taken)}/s` +
            (counts
              ? ` (receiver answered ${this.receiver.hits - hits} during it; notifications waiting ${counts.waiting + counts.prioritized}, active ${counts.active})`
              : '') +
            `; load ${loadavg()[0].toFixed(2)}`,
        );
        if (!withFlood) await this.settle();
      }
      const pending = await this.deliveries('pending');
      return {
        without: (SLICES * perSlice) / seconds.without,
        with: (SLICES * perSlice) / seconds.with,
        fanOutSeconds,
        hitsDuringDrains,
        pending,
      };
    } finally {
      await notifications.drain(true).catch(() => undefined);
      await this.stopWorker(worker);
    }
  }

  /** How many deliveries are in this state (or any, with `any`). */
  private async deliveries(status: string, any = false): Promise<number> {
    const [row]: { n: string }[] = await databaseOf(this.dataSource).query(
      `SELECT COUNT(*) AS n FROM webhook_deliveries${any ? '' : ' WHERE status = ?'}`,
      any ? [] : [status],
    );
    return Number(row.n);
  }

  /**
   * Stops the flood: the notifications queue is drained (the deliveries stay pending) and the
   * attempts under way finish; then, standing in for the sweep (an hour here), the events whose
   * deliver-event jobs were drained with it are published again, and the bench settles.
   */
  private async floodOff(): Promise<void> {
    const notifications = this.queues.get(QUEUES.notifications);
    await notifications.drain();
    while ((await notifications.getJobCounts('active')).active > 0) await sleep(100);
    await databaseOf(this.dataSource).query(
      'UPDATE outbox_events SET published_at = NULL WHERE dispatched_at IS NULL AND type <> ?',
      [FLOOD_EVENT],
    );
    await this.settle();
  }

  /** Starts the flood again: the pending deliveries' attempts are queued, as the sweep queues lost ones. */
  private async floodOn(): Promise<void> {
    const pending: { id: string; attempts: number }[] = await databaseOf(this.dataSource).query(
      "SELECT id, attempts FROM webhook_deliveries WHERE status = 'pending' ORDER BY id",
    );
    const notifications = this.queues.get(QUEUES.notifications);
    for (let start = 0; start < pending.length; start += 1000) {
      await notifications.addBulk(
        pending.slice(start, start + 1000).map(({ id, attempts }) => {
          const attempt = Number(attempts) + 1;
          return {
            name: SEND_WEBHOOK_JOB,
            data: { deliveryId: id, attempt },
            opts: {
              jobId: `webhook-${id}-${attempt}`,
              // As the service queues a known-slow endpoint's attempts (attemptPriority).
              priority: 1000,
              attempts: 3,
              backoff: { type: 'exponential', delay: 1000 },
              removeOnComplete: 1000,
              removeOnFail: 5000,
            },
          };
        }),
      );
    }
    // Until the worker's notification slots are all busy with slow attempts.
    await sleep(FLOOD_DELAY_MS * 1.5);
  }

  async check(): Promise<string> {
    const report = await new LedgerService(databaseOf(this.dataSource)).check();
    return report.balanced ? 'balanced' : `NOT BALANCED (${report.violations.length} violations)`;
  }
}

const pad = (text: string | number, width: number) => String(text).padStart(width);
const rate = (value: number) => pad(Math.round(value).toLocaleString('en-US'), 9);
const percent = (value: number) => pad(`${Math.round(value * 100)}%`, 6);

async function main(): Promise<void> {
  const bench = new Bench();
  await bench.setUp();
  try {
    const batch = process.env.RELEASE_BATCH_SIZE ?? '32';
    const wait = process.env.RELEASE_BATCH_WAIT ?? '5ms';
    console.log(
      `Release bench: ${ORDERS} releases per side per cell in ${SLICES} alternating slices; ` +
        `RELEASE_BATCH_SIZE=${batch} (at most c/2), RELEASE_BATCH_WAIT=${wait}; ${HTTP_CONNECTIONS} HTTP connections for confirms`,
    );
    type Row = {
      workload: Workload;
      c: number;
      raw: number;
      drain: number;
      confirmsIn: number;
      committed: number;
    };
    const rows: Row[] = [];
    if (PARTS.has('cells')) {
      // Warm up: connections, buffer pool, JIT of this process.
      await bench.raw(await bench.orders('spread', 500, true), 8);
      for (const workload of ['spread', 'hot'] as Workload[]) {
        for (const c of CONCURRENCIES) {
          const perSlice = Math.ceil((c === 1 ? ORDERS / 4 : ORDERS) / SLICES);
          const cell = await bench.cell(workload, c, perSlice);
          rows.push({ workload, c, ...cell });
          console.log(
            `  ${workload} c=${c}: raw ${Math.round(cell.raw)}/s, drain ${Math.round(cell.drain)}/s, ` +
              `confirms in ${Math.round(cell.confirmsIn)}/s, committed ${Math.round(cell.committed)}/s`,
          );
        }
      }

      console.log('');
      console.log(
        'releases per second (one worker process; raw = one release transaction per hold on c connections)',
      );
      console.log('workload   c      raw/s   drain/s  drain/raw   confirms in/s  committed/s');
      for (const row of rows) {
        console.log(
          `${row.workload.padEnd(8)} ${pad(row.c, 3)}  ${rate(row.raw)} ${rate(row.drain)}  ${percent(row.drain / row.raw)}` +
            `       ${rate(row.confirmsIn)}    ${rate(row.committed)}`,
        );
      }
      const best = (workload: Workload, key: 'raw' | 'drain') =>
        Math.max(...rows.filter((row) => row.workload === workload).map((row) => row[key]));
      console.log('');
      console.log(
        `best drain / best raw: spread ${percent(best('spread', 'drain') / best('spread', 'raw')).trim()}, ` +
          `hot ${percent(best('hot', 'drain') / best('hot', 'raw')).trim()}  (target ≥ 150%)`,
      );
      console.log(
        `hot / spread, best drain: ${percent(best('hot', 'drain') / best('spread', 'drain')).trim()} (target ≥ 90%); ` +
          `best raw: ${percent(best('hot', 'raw') / best('spread', 'raw')).trim()}`,
      );
    }

    if (BACKLOG > 0 && PARTS.has('backlog')) {
      const backlog = await bench.backlog(BACKLOG);
      console.log('');
      console.log(
        `backlog: ${BACKLOG.toLocaleString('en-US')} confirmed orders (spread) released in ${backlog.seconds.toFixed(1)} s ` +
          `(${Math.round(BACKLOG / backlog.seconds)}/s) by one worker with its defaults; ` +
          `their ${(2 * BACKLOG).toLocaleString('en-US')} events delivered after ${backlog.deliveredSeconds.toFixed(1)} s`,
      );
    }
    if (FLOOD > 0 && PARTS.has('flood')) {
      const perSlice = Math.ceil(ORDERS / SLICES);
      const c = FLOOD_CONCURRENCY === undefined ? undefined : Number(FLOOD_CONCURRENCY);
      console.log('');
      console.log(
        `webhook flood: spread, c=${c ?? 'the worker default'}, ${SLICES} slices of ${perSlice} releases per side ` +
          `(with, without, without, with, ...); ${FLOOD.toLocaleString('en-US')} pending deliveries to a receiver ` +
          `answering after ${FLOOD_DELAY_MS} ms; load ${loadavg()
            .map((load) => load.toFixed(2))
            .join(' ')}`,
      );
      const flood = await bench.flood(FLOOD, c, perSlice);
      console.log(
        `  fan-out of the ${FLOOD.toLocaleString('en-US')} events took ${flood.fanOutSeconds.toFixed(1)} s; ` +
          `the receiver answered ${flood.hitsDuringDrains} attempts during the drains with the flood; ` +
          `${flood.pending.toLocaleString('en-US')} deliveries still pending at the end`,
      );
      console.log(`  release drain without the flood: ${Math.round(flood.without)}/s`);
      console.log(`  release drain with the flood:    ${Math.round(flood.with)}/s`);
      console.log(
        `  with / without: ${percent(flood.with / flood.without).trim()} (target ≥ 90%); load ${loadavg()
          .map((load) => load.toFixed(2))
          .join(' ')}`,
      );
    }
    console.log('');
    console.log(`ledger check after the bench: ${await bench.check()}`);
  } finally {
    await bench.tearDown();
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
