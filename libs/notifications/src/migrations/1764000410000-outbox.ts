import { MigrationInterface, QueryRunner } from 'typeorm';

/** Why: events are rows written in the same transaction as their change; a relay publishes them. */
export class Outbox1764000410000 implements MigrationInterface {
  name = 'Outbox1764000410000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE outbox_events (
        id VARCHAR(40) NOT NULL PRIMARY KEY,
        type VARCHAR(64) NOT NULL,
        object_id VARCHAR(64) NOT NULL,
        payload LONGTEXT NOT NULL,
        created_at DATETIME(6) NOT NULL,
        published_at DATETIME(6) NULL,
        KEY outbox_unpublished (published_at, id),
        KEY outbox_type (type, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE outbox_events');
  }
}
