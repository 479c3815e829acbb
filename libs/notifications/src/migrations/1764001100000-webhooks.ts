import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: events leave the platform. A marketplace registers webhook endpoints (their signing secret
 * sealed under DANBAO_SECRET_KEY); each event becomes one delivery per subscribed endpoint, and
 * every attempt of a delivery is kept (status, latency, a snippet of the answer).
 */
export class Webhooks1764001100000 implements MigrationInterface {
  name = 'Webhooks1764001100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE webhook_endpoints (
        id VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        owner VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        url VARCHAR(2048) NOT NULL,
        events TEXT NOT NULL,
        enabled TINYINT(1) NOT NULL,
        secret_sealed TEXT NOT NULL,
        previous_secret_sealed TEXT NULL,
        previous_secret_until DATETIME(6) NULL,
        failing_since DATETIME(6) NULL,
        disabled_reason VARCHAR(64) NULL,
        created_at DATETIME(6) NOT NULL,
        updated_at DATETIME(6) NOT NULL,
        deleted_at DATETIME(6) NULL,
        PRIMARY KEY (id),
        KEY webhook_endpoints_owner (owner, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        id VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        endpoint_id VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        event_id VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        event_type VARCHAR(64) NOT NULL,
        status VARCHAR(16) NOT NULL,
        attempts INT NOT NULL DEFAULT 0,
        next_attempt_at DATETIME(6) NULL,
        last_attempt_at DATETIME(6) NULL,
        last_status INT NULL,
        last_error VARCHAR(255) NULL,
        created_at DATETIME(6) NOT NULL,
        updated_at DATETIME(6) NOT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY webhook_deliveries_event (endpoint_id, event_id),
        KEY webhook_deliveries_endpoint (endpoint_id, id),
        KEY webhook_deliveries_due (status, next_attempt_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE webhook_attempts (
        id VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        delivery_id VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        number INT NOT NULL,
        attempted_at DATETIME(6) NOT NULL,
        status INT NULL,
        latency_ms INT NOT NULL,
        error VARCHAR(255) NULL,
        response_snippet TEXT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY webhook_attempts_number (delivery_id, number)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE webhook_attempts');
    await queryRunner.query('DROP TABLE webhook_deliveries');
    await queryRunner.query('DROP TABLE webhook_endpoints');
  }
}
