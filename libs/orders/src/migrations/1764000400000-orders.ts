import { MigrationInterface, QueryRunner } from 'typeorm';

/** Why: orders are what a marketplace sells through Danbao; every money flow hangs off one. */
export class Orders1764000400000 implements MigrationInterface {
  name = 'Orders1764000400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE orders (
        id VARCHAR(40) NOT NULL PRIMARY KEY,
        buyer_id VARCHAR(64) NOT NULL,
        seller_id VARCHAR(64) NOT NULL,
        amount BIGINT NOT NULL,
        currency CHAR(3) NOT NULL,
        description VARCHAR(500) NOT NULL,
        fee_bps INT NOT NULL,
        auto_confirm_days INT NULL,
        return_url VARCHAR(2048) NULL,
        metadata LONGTEXT NULL,
        status VARCHAR(32) NOT NULL,
        checkout_session_id VARCHAR(64) NOT NULL,
        latest_payment_id VARCHAR(40) NULL,
        -- The payment now in flight for this order (own session or a cart); at most one.
        pending_payment_id VARCHAR(40) NULL,
        shipment_method VARCHAR(32) NULL,
        shipment_carrier VARCHAR(100) NULL,
        shipment_tracking_number VARCHAR(100) NULL,
        shipped_at DATETIME(6) NULL,
        auto_confirm_at DATETIME(6) NULL,
        buyer_extended TINYINT(1) NOT NULL DEFAULT 0,
        seller_extended TINYINT(1) NOT NULL DEFAULT 0,
        paid_at DATETIME(6) NULL,
        cancelled_at DATETIME(6) NULL,
        expired_at DATETIME(6) NULL,
        completed_at DATETIME(6) NULL,
        created_at DATETIME(6) NOT NULL,
        updated_at DATETIME(6) NOT NULL,
        KEY orders_buyer (buyer_id, id),
        KEY orders_seller (seller_id, id),
        KEY orders_status (status, id),
        KEY orders_auto_confirm (status, auto_confirm_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE orders');
  }
}
