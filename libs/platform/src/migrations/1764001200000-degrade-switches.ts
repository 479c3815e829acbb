import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: the degrade switches (API.md, `/v1/admin/switches`) are runtime settings every api and
 * worker process reads, so they live in the database rather than in one process's config. A
 * switch has a row from its first flip on; before that it is on.
 */
export class DegradeSwitches1764001200000 implements MigrationInterface {
  name = 'DegradeSwitches1764001200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE degrade_switches (
        name VARCHAR(32) CHARACTER SET ascii NOT NULL PRIMARY KEY,
        enabled TINYINT(1) NOT NULL,
        updated_at DATETIME(6) NOT NULL,
        updated_by VARCHAR(254) NULL
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE degrade_switches');
  }
}
