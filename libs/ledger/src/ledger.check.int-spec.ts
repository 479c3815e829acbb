import { createDataSource, databaseOf } from '@danbao/platform';
import { allMigrations, createTestDatabase, TestDatabase } from '@danbao/testing';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { Accounts } from './accounts';
import { formatLedgerCheckReport } from './ledger.check';
import { LedgerService } from './ledger.service';

// Real collaborators: MariaDB, and the real `ledger:check` command run as a child process from
// source (ts-node), against this file's database through DATABASE_URL (the whole schema: the
// command also reconciles suspense against the refunds table). Tampering is done as root
// in plain SQL, the way a mistaken script or a person at a console would.

const REPO_ROOT = resolve(__dirname, '../../..');

let database: TestDatabase;
let dataSource: DataSource;
let sut: LedgerService;

beforeAll(async () => {
  database = await createTestDatabase(allMigrations);
  dataSource = await createDataSource({ databaseUrl: database.databaseUrl, poolSize: 4 }).initialize();
  sut = new LedgerService(databaseOf(dataSource));
  for (const [order, seller] of [
    ['ord_check_1', 'sel_check_1'],
    ['ord_check_2', 'sel_check_2'],
  ]) {
    await sut.postInOwnTransaction({
      reference: `payment:${order}`,
      kind: 'payment',
      orderId: order,
      postings: [
        { account: Accounts.channel('sandbox'), currency: 'CNY', amount: -1999n },
        { account: Accounts.escrow(order), currency: 'CNY', amount: 1999n },
      ],
    });
    await sut.postInOwnTransaction({
      reference: `release:${order}`,
      kind: 'release',
      orderId: order,
      postings: [
        { account: Accounts.escrow(order), currency: 'CNY', amount: -1000n },
        { account: Accounts.sellerAvailable(seller), currency: 'CNY', amount: 980n },
        { account: Accounts.platformFees(), currency: 'CNY', amount: 20n },
      ],
    });
  }
});

afterAll(async () => {
  await dataSource?.destroy();
  await database?.drop();
});

function runLedgerCheck(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        'apps/api/src/cli.ts',
        'ledger:check',
        ...args,
      ],
      { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: database.databaseUrl }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

describe('ledger:check', () => {
  it('exits 0 and says balanced for books that balance', async () => {
    // Proves: the real command reads the database in DATABASE_URL and passes clean books.
    const result = await runLedgerCheck();
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('balanced');
    expect(result.stdout).toContain('CNY: debits 5998, credits 5998');
    expect(result.code).toBe(0);
  });

  it('exits 1 and names the account when a balance row is edited by hand', async () => {
    // Proves: a balance row that differs from its entries is caught and named, by the CLI and check().
    await dataSource.query('UPDATE ledger_balances SET balance = balance + 1 WHERE account_code = ?', [
      'seller:sel_check_1:available',
    ]);
    try {
      const result = await runLedgerCheck();
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('NOT BALANCED');
      expect(result.stdout).toContain('balance_mismatch (account seller:sel_check_1:available)');

      const report = await sut.check();
      expect(report.balanced).toBe(false);
      expect(report.violations).toEqual([
        {
          kind: 'balance_mismatch',
          account: 'seller:sel_check_1:available',
          detail: 'balance row seller:sel_check_1:available CNY bucket 0 is 981 but its entries sum to 980',
        },
      ]);
    } finally {
      await dataSource.query('UPDATE ledger_balances SET balance = balance - 1 WHERE account_code = ?', [
        'seller:sel_check_1:available',
      ]);
    }
  });

  it('exits 1 and names the account and the transaction when an entry is deleted', async () => {
    // Proves: a deleted entry unbalances its account, its transaction and its currency, all named.
    const [release] = await dataSource.query('SELECT id FROM ledger_transactions WHERE reference = ?', [
      'release:ord_check_2',
    ]);
    // Delete the release's escrow debit (the escrow has two entries: payment credit, release debit).
    const [debit] = await dataSource.query(
      'SELECT * FROM ledger_entries WHERE account_code = ? AND transaction_id = ?',
      ['escrow:ord_check_2', release.id],
    );
    expect(debit).toBeDefined();
    await dataSource.query('DELETE FROM ledger_entries WHERE id = ?', [debit.id]);
    try {
      const result = await runLedgerCheck();
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('balance_mismatch (account escrow:ord_check_2)');
      expect(result.stdout).toContain(`transaction_unbalanced (transaction ${release.id})`);

      const report = await sut.check();
      expect(report.violations.map((violation) => violation.kind).sort()).toEqual([
        'balance_mismatch',
        'currency_unbalanced',
        'transaction_unbalanced',
      ]);
      expect(report.currencies).toEqual([{ currency: 'CNY', debits: '4998', credits: '5998' }]);
    } finally {
      await dataSource.query(
        `INSERT INTO ledger_entries (id, transaction_id, account_code, currency, bucket, amount, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [
          debit.id,
          debit.transaction_id,
          debit.account_code,
          debit.currency,
          debit.bucket,
          debit.amount,
          debit.created_at,
        ],
      );
    }
    expect((await sut.check()).balanced).toBe(true);
  });

  it('prints the admin endpoint’s JSON with --json', async () => {
    // Proves: the report's JSON keeps amounts as strings and has the documented shape.
    const result = await runLedgerCheck('--json');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report).sort()).toEqual(['balanced', 'checked_at', 'currencies', 'violations']);
    expect(report.currencies).toEqual([{ currency: 'CNY', debits: '5998', credits: '5998' }]);
  });
});

describe('check() on books broken in other ways', () => {
  it('reports a one-entry transaction, an orphan entry and a negative non-negative balance', async () => {
    // Proves: every kind of violation check() knows is found and names its subject.
    const now = new Date();
    await dataSource.query(
      `INSERT INTO ledger_transactions (id, reference, kind, order_id, metadata, created_at)
       VALUES ('ltx_thin', 'thin', 'adjustment', NULL, NULL, ?)`,
      [now],
    );
    await dataSource.query(
      `INSERT INTO ledger_entries (id, transaction_id, account_code, currency, bucket, amount, created_at)
       VALUES ('len_thin', 'ltx_thin', 'channel:sandbox', 'USD', 0, 5, ?),
              ('len_orphan', 'ltx_missing', 'channel:sandbox', 'USD', 0, -5, ?)`,
      [now, now],
    );
    await dataSource.query(
      `INSERT INTO ledger_balances (account_code, currency, bucket, balance, version, updated_at)
       VALUES ('seller:sel_minus:available', 'USD', 0, -3, 1, ?), ('channel:sandbox', 'JPY', 0, -3, 1, ?)`,
      [now, now],
    );

    const report = await sut.check();

    expect(report.balanced).toBe(false);
    expect(report.violations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'transaction_too_few_entries', transaction: 'ltx_thin' }),
        expect.objectContaining({ kind: 'transaction_unbalanced', transaction: 'ltx_thin' }),
        expect.objectContaining({
          kind: 'orphan_entry',
          transaction: 'ltx_missing',
          account: 'channel:sandbox',
        }),
        expect.objectContaining({ kind: 'negative_balance', account: 'seller:sel_minus:available' }),
        expect.objectContaining({ kind: 'balance_mismatch', account: 'seller:sel_minus:available' }),
      ]),
    );
    // The channel may go negative: its negative row is a mismatch with its entries, never a negative_balance.
    expect(report.violations).not.toContainEqual(
      expect.objectContaining({ kind: 'negative_balance', account: 'channel:sandbox' }),
    );
    // USD entries still sum to zero (5 and -5), so the currency itself balances.
    expect(report.violations).not.toContainEqual(expect.objectContaining({ kind: 'currency_unbalanced' }));
    const text = formatLedgerCheckReport(report);
    expect(text).toContain('transaction_too_few_entries (transaction ltx_thin)');
    expect(text).toContain('negative_balance (account seller:sel_minus:available)');
  });
});
