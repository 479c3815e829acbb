import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: a dispute freezes a hold and stops its receipt deadline (the time it had left is kept, so
 * the deadline resumes with it), and a hold may end in a refund that waits for the channel:
 * `refund_due` is what was decided to go back to the buyer, `refunded` what the channel confirmed.
 */
export class HoldDisputes1764000700200 implements MigrationInterface {
  name = 'HoldDisputes1764000700200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE holds
        ADD COLUMN refund_due BIGINT NOT NULL DEFAULT 0 AFTER refunded,
        ADD COLUMN frozen_at DATETIME(6) NULL AFTER overdue_at,
        ADD COLUMN deadline_left_ms BIGINT NULL AFTER frozen_at`);
    // Holds refunded before this migration were refunded in full at once.
    await queryRunner.query("UPDATE holds SET refund_due = refunded WHERE status = 'refunded'");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE holds DROP COLUMN refund_due, DROP COLUMN frozen_at, DROP COLUMN deadline_left_ms',
    );
  }
}
