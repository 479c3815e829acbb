import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: money that leaves the platform back to a buyer goes through the payment's channel, and is
 * booked only when the channel confirms. A refund row is the request (written in the transaction
 * that decides it), what was sent, and the channel's answer.
 */
export class Refunds1764000700000 implements MigrationInterface {
  name = 'Refunds1764000700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE refunds (
        id VARCHAR(40) NOT NULL PRIMARY KEY,
        payment_id VARCHAR(40) NOT NULL,
        channel VARCHAR(32) NOT NULL,
        -- Where the money waits until the channel confirms: suspense (a captured payment no
        -- order could take); escrow refunds arrive with disputes.
        source VARCHAR(16) NOT NULL,
        order_id VARCHAR(40) NULL,
        amount BIGINT NOT NULL,
        currency CHAR(3) NOT NULL,
        status VARCHAR(16) NOT NULL,
        reason VARCHAR(64) NOT NULL,
        failure_code VARCHAR(64) NULL,
        channel_reference VARCHAR(128) NULL,
        sent_at DATETIME(6) NULL,
        created_at DATETIME(6) NOT NULL,
        updated_at DATETIME(6) NOT NULL,
        KEY refunds_payment (payment_id),
        KEY refunds_status (status, sent_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE refunds');
  }
}
