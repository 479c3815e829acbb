import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: sellers are settled. Each seller may have its own payout delay or risk tier; each seller and
 * currency has a settlement row that serialises its money moves (maturation, payouts, refunds after
 * release) and remembers how far its released funds have matured and how much its available balance
 * has paid out; payouts carry what they settle.
 */
export class Settlement1764000900000 implements MigrationInterface {
  name = 'Settlement1764000900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE seller_settings (
        seller_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        risk_tier VARCHAR(16) NULL,
        payout_delay_ms BIGINT NULL,
        created_at DATETIME(6) NOT NULL,
        updated_at DATETIME(6) NOT NULL,
        PRIMARY KEY (seller_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE seller_settlements (
        seller_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        currency CHAR(3) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        matured_through DATETIME(6) NULL,
        debited_total BIGINT NOT NULL DEFAULT 0,
        updated_at DATETIME(6) NOT NULL,
        PRIMARY KEY (seller_id, currency)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE payouts (
        id VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        seller_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        currency CHAR(3) NOT NULL,
        amount BIGINT NOT NULL,
        status VARCHAR(16) NOT NULL,
        method VARCHAR(16) NOT NULL,
        run_date DATE NULL,
        settles_from BIGINT NOT NULL,
        channel VARCHAR(32) NOT NULL,
        channel_reference VARCHAR(128) NULL,
        failure_code VARCHAR(64) NULL,
        sent_at DATETIME(6) NULL,
        resolved_at DATETIME(6) NULL,
        created_at DATETIME(6) NOT NULL,
        updated_at DATETIME(6) NOT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY payouts_run (seller_id, currency, run_date),
        KEY payouts_seller (seller_id, id),
        KEY payouts_status (status, updated_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE payout_runs (
        run_date DATE NOT NULL,
        started_at DATETIME(6) NOT NULL,
        finished_at DATETIME(6) NULL,
        payouts INT NOT NULL DEFAULT 0,
        PRIMARY KEY (run_date)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE payout_runs');
    await queryRunner.query('DROP TABLE payouts');
    await queryRunner.query('DROP TABLE seller_settlements');
    await queryRunner.query('DROP TABLE seller_settings');
  }
}
