import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: a console link (a short-lived token a marketplace puts in a URL, e.g. the seller console's)
 * opens one session only. Its hash is kept until the token expires, so a replayed link (from a
 * browser history, a proxy log, a forwarded email) is refused; expired rows are deleted as new
 * links are redeemed.
 */
export class ConsoleLinks1764001000000 implements MigrationInterface {
  name = 'ConsoleLinks1764001000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE console_links (
        token_hash CHAR(64) CHARACTER SET ascii NOT NULL PRIMARY KEY,
        subject VARCHAR(100) NOT NULL,
        redeemed_at DATETIME(6) NOT NULL,
        expires_at DATETIME(6) NOT NULL,
        KEY console_links_expiry (expires_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE console_links');
  }
}
