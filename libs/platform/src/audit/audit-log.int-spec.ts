import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '@danbao/testing';
import { createDataSource } from '../database/data-source';
import { Database, databaseOf } from '../database/database';
import { runInTransaction } from '../database/transaction';
import { platformMigrations } from '../migrations';
import { AuditLog } from './audit-log';

// Real: MariaDB with the platform's migrations. What is under test: an audit row is written in the
// caller's transaction (it commits and rolls back with the action), and the log reads newest
// first, by action, page by page.

let database: TestDatabase;
let dataSource: DataSource;
let db: Database;
const sut = new AuditLog();

beforeAll(async () => {
  database = await createTestDatabase(platformMigrations);
  dataSource = await createDataSource({ databaseUrl: database.databaseUrl, poolSize: 2 }).initialize();
  db = databaseOf(dataSource);
});

afterAll(async () => {
  await dataSource?.destroy();
  await database?.drop();
});

describe('AuditLog', () => {
  it('records who, what, the subject, before and after, and the request id', async () => {
    const id = await runInTransaction(db, (tx) =>
      sut.record(tx, {
        actor: { type: 'admin', id: 'adm_1', email: 'ops@example.com' },
        action: 'dispute.resolve',
        subjectType: 'dispute',
        subjectId: 'dsp_1',
        before: { status: 'escalated' },
        after: { status: 'refunded', refund: { amount: 1999, currency: 'CNY' } },
        requestId: 'req_abcdefgh',
      }),
    );
    const page = await sut.list(db, { action: 'dispute.resolve', limit: 10 });
    expect(page).toEqual({
      hasMore: false,
      data: [
        {
          id,
          object: 'audit_entry',
          action: 'dispute.resolve',
          actor: { type: 'admin', id: 'adm_1', email: 'ops@example.com' },
          subject_type: 'dispute',
          subject_id: 'dsp_1',
          before: { status: 'escalated' },
          after: { status: 'refunded', refund: { amount: 1999, currency: 'CNY' } },
          request_id: 'req_abcdefgh',
          created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        },
      ],
    });
    expect(id).toMatch(/^aud_[0-9a-z]{26}$/);
  });

  it('writes in the caller’s transaction: a rolled-back action leaves no audit row', async () => {
    await expect(
      runInTransaction(db, async (tx) => {
        await sut.record(tx, { actor: { type: 'operator', name: 'cli' }, action: 'admin.create' });
        throw new Error('the action failed after its audit row');
      }),
    ).rejects.toThrow('the action failed');
    expect((await sut.list(db, { action: 'admin.create', limit: 10 })).data).toEqual([]);
  });

  it('lists newest first, filtered by action, a page at a time', async () => {
    const base = Date.now();
    for (let i = 0; i < 5; i += 1) {
      await sut.record(
        db,
        { actor: { type: 'anonymous', email: `x${i}@example.com` }, action: 'admin.sign_in_refused' },
        new Date(base + i),
      );
    }
    const first = await sut.list(db, { action: 'admin.sign_in_refused', limit: 2 });
    expect(first.hasMore).toBe(true);
    expect(first.data.map((entry) => entry.actor.email)).toEqual(['x4@example.com', 'x3@example.com']);
    expect(first.data[0].actor).toEqual({ type: 'anonymous', id: null, email: 'x4@example.com' });
    const rest = await sut.list(db, {
      action: 'admin.sign_in_refused',
      limit: 10,
      startingAfter: first.data[1].id,
    });
    expect(rest.hasMore).toBe(false);
    expect(rest.data.map((entry) => entry.actor.email)).toEqual([
      'x2@example.com',
      'x1@example.com',
      'x0@example.com',
    ]);
    const all = await sut.list(db, { limit: 100 });
    expect(all.data.map((entry) => entry.action)).toContain('dispute.resolve');
    expect(all.data).toHaveLength(6);
  });

  it('refuses an action that is not <subject>.<verb>', async () => {
    await expect(
      sut.record(db, { actor: { type: 'operator', name: 'cli' }, action: 'DROP TABLE' }),
    ).rejects.toThrow('bad audit action');
  });
});
