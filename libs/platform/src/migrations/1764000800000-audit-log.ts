import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why: every admin action (creating an admin, signing in, resolving a dispute, …) must leave a
 * row that says who did what, when, to what, with the state before and after and the request id
 * (TEST-PLAN T37). Append-only: the application user gets INSERT and SELECT only (GRANTS.md).
 * `before_state`/`after_state`, because BEFORE is a reserved word of MySQL.
 */
export class AuditLog1764000800000 implements MigrationInterface {
  name = 'AuditLog1764000800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_log (
        id VARCHAR(40) CHARACTER SET ascii NOT NULL PRIMARY KEY,
        actor_type VARCHAR(16) CHARACTER SET ascii NOT NULL,
        actor_id VARCHAR(40) CHARACTER SET ascii NULL,
        actor_email VARCHAR(254) NULL,
        action VARCHAR(64) CHARACTER SET ascii NOT NULL,
        subject_type VARCHAR(32) CHARACTER SET ascii NULL,
        subject_id VARCHAR(64) NULL,
        before_state LONGTEXT NULL,
        after_state LONGTEXT NULL,
        request_id VARCHAR(64) NULL,
        created_at DATETIME(6) NOT NULL,
        KEY audit_log_action (action, id),
        KEY audit_log_subject (subject_type, subject_id),
        KEY audit_log_actor (actor_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE audit_log');
  }
}
