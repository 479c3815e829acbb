import { MigrationInterface, QueryRunner } from 'typeorm';

/** Why: secret API keys (stored hashed), the token signing secret shared by every api process, and idempotency keys. */
export class Auth1764000200000 implements MigrationInterface {
  name = 'Auth1764000200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id VARCHAR(40) NOT NULL PRIMARY KEY,
        name VARCHAR(100) NOT NULL,
        key_hash CHAR(64) CHARACTER SET ascii NOT NULL,
        last4 CHAR(4) NOT NULL,
        created_at DATETIME(6) NOT NULL,
        revoked_at DATETIME(6) NULL,
        UNIQUE KEY api_keys_hash (key_hash)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE platform_secrets (
        name VARCHAR(64) NOT NULL PRIMARY KEY,
        value VARCHAR(255) NOT NULL,
        created_at DATETIME(6) NOT NULL
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        principal VARCHAR(100) CHARACTER SET ascii NOT NULL,
        idempotency_key VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        method VARCHAR(8) NOT NULL,
        path VARCHAR(1024) NOT NULL,
        body_hash CHAR(64) CHARACTER SET ascii NOT NULL,
        state VARCHAR(16) NOT NULL,
        response_status INT NULL,
        response_body LONGTEXT NULL,
        created_at DATETIME(6) NOT NULL,
        expires_at DATETIME(6) NOT NULL,
        PRIMARY KEY (principal, idempotency_key),
        KEY idempotency_keys_expiry (expires_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['idempotency_keys', 'platform_secrets', 'api_keys'])
      await queryRunner.query(`DROP TABLE ${table}`);
  }
}
