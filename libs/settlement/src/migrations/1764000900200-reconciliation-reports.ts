import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: every day our payments, refunds and payouts are matched against the channel's settlement
 * report, and admins read the result (`GET /v1/admin/reconciliation`, the console). A day's report
 * is kept once the day has ended, so reading it costs nothing and shows what the daily job found;
 * `?refresh=true` runs it again and replaces it.
 */
export class ReconciliationReports1764000900200 implements MigrationInterface {
  name = 'ReconciliationReports1764000900200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE reconciliation_reports (
        date DATE NOT NULL,
        clean BOOLEAN NOT NULL,
        -- The mismatches as JSON: [{kind, reference, ours?, theirs?}], amounts as decimal strings.
        mismatches LONGTEXT NOT NULL,
        ours_count INT NOT NULL,
        theirs_count INT NOT NULL,
        matched_count INT NOT NULL,
        checked_at DATETIME(6) NOT NULL,
        PRIMARY KEY (date)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE reconciliation_reports');
  }
}
