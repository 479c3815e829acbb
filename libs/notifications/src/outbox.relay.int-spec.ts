// The outbox relay against the real MariaDB and Redis: OutboxRelay with the real OutboxService
// and QueueRegistry under this file's own queue prefix. No worker: the test reads the queue.
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  AppConfig,
  createDataSource,
  platformMigrations,
  QueueRegistry,
  QUEUES,
  databaseOf,
  runInTransaction,
} from '@danbao/platform';
import {
  createTestDatabase,
  deleteQueueKeys,
  REDIS_URL,
  TestDatabase,
  testConfig,
  testQueuePrefix,
} from '@danbao/testing';
import { notificationsMigrations } from './migrations';
import { NOTIFICATION_JOBS, OutboxRelay } from './outbox.relay';
import { OutboxService, RecordedEvent } from './outbox.service';

describe('OutboxRelay', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let config: AppConfig;
  let queues: QueueRegistry;
  let outbox: OutboxService;
  let sut: OutboxRelay;
  const prefix = testQueuePrefix();

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await createTestDatabase([...platformMigrations, ...notificationsMigrations]);
    config = testConfig(database.databaseUrl, prefix);
    dataSource = await createDataSource({ databaseUrl: database.databaseUrl }).initialize();
    queues = new QueueRegistry(config);
    outbox = new OutboxService();
    sut = new OutboxRelay(databaseOf(dataSource), queues, config);
  });

  afterAll(async () => {
    await queues?.onApplicationShutdown();
    await dataSource?.destroy();
    await deleteQueueKeys(REDIS_URL, prefix);
    await database?.drop();
  });

  const notifications = () => queues.get(QUEUES.notifications);
  const record = (count: number): Promise<RecordedEvent[]> =>
    runInTransaction(databaseOf(dataSource), (tx) =>
      outbox.recordMany(
        tx,
        Array.from({ length: count }, (_, index) => ({
          type: 'order.completed' as const,
          objectId: `ord_${index}`,
          object: { index },
        })),
      ),
    );
  const published = async (ids: string[]): Promise<number> =>
    Number(
      (
        await dataSource.query(
          `SELECT COUNT(*) AS n FROM outbox_events WHERE published_at IS NOT NULL AND id IN (${ids.map(() => '?').join(',')})`,
          ids,
        )
      )[0].n,
    );

  it('queues one deliver-event job per event, job id = event id, then marks the events published', async () => {
    const events = await record(3);
    expect(await sut.publishPending()).toBe(3);
    expect(await published(events.map((event) => event.id))).toBe(3);
    for (const event of events) {
      const job = await notifications().getJob(event.id);
      expect(job).toMatchObject({ name: NOTIFICATION_JOBS.deliverEvent, data: { eventId: event.id } });
    }
    expect(await sut.publishPending()).toBe(0);
  });

  it('queues nothing twice when a relay died between queueing and marking (published again)', async () => {
    const events = await record(2);
    await sut.publishPending();
    const waitingBefore = await notifications().getWaitingCount();
    // As if the relay had crashed before its UPDATE: the rows are unpublished again.
    await dataSource.query(
      `UPDATE outbox_events SET published_at = NULL WHERE id IN (${events.map(() => '?').join(',')})`,
      events.map((event) => event.id),
    );
    expect(await sut.publishPending()).toBe(2);
    expect(await notifications().getWaitingCount()).toBe(waitingBefore);
  });

  it('queues again the deliveries Redis lost, and only those', async () => {
    const events = await record(4);
    await sut.publishPending();
    await sut.markDispatched(events[0].id);
    await deleteQueueKeys(REDIS_URL, prefix);
    await notifications().add(
      NOTIFICATION_JOBS.deliverEvent,
      { eventId: events[1].id },
      { jobId: events[1].id },
    );

    const requeued = await sut.republishUndispatched(new Date(Date.now() + 1000));
    // The dispatched one needs nothing, events[1] still has its job; the rest of this file's
    // earlier events lost theirs too and are queued again with these two.
    expect(requeued).toBeGreaterThanOrEqual(2);
    for (const event of events.slice(1)) expect(await notifications().getJob(event.id)).toBeDefined();
    expect(await notifications().getJob(events[0].id)).toBeUndefined();
    expect(await sut.republishUndispatched(new Date(Date.now() + 1000))).toBe(0);
  });

  it('marks a delivery once, and collapses kicks made together into one relay job', async () => {
    const [event] = await record(1);
    expect(await sut.markDispatched(event.id)).toBe(true);
    expect(await sut.markDispatched(event.id)).toBe(false);

    await deleteQueueKeys(REDIS_URL, prefix);
    await Promise.all([sut.kick(), sut.kick(), sut.kick()]);
    const relays = (await notifications().getWaiting()).filter((job) => job.name === NOTIFICATION_JOBS.relay);
    expect(relays.length).toBeGreaterThanOrEqual(1);
    expect(relays.length).toBeLessThanOrEqual(2);
  });
});
