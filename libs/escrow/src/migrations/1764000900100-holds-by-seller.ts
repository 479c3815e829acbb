import { MigrationInterface, QueryRunner } from 'typeorm';

/** Why: a seller's balance shows what escrow holds for its open orders (pending), read by seller. */
export class HoldsBySeller1764000900100 implements MigrationInterface {
  name = 'HoldsBySeller1764000900100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE holds ADD KEY holds_seller_status (seller_id, status)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE holds DROP KEY holds_seller_status');
  }
}
