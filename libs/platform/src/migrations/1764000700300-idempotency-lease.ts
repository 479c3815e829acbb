import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: a key belongs to the request that reserved it until that request finishes (issue 11,
 * item 4). `owner` names the reservation (only it may complete or release the key);
 * `lease_expires_at` is renewed while the request runs, so a retry can take over only the key of
 * a request that died. Keys reserved before this migration get the 60 s window they had.
 */
export class IdempotencyLease1764000700300 implements MigrationInterface {
  name = 'IdempotencyLease1764000700300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE idempotency_keys
        ADD COLUMN owner CHAR(32) CHARACTER SET ascii NULL AFTER state,
        ADD COLUMN lease_expires_at DATETIME(6) NULL AFTER owner`);
    await queryRunner.query(
      `UPDATE idempotency_keys SET lease_expires_at = created_at + INTERVAL 60 SECOND WHERE state = 'running'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE idempotency_keys DROP COLUMN lease_expires_at, DROP COLUMN owner');
  }
}
