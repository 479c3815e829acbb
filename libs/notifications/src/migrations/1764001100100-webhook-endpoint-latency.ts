import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: an endpoint known to be slow has its attempts queued behind healthy endpoints' (a slow
 * receiver's backlog held back everyone's events); its last attempt's latency says it is slow.
 */
export class WebhookEndpointLatency1764001100100 implements MigrationInterface {
  name = 'WebhookEndpointLatency1764001100100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE webhook_endpoints ADD COLUMN last_latency_ms INT NULL AFTER failing_since',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE webhook_endpoints DROP COLUMN last_latency_ms');
  }
}
