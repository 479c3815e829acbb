import { createDataSource, platformMigrations, databaseOf } from '@danbao/platform';
import { createTestDatabase, TestDatabase } from '@danbao/testing';
import { DataSource } from 'typeorm';
import { Accounts } from './accounts';
import { LedgerService } from './ledger.service';
import { ledgerMigrations } from './migrations';

// Proves LedgerService.dailyTotals: the net per UTC day of one account and currency, what the
// seller console's balance chart is built from. Real MariaDB (a database of this file's own).

let database: TestDatabase;
let dataSource: DataSource;
let sut: LedgerService;

beforeAll(async () => {
  database = await createTestDatabase([...platformMigrations, ...ledgerMigrations]);
  dataSource = await createDataSource({ databaseUrl: database.databaseUrl, poolSize: 4 }).initialize();
  sut = new LedgerService(databaseOf(dataSource));
});

afterAll(async () => {
  if (dataSource?.isInitialized) {
    expect((await sut.check()).violations).toEqual([]);
    await dataSource.destroy();
  }
  await database?.drop();
});

let sequence = 0;
const unique = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(sequence += 1)}`;

/** Posts `amount` to the account (negative: out of it) and moves its entries to `at`. */
async function move(account: string, currency: string, amount: bigint, at: Date): Promise<void> {
  const posted = await sut.postInOwnTransaction({
    reference: unique('move'),
    kind: 'adjustment',
    postings: [
      { account: 'channel:sandbox', currency, amount: -amount },
      { account, currency, amount },
    ],
  });
  await dataSource.query('UPDATE ledger_entries SET created_at = ? WHERE transaction_id = ?', [
    at,
    posted.transactionId,
  ]);
}

describe('LedgerService.dailyTotals', () => {
  it('sums each UTC day of [from, to) of one account and currency, and nothing else', async () => {
    const seller = unique('sel');
    const account = Accounts.sellerAvailable(seller);
    const other = Accounts.sellerAvailable(unique('sel'));
    const at = (iso: string) => new Date(iso);

    await move(account, 'CNY', 500n, at('2026-10-31T23:59:59.999Z')); // before the window
    await move(account, 'CNY', 1000n, at('2026-11-01T00:00:00.000Z')); // the window's first instant
    await move(account, 'CNY', 250n, at('2026-11-01T23:59:59.999Z'));
    await move(account, 'CNY', -300n, at('2026-11-03T08:00:00.000Z'));
    await move(account, 'CNY', 40n, at('2026-11-03T09:00:00.000Z'));
    await move(account, 'USD', 9999n, at('2026-11-03T09:00:00.000Z')); // another currency
    await move(other, 'CNY', 7777n, at('2026-11-02T12:00:00.000Z')); // another account
    await move(account, 'CNY', 60n, at('2026-11-05T00:00:00.000Z')); // the window's end: excluded

    const totals = await sut.dailyTotals(
      account,
      'CNY',
      at('2026-11-01T00:00:00Z'),
      at('2026-11-05T00:00:00Z'),
    );
    expect([...totals]).toEqual([
      ['2026-11-01', 1250n],
      ['2026-11-03', -260n],
    ]);
    // With the balance before the window, the days add up to the balance at its end.
    const before = await sut.balanceAsOf(account, 'CNY', at('2026-10-31T23:59:59.999Z'));
    expect(before + [...totals.values()].reduce((sum, total) => sum + total, 0n)).toBe(
      await sut.balanceAsOf(account, 'CNY', at('2026-11-04T23:59:59.999Z')),
    );
    expect(
      await sut.dailyTotals(account, 'EUR', at('2026-11-01T00:00:00Z'), at('2026-11-05T00:00:00Z')),
    ).toEqual(new Map());
  });
});
