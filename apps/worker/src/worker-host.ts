import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { hostname } from 'node:os';
import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import {
  APP_CONFIG,
  AppConfig,
  createRedis,
  JobHandler,
  QueueRegistry,
  QUEUES,
  SwitchBoard,
} from '@danbao/platform';

export const JOB_HANDLERS = Symbol('JOB_HANDLERS');

/** When a notification job taken while notifications are held is offered again. */
const HELD_JOB_RETRY_MS = 1_000;

/** How often a worker process looks at the payments backlog (see startPaymentsFirst). */
const PAYMENTS_FIRST_CHECK_MS = 250;

/** Worker concurrency per queue: payments get the most, housekeeping the least. */
export const QUEUE_CONCURRENCY: Record<string, number> = {
  payments: 32,
  notifications: 16,
  system: 4,
  'sandbox-channel': 16,
  settlement: 8,
};

/**
 * Each queue has its own BullMQ worker, so a flood on one never delays another. The payments and
 * notifications pools are sized by PAYMENTS_CONCURRENCY and NOTIFICATIONS_CONCURRENCY (the payments
 * concurrency is also the largest batch of releases one process can gather).
 */
export function queueConcurrency(config: AppConfig, queue: string): number {
  if (queue === QUEUES.payments) return config.paymentsConcurrency;
  if (queue === QUEUES.notifications) return config.notificationsConcurrency;
  return QUEUE_CONCURRENCY[queue] ?? 4;
}

/**
 * Runs one BullMQ worker per queue and routes each job to the one handler of its name. On
 * SIGTERM the workers stop taking jobs and wait for the ones they run, before the database closes.
 */
@Injectable()
export class WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerHost.name);
  private readonly workers: Worker[] = [];
  private paymentsFirstTimer?: NodeJS.Timeout;
  /** Why notification work waits now: a payments backlog, the webhooks switch (see holdNotifications). */
  private readonly notificationHolds = new Set<string>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(JOB_HANDLERS) private readonly handlers: JobHandler[],
    @Inject(QueueRegistry) private readonly queues: QueueRegistry,
    @Inject(SwitchBoard) private readonly switches: SwitchBoard,
  ) {}

  /** Every job name must have exactly one handler, checked at boot rather than at the first job. */
  static routeTable(handlers: JobHandler[]): Map<string, Map<string, JobHandler>> {
    const byQueue = new Map<string, Map<string, JobHandler>>();
    for (const handler of handlers) {
      const byName = byQueue.get(handler.queue) ?? new Map<string, JobHandler>();
      if (byName.has(handler.jobName)) {
        throw new Error(`Two handlers for job "${handler.jobName}" on queue "${handler.queue}"`);
      }
      byName.set(handler.jobName, handler);
      byQueue.set(handler.queue, byName);
    }
    return byQueue;
  }

  onApplicationBootstrap(): void {
    for (const [queue, byName] of WorkerHost.routeTable(this.handlers)) {
      const worker = new Worker(
        queue,
        async (job: Job, token?: string) => {
          const handler = byName.get(job.name);
          if (!handler) throw new UnrecoverableError(`No handler for job "${job.name}" on queue "${queue}"`);
          if (queue === QUEUES.notifications && this.notificationHolds.size > 0) {
            // Taken in the instant of pausing (BullMQ's pause does not cancel a fetch that is
            // already waiting on Redis): it goes back, unattempted, and waits with the others.
            await job.moveToDelayed(Date.now() + HELD_JOB_RETRY_MS, token);
            throw new DelayedError();
          }
          return handler.handle(job, token);
        },
        {
          connection: createRedis(this.config.redisUrl, { blocking: true }),
          prefix: this.config.queuePrefix,
          concurrency: queueConcurrency(this.config, queue),
          lockDuration: this.config.workerLockDurationMs,
          stalledInterval: this.config.workerStalledIntervalMs,
          // Shown as the job's processedBy (the dashboard, and tests of workers racing).
          name: `${hostname()}-${process.pid}`,
          autorun: true,
        },
      );
      worker.on('failed', (job, error) => {
        const details = {
          queue,
          job: job?.name,
          jobId: job?.id,
          attempts: job?.attemptsMade,
          err: error.message,
        };
        // Out of attempts (or unrecoverable): the job stays in the failed list, the dead letters.
        const final =
          !job || error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
        if (final) this.logger.error(details, 'job failed for good; kept in the failed list (dead letter)');
        else this.logger.warn(details, 'job failed; it will be retried');
      });
      worker.on('error', (error) => this.logger.error({ queue, err: error.message }, 'worker error'));
      this.workers.push(worker);
    }
    this.logger.log({ queues: this.workers.map((worker) => worker.name) }, 'workers started');
    this.startPaymentsFirst();
    this.followWebhooksSwitch();
  }

  /**
   * Payments first (DESIGN.md, principle 5). The queues have their own workers, but in one process
   * they share the CPU and the database: while the payments queue has a backlog (more jobs waiting
   * than its workers take at once), this process takes no new notification work, and takes it up
   * again once the backlog is gone. Events wait in the outbox and the queue, none lost; releases
   * never wait behind webhook deliveries.
   */
  private startPaymentsFirst(): void {
    if (!this.workers.some((worker) => worker.name === QUEUES.payments)) return;
    const payments = this.queues.get(QUEUES.payments);
    this.paymentsFirstTimer = setInterval(() => {
      void payments
        .getWaitingCount()
        .then(async (waiting) => {
          if (!this.notificationHolds.has('payments backlog') && waiting > this.config.paymentsConcurrency) {
            this.logger.log({ waiting }, 'payments backlog: notifications wait until it is gone');
            await this.holdNotifications('payments backlog', true);
          } else if (this.notificationHolds.has('payments backlog') && waiting === 0) {
            await this.holdNotifications('payments backlog', false);
          }
        })
        .catch(() => undefined);
    }, PAYMENTS_FIRST_CHECK_MS);
    this.paymentsFirstTimer.unref();
  }

  /**
   * The `webhooks` degrade switch: while it is off, this process takes no notification work (the
   * outbox relay, fan-out and deliveries), so payments get every resource; events wait in the
   * outbox and deliveries in the queue, none lost. The switches are read every SWITCH_REFRESH_MS.
   */
  private followWebhooksSwitch(): void {
    this.switches.onRefresh((states) => {
      const off = states.get('webhooks')?.enabled === false;
      if (off !== this.notificationHolds.has('webhooks switched off')) {
        void this.holdNotifications('webhooks switched off', off);
      }
    });
  }

  /** Notification work waits while any reason holds it, and resumes when none is left. */
  private async holdNotifications(reason: string, hold: boolean): Promise<void> {
    const notifications = this.workers.find((worker) => worker.name === QUEUES.notifications);
    const before = this.notificationHolds.size > 0;
    if (hold) this.notificationHolds.add(reason);
    else this.notificationHolds.delete(reason);
    const after = this.notificationHolds.size > 0;
    if (!notifications || before === after) return;
    if (after) {
      this.logger.log({ reason }, 'notifications wait');
      await notifications.pause(true);
    } else {
      notifications.resume();
      this.logger.log({ reason }, 'notifications resume');
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.paymentsFirstTimer) clearInterval(this.paymentsFirstTimer);
    // close() stops fetching and waits for active jobs to finish; the database is still open.
    await Promise.all(this.workers.map((worker) => worker.close()));
    await Promise.all(this.workers.map((worker) => worker.disconnect().catch(() => undefined)));
    this.logger.log('workers stopped');
  }
}
