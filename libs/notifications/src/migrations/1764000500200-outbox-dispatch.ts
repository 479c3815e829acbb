import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: the relay marks an event published once its delivery job is queued; the delivery job
 * marks it dispatched once it has run, so an event stuck between the two can be found.
 */
export class OutboxDispatch1764000500200 implements MigrationInterface {
  name = 'OutboxDispatch1764000500200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE outbox_events
        ADD COLUMN dispatched_at DATETIME(6) NULL,
        ADD KEY outbox_undispatched (dispatched_at, published_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE outbox_events DROP KEY outbox_undispatched, DROP COLUMN dispatched_at',
    );
  }
}
