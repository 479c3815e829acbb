import { MigrationInterface, QueryRunner } from 'typeorm';

/** Why: the canary job needs a place to prove that a job ran to its end exactly once. */
export class Platform1764000000000 implements MigrationInterface {
  name = 'Platform1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE platform_canaries (
        job_id VARCHAR(64) NOT NULL PRIMARY KEY,
        started_at DATETIME(6) NOT NULL,
        finished_at DATETIME(6) NOT NULL
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE platform_canaries');
  }
}
