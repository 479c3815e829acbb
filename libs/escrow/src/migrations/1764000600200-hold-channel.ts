import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: a hold records the channel its payment came through, so that money going back to the buyer
 * goes back through that channel (and its ledger account) without escrow reading checkout's rows.
 * Every hold before this migration was paid through the sandbox acquirer, the only channel then.
 */
export class HoldChannel1764000600200 implements MigrationInterface {
  name = 'HoldChannel1764000600200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      "ALTER TABLE holds ADD COLUMN channel VARCHAR(32) NOT NULL DEFAULT 'sandbox' AFTER payment_id",
    );
    await queryRunner.query('ALTER TABLE holds ALTER COLUMN channel DROP DEFAULT');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE holds DROP COLUMN channel');
  }
}
