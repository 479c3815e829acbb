import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: a buyer's dispute of a paid order, its seller's answer, an admin's ruling and the deadlines
 * that move it on live in MySQL (the queue is a doorbell). Messages and status changes form its
 * timeline; the ruling of an admin above ADMIN_APPROVAL_THRESHOLD waits for a second admin.
 */
export class Disputes1764000800000 implements MigrationInterface {
  name = 'Disputes1764000800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE disputes (
        id VARCHAR(40) NOT NULL PRIMARY KEY,
        order_id VARCHAR(40) NOT NULL,
        buyer_id VARCHAR(64) NOT NULL,
        seller_id VARCHAR(64) NOT NULL,
        status VARCHAR(40) NOT NULL,
        reason VARCHAR(32) NOT NULL,
        refund_amount BIGINT NOT NULL,
        currency CHAR(3) NOT NULL,
        return_goods TINYINT(1) NOT NULL DEFAULT 0,
        return_carrier VARCHAR(100) NULL,
        return_tracking_number VARCHAR(100) NULL,
        return_shipped_at DATETIME(6) NULL,
        escalated_at DATETIME(6) NULL,
        resolution_id VARCHAR(40) NULL,
        resolution_outcome VARCHAR(32) NULL,
        resolution_refund_amount BIGINT NULL,
        resolution_note TEXT NULL,
        resolved_by VARCHAR(80) NULL,
        resolved_at DATETIME(6) NULL,
        approved_by VARCHAR(80) NULL,
        approved_at DATETIME(6) NULL,
        deadline_kind VARCHAR(32) NULL,
        deadline_at DATETIME(6) NULL,
        status_changed_at DATETIME(6) NOT NULL,
        created_at DATETIME(6) NOT NULL,
        updated_at DATETIME(6) NOT NULL,
        KEY disputes_order (order_id, created_at),
        KEY disputes_buyer (buyer_id, id),
        KEY disputes_seller (seller_id, id),
        KEY disputes_status (status, status_changed_at, id),
        KEY disputes_deadline (deadline_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE dispute_messages (
        id VARCHAR(40) NOT NULL PRIMARY KEY,
        dispute_id VARCHAR(40) NOT NULL,
        author_role VARCHAR(16) NOT NULL,
        author_id VARCHAR(64) NOT NULL,
        text TEXT NOT NULL,
        attachment_urls JSON NOT NULL,
        created_at DATETIME(6) NOT NULL,
        KEY dispute_messages_dispute (dispute_id, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE dispute_status_changes (
        id VARCHAR(40) NOT NULL PRIMARY KEY,
        dispute_id VARCHAR(40) NOT NULL,
        from_status VARCHAR(40) NULL,
        to_status VARCHAR(40) NOT NULL,
        actor VARCHAR(80) NOT NULL,
        created_at DATETIME(6) NOT NULL,
        KEY dispute_status_changes_dispute (dispute_id, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE dispute_status_changes');
    await queryRunner.query('DROP TABLE dispute_messages');
    await queryRunner.query('DROP TABLE disputes');
  }
}
