import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase, waitFor } from '@danbao/testing';
import { AuditLog } from '../audit/audit-log';
import { createDataSource } from '../database/data-source';
import { Database, databaseOf } from '../database/database';
import { platformMigrations } from '../migrations';
import { SWITCH_REFRESH_MS, SwitchBoard, type SwitchName, type SwitchState } from './switch-board';

// Real: MariaDB with the platform's migrations; two SwitchBoards stand for two processes (an api
// and a worker) sharing one database. What is under test: a flip is seen at once by the process
// that made it and within SWITCH_REFRESH_MS by the other, with its listeners told; it is audited in
// its own transaction; and a refresh that fails keeps the last state known (a database hiccup
// switches nothing on or off).

let database: TestDatabase;
let dataSource: DataSource;
let db: Database;
const boards: SwitchBoard[] = [];
const ADMIN = { type: 'admin' as const, id: 'adm_switch', email: 'ops@switch.test' };

beforeAll(async () => {
  Logger.overrideLogger(false); // the boards log each flip they see; the assertions say what matters
  database = await createTestDatabase(platformMigrations);
  dataSource = await createDataSource({ databaseUrl: database.databaseUrl, poolSize: 4 }).initialize();
  db = databaseOf(dataSource);
});

afterAll(async () => {
  for (const board of boards) await board.onModuleDestroy();
  await dataSource?.destroy();
  await database?.drop();
});

async function startBoard(): Promise<SwitchBoard> {
  const board = new SwitchBoard(db, new AuditLog());
  await board.onModuleInit();
  boards.push(board);
  return board;
}

describe('SwitchBoard', () => {
  it('starts with every switch on, never flipped', async () => {
    const board = await startBoard();
    const states = await board.list();
    expect(states.map((state) => [state.name, state.enabled, state.updatedAt, state.updatedBy])).toEqual([
      ['statements', true, null, null],
      ['listings', true, null, null],
      ['webhooks', true, null, null],
      ['payouts', true, null, null],
      ['reports', true, null, null],
    ]);
  });

  it('shows a flip at once where it was made, and within the refresh everywhere else', async () => {
    const api = await startBoard();
    const worker = await startBoard();
    const seen: boolean[] = [];
    worker.onRefresh((states) => seen.push(states.get('webhooks')!.enabled));

    const flipped = await api.set('webhooks', false, ADMIN, 'req_switch_1');
    expect(flipped).toMatchObject({ name: 'webhooks', enabled: false, updatedBy: ADMIN.email });
    expect(api.isOn('webhooks')).toBe(false);
    const startedAt = Date.now();
    expect(
      await waitFor(
        async () => worker.isOn('webhooks'),
        (on) => !on,
        5_000,
      ),
    ).toBe(false);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(seen[0]).toBe(true);
    expect(seen.at(-1)).toBe(false);
    expect(worker.isOn('listings')).toBe(true);

    const [audit] = await db.query<Array<Record<string, string>>>(
      "SELECT actor_email, subject_id, before_state, after_state, request_id FROM audit_log WHERE action = 'switch.update'",
    );
    expect(audit).toEqual({
      actor_email: ADMIN.email,
      subject_id: 'webhooks',
      before_state: '{"enabled":true}',
      after_state: '{"enabled":false}',
      request_id: 'req_switch_1',
    });
    await api.set('webhooks', true, ADMIN);
  });

  it('keeps the last state it knew while the database cannot answer', async () => {
    const api = await startBoard();
    const worker = await startBoard();
    await api.set('reports', false, ADMIN);
    expect(
      await waitFor(
        async () => worker.isOn('reports'),
        (on) => !on,
        5_000,
      ),
    ).toBe(false);

    await db.query('RENAME TABLE degrade_switches TO degrade_switches_away');
    try {
      await new Promise((resolve) => setTimeout(resolve, SWITCH_REFRESH_MS * 2));
      expect(worker.isOn('reports')).toBe(false);
      expect(worker.isOn('listings')).toBe(true);
    } finally {
      await db.query('RENAME TABLE degrade_switches_away TO degrade_switches');
    }
    await api.set('reports', true, ADMIN);
    expect(
      await waitFor(
        async () => worker.isOn('reports'),
        (on) => on,
        5_000,
      ),
    ).toBe(true);
  });

  it('answers the list as the database has it, whichever process flipped last', async () => {
    const one = await startBoard();
    const two = await startBoard();
    await one.set('statements', false, ADMIN);
    await two.set('statements', true, { ...ADMIN, email: 'other@switch.test' });
    const byName = new Map<SwitchName, SwitchState>((await one.list()).map((state) => [state.name, state]));
    expect(byName.get('statements')).toMatchObject({ enabled: true, updatedBy: 'other@switch.test' });
    expect(one.isOn('statements')).toBe(true);
  });
});
