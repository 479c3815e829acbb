import { AuditLog, createDataSource, databaseOf, platformMigrations } from '@danbao/platform';
import { createTestDatabase, TestDatabase } from '@danbao/testing';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Accounts } from './accounts';
import { LedgerService } from './ledger.service';
import { ledgerMigrations } from './migrations';

// Real collaborators: MariaDB, a throwaway MySQL user given exactly the grants of GRANTS.md, and
// the ledger connected as that user. Root only sets up, inspects and cleans up.

const USER = `dbt_${randomBytes(5).toString('hex')}`;
const PASSWORD = randomBytes(12).toString('hex');
const ER_TABLEACCESS_DENIED = 1142;

let database: TestDatabase;
let root: DataSource;
let app: DataSource;
let sut: LedgerService;

/** The SQL block between the grants markers of GRANTS.md, for this database and user. */
function grantStatements(databaseName: string): string[] {
  const text = readFileSync(join(__dirname, '..', 'GRANTS.md'), 'utf8');
  const block = /<!-- grants:begin -->\s*```sql\n([\s\S]*?)```\s*<!-- grants:end -->/.exec(text);
  if (!block) throw new Error('GRANTS.md has no grants block');
  return block[1]
    .split(';')
    .map((statement) => statement.trim())
    .filter(Boolean)
    .map((statement) =>
      statement
        .replace(/'danbao_app'@'%'/g, `'${USER}'@'%'`)
        .replace(/'change-me'/g, `'${PASSWORD}'`)
        .replace(/\bdanbao\./g, `\`${databaseName}\`.`),
    );
}

beforeAll(async () => {
  database = await createTestDatabase([...platformMigrations, ...ledgerMigrations]);
  root = await createDataSource({ databaseUrl: database.databaseUrl, poolSize: 2 }).initialize();
  for (const statement of grantStatements(database.name)) await root.query(statement);
  const url = new URL(database.databaseUrl);
  url.username = USER;
  url.password = PASSWORD;
  app = await createDataSource({ databaseUrl: url.toString(), poolSize: 4 }).initialize();
  sut = new LedgerService(databaseOf(app));
});

afterAll(async () => {
  await app?.destroy();
  await root?.query(`DROP USER IF EXISTS '${USER}'@'%'`);
  await root?.destroy();
  await database?.drop();
});

describe('the least-privilege application user of GRANTS.md', () => {
  it('can do everything the ledger does: post, repeat, debit under guard, split a fee debit, check', async () => {
    // Proves: the grants are enough for every statement of the ledger.
    const payment = {
      reference: 'payment:ord_g',
      kind: 'payment',
      orderId: 'ord_g',
      postings: [
        { account: Accounts.channel('sandbox'), currency: 'CNY', amount: -1000n },
        { account: Accounts.escrow('ord_g'), currency: 'CNY', amount: 1000n },
      ],
    };
    const first = await sut.postInOwnTransaction(payment);
    expect(await sut.postInOwnTransaction(payment)).toEqual({
      transactionId: first.transactionId,
      created: false,
    });
    await sut.postInOwnTransaction({
      reference: 'release:ord_g',
      kind: 'release',
      orderId: 'ord_g',
      postings: [
        { account: Accounts.escrow('ord_g'), currency: 'CNY', amount: -1000n },
        { account: Accounts.sellerAvailable('sel_g'), currency: 'CNY', amount: 980n },
        { account: Accounts.platformFees(), currency: 'CNY', amount: 20n },
      ],
    });
    await sut.postInOwnTransaction({
      reference: 'fee_withdrawal:1',
      kind: 'fee_withdrawal',
      postings: [
        { account: Accounts.platformFees(), currency: 'CNY', amount: -20n },
        { account: Accounts.bankPayouts(), currency: 'CNY', amount: 20n },
      ],
    });
    expect(await sut.balance(Accounts.sellerAvailable('sel_g'), 'CNY')).toBe(980n);
    expect(await sut.balance(Accounts.platformFees(), 'CNY')).toBe(0n);
    expect((await sut.check()).balanced).toBe(true);
  });

  it('cannot update or delete an entry or a journal transaction: the database refuses', async () => {
    // Proves: immutability of the journal does not depend on the code being right.
    const before = await root.query('SELECT * FROM ledger_entries ORDER BY id');
    const transactionsBefore = await root.query('SELECT * FROM ledger_transactions ORDER BY id');
    expect(before.length).toBeGreaterThan(0);
    const entryId = before[0].id;

    for (const statement of [
      ['UPDATE ledger_entries SET amount = amount + 1 WHERE id = ?', [entryId]],
      ['DELETE FROM ledger_entries WHERE id = ?', [entryId]],
      ["UPDATE ledger_transactions SET kind = 'forged' WHERE id = ?", [before[0].transaction_id]],
      ['DELETE FROM ledger_transactions WHERE id = ?', [before[0].transaction_id]],
      ['DELETE FROM ledger_balances', []],
    ] as const) {
      await expect(app.query(statement[0], [...statement[1]])).rejects.toMatchObject({
        errno: ER_TABLEACCESS_DENIED,
        message: expect.stringMatching(/command denied/),
      });
    }

    expect(await root.query('SELECT * FROM ledger_entries ORDER BY id')).toEqual(before);
    expect(await root.query('SELECT * FROM ledger_transactions ORDER BY id')).toEqual(transactionsBefore);
  });

  it('can append to the audit log and read it, but cannot rewrite or delete a row of it', async () => {
    // Proves: the audit trail of admin actions (T37) is append-only for the application user.
    const audit = new AuditLog();
    const appDb = databaseOf(app);
    const id = await audit.record(appDb, {
      actor: { type: 'admin', id: 'adm_g', email: 'ops@example.com' },
      action: 'dispute.resolve',
      subjectType: 'dispute',
      subjectId: 'dsp_g',
      before: { status: 'escalated' },
      after: { status: 'refunded' },
      requestId: 'req_grants1',
    });
    expect((await audit.list(appDb, { limit: 10 })).data.map((entry) => entry.id)).toEqual([id]);
    const before = await root.query('SELECT * FROM audit_log ORDER BY id');

    for (const statement of [
      ["UPDATE audit_log SET actor_email = 'someone@else.example' WHERE id = ?", [id]],
      ['DELETE FROM audit_log WHERE id = ?', [id]],
      ['DELETE FROM audit_log', []],
    ] as const) {
      await expect(app.query(statement[0], [...statement[1]])).rejects.toMatchObject({
        errno: ER_TABLEACCESS_DENIED,
        message: expect.stringMatching(/command denied/),
      });
    }
    expect(await root.query('SELECT * FROM audit_log ORDER BY id')).toEqual(before);
  });

  it('shows no UPDATE or DELETE on the journal tables or the audit log in SHOW GRANTS', async () => {
    // Proves: the grant check an operator would run agrees.
    const rows: Record<string, string>[] = await root.query(`SHOW GRANTS FOR '${USER}'@'%'`);
    const grants = rows.map((row) => Object.values(row)[0]);
    const onJournal = grants.filter((grant) => /ledger_(entries|transactions)|audit_log/.test(grant));
    expect(onJournal).toHaveLength(3);
    for (const grant of onJournal) expect(grant).not.toMatch(/UPDATE|DELETE|ALL PRIVILEGES/);
    expect(grants.some((grant) => /ON \*\.\*/.test(grant) && /UPDATE|DELETE|ALL/.test(grant))).toBe(false);
  });
});
