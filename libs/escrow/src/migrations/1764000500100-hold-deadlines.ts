import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: deadlines live in MySQL, not in Redis. A hold records when its release falls due (the
 * receipt deadline, or at once after the buyer confirms), when the buyer confirmed, when the
 * `hold.expiring` notice went out, and when it was flagged as overdue (past MAX_HOLD) for admins.
 */
export class HoldDeadlines1764000500100 implements MigrationInterface {
  name = 'HoldDeadlines1764000500100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE holds
        ADD COLUMN release_due_at DATETIME(6) NULL,
        ADD COLUMN confirmed_at DATETIME(6) NULL,
        ADD COLUMN expiry_notified_at DATETIME(6) NULL,
        ADD COLUMN overdue_at DATETIME(6) NULL,
        ADD KEY holds_release_due (status, release_due_at),
        ADD KEY holds_overdue (overdue_at, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE holds
        DROP KEY holds_overdue,
        DROP KEY holds_release_due,
        DROP COLUMN overdue_at,
        DROP COLUMN expiry_notified_at,
        DROP COLUMN confirmed_at,
        DROP COLUMN release_due_at`);
  }
}
