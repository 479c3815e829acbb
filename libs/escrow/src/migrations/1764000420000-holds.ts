import { MigrationInterface, QueryRunner } from 'typeorm';

/** Why: one hold per paid order records what escrow owes, and resolves exactly once. */
export class Holds1764000420000 implements MigrationInterface {
  name = 'Holds1764000420000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE holds (
        id VARCHAR(40) NOT NULL PRIMARY KEY,
        order_id VARCHAR(40) NOT NULL,
        seller_id VARCHAR(64) NOT NULL,
        amount BIGINT NOT NULL,
        currency CHAR(3) NOT NULL,
        fee_bps INT NOT NULL,
        status VARCHAR(32) NOT NULL,
        fee BIGINT NOT NULL DEFAULT 0,
        released BIGINT NOT NULL DEFAULT 0,
        refunded BIGINT NOT NULL DEFAULT 0,
        payment_id VARCHAR(40) NOT NULL,
        expires_at DATETIME(6) NOT NULL,
        created_at DATETIME(6) NOT NULL,
        updated_at DATETIME(6) NOT NULL,
        resolved_at DATETIME(6) NULL,
        UNIQUE KEY holds_order (order_id),
        KEY holds_status_expiry (status, expires_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE holds');
  }
}
