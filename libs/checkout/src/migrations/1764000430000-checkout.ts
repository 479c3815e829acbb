import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: checkout sessions (one per order, or a cart of several), the payments made on them, the
 * channel's notifications as received (deduplicated by their own ids), and the sandbox
 * acquirer's own record of what it charged.
 */
export class Checkout1764000430000 implements MigrationInterface {
  name = 'Checkout1764000430000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE checkout_sessions (
        id VARCHAR(64) NOT NULL PRIMARY KEY,
        kind VARCHAR(16) NOT NULL,
        buyer_id VARCHAR(64) NOT NULL,
        amount BIGINT NOT NULL,
        currency CHAR(3) NOT NULL,
        status VARCHAR(16) NOT NULL,
        return_url VARCHAR(2048) NULL,
        payment_id VARCHAR(40) NULL,
        expires_at DATETIME(6) NOT NULL,
        paid_at DATETIME(6) NULL,
        created_at DATETIME(6) NOT NULL,
        KEY checkout_sessions_expiry (status, expires_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE checkout_session_orders (
        session_id VARCHAR(64) NOT NULL,
        order_id VARCHAR(40) NOT NULL,
        position INT NOT NULL,
        PRIMARY KEY (session_id, order_id),
        KEY checkout_session_orders_order (order_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE payments (
        id VARCHAR(40) NOT NULL PRIMARY KEY,
        session_id VARCHAR(64) NOT NULL,
        channel VARCHAR(32) NOT NULL,
        amount BIGINT NOT NULL,
        currency CHAR(3) NOT NULL,
        status VARCHAR(16) NOT NULL,
        card_brand VARCHAR(16) NOT NULL,
        card_last4 CHAR(4) NOT NULL,
        failure_code VARCHAR(64) NULL,
        channel_reference VARCHAR(128) NULL,
        review_reason VARCHAR(64) NULL,
        created_at DATETIME(6) NOT NULL,
        updated_at DATETIME(6) NOT NULL,
        KEY payments_session (session_id, created_at),
        KEY payments_review (review_reason)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE channel_notifications (
        channel VARCHAR(32) NOT NULL,
        notification_id VARCHAR(128) NOT NULL,
        type VARCHAR(64) NOT NULL,
        reference VARCHAR(128) NOT NULL,
        body LONGTEXT NOT NULL,
        outcome VARCHAR(32) NOT NULL,
        review_reason VARCHAR(64) NULL,
        received_at DATETIME(6) NOT NULL,
        PRIMARY KEY (channel, notification_id),
        KEY channel_notifications_reference (reference),
        KEY channel_notifications_review (review_reason)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE sandbox_charges (
        id VARCHAR(40) NOT NULL PRIMARY KEY,
        kind VARCHAR(16) NOT NULL,
        reference VARCHAR(64) NOT NULL,
        amount BIGINT NOT NULL,
        currency CHAR(3) NOT NULL,
        card_last4 CHAR(4) NULL,
        result VARCHAR(32) NOT NULL,
        failure_code VARCHAR(64) NULL,
        created_at DATETIME(6) NOT NULL,
        UNIQUE KEY sandbox_charges_reference (kind, reference)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'sandbox_charges',
      'channel_notifications',
      'payments',
      'checkout_session_orders',
      'checkout_sessions',
    ]) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
