import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: admins sign in with an email and a password (API.md, Auth). `email` keeps what was given,
 * for display; `email_key` is it lowercased, in a binary collation, and unique, so one address
 * cannot be registered twice in two casings (a case-insensitive collation would also fold
 * accents and ignore trailing spaces). `password_hash` is self-describing:
 * `scrypt$N$r$p$salt$hash`. `created_by` is the admin who added this one, NULL when the operator
 * did (the CLI or DANBAO_BOOTSTRAP_ADMIN).
 */
export class Admins1764000800100 implements MigrationInterface {
  name = 'Admins1764000800100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE admins (
        id VARCHAR(40) CHARACTER SET ascii NOT NULL PRIMARY KEY,
        email VARCHAR(254) NOT NULL,
        email_key VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        password_hash VARCHAR(255) CHARACTER SET ascii NOT NULL,
        created_at DATETIME(6) NOT NULL,
        created_by VARCHAR(40) CHARACTER SET ascii NULL,
        UNIQUE KEY admins_email_key (email_key)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE admins');
  }
}
