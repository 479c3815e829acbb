import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: orders now keep their latest payment's summary on their own row (orders migration
 * 1764000600000); checkout owns the payments, so it fills the summary of the orders that already
 * have one.
 */
export class BackfillOrderLatestPayment1764000600100 implements MigrationInterface {
  name = 'BackfillOrderLatestPayment1764000600100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      UPDATE orders o JOIN payments p ON p.id = o.latest_payment_id
      SET o.latest_payment_status = p.status, o.latest_payment_card_brand = p.card_brand,
          o.latest_payment_card_last4 = p.card_last4, o.latest_payment_failure_code = p.failure_code
      WHERE o.latest_payment_status IS NULL`);
  }

  async down(): Promise<void> {
    // The columns are dropped by the orders migration's down; nothing of checkout's to undo.
  }
}
