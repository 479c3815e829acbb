import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: the order row keeps the summary of its latest payment (status, card, failure code), written
 * by checkout in the same transaction as the payment, so that every order event and read is
 * composed from the order row alone. The checkout migration after this one fills it for existing
 * orders.
 */
export class OrderLatestPayment1764000600000 implements MigrationInterface {
  name = 'OrderLatestPayment1764000600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE orders
        ADD COLUMN latest_payment_status VARCHAR(16) NULL AFTER latest_payment_id,
        ADD COLUMN latest_payment_card_brand VARCHAR(16) NULL AFTER latest_payment_status,
        ADD COLUMN latest_payment_card_last4 CHAR(4) NULL AFTER latest_payment_card_brand,
        ADD COLUMN latest_payment_failure_code VARCHAR(64) NULL AFTER latest_payment_card_last4`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE orders DROP COLUMN latest_payment_status, DROP COLUMN latest_payment_card_brand,
        DROP COLUMN latest_payment_card_last4, DROP COLUMN latest_payment_failure_code`);
  }
}
