import { MigrationInterface, QueryRunner } from 'typeorm';

/** Why: the double-entry ledger needs its journal (transactions, append-only entries) and balance rows. */
export class Ledger1764000300000 implements MigrationInterface {
  name = 'Ledger1764000300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Codes, references and currencies compare byte for byte (utf8mb4_bin): `ord_a` and `ORD_A`
    // are different accounts and different idempotency references.
    await queryRunner.query(`
      CREATE TABLE ledger_transactions (
        id VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        reference VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        kind VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        order_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
        metadata TEXT NULL,
        created_at DATETIME(6) NOT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_ledger_transactions_reference (reference),
        KEY ix_ledger_transactions_order (order_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE ledger_entries (
        id VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        transaction_id VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        account_code VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        currency CHAR(3) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        bucket SMALLINT NOT NULL,
        amount BIGINT NOT NULL,
        created_at DATETIME(6) NOT NULL,
        PRIMARY KEY (id),
        KEY ix_ledger_entries_account (account_code, currency, created_at),
        KEY ix_ledger_entries_transaction (transaction_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE ledger_balances (
        account_code VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        currency CHAR(3) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        bucket SMALLINT NOT NULL,
        balance BIGINT NOT NULL,
        version BIGINT NOT NULL,
        updated_at DATETIME(6) NOT NULL,
        PRIMARY KEY (account_code, currency, bucket)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE ledger_balances');
    await queryRunner.query('DROP TABLE ledger_entries');
    await queryRunner.query('DROP TABLE ledger_transactions');
  }
}
