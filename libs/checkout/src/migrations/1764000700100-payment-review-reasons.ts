import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: a payment keeps every reason it was flagged for review (a late contradiction after a
 * refund_required, say), comma-separated in arrival order, not only the last one.
 */
export class PaymentReviewReasons1764000700100 implements MigrationInterface {
  name = 'PaymentReviewReasons1764000700100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE payments MODIFY review_reason VARCHAR(255) NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE payments MODIFY review_reason VARCHAR(64) NULL');
  }
}
