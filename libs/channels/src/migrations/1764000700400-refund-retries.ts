import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: a refund the channel refused can be retried by an admin as a new refund of the same money
 * (`retry_of` names the one it retries); and the sandbox acquirer records which payment each of its
 * refunds refunds, so it can refuse a refund beyond what it captured.
 */
export class RefundRetries1764000700400 implements MigrationInterface {
  name = 'RefundRetries1764000700400';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One retry per failed refund, whoever asks and however often: the unique key decides.
    await queryRunner.query(
      'ALTER TABLE refunds ADD COLUMN retry_of VARCHAR(40) NULL AFTER reason, ADD UNIQUE KEY refunds_retry_of (retry_of), ADD KEY refunds_order (order_id)',
    );
    await queryRunner.query(
      'ALTER TABLE sandbox_charges ADD COLUMN payment_reference VARCHAR(64) NULL AFTER reference, ADD KEY sandbox_charges_payment (payment_reference)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE sandbox_charges DROP KEY sandbox_charges_payment, DROP COLUMN payment_reference',
    );
    await queryRunner.query(
      'ALTER TABLE refunds DROP KEY refunds_order, DROP KEY refunds_retry_of, DROP COLUMN retry_of',
    );
  }
}
