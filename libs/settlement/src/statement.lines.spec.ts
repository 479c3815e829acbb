import type { AccountEntry } from '@danbao/ledger';
import { lineOfTransaction, type StatementLine, statementLines } from './statement.lines';

// Pure: the grouping of a seller's ledger entries into statement lines, with no database.

const SELLER = 'sel_1';
const incoming = `seller:${SELLER}:incoming`;
const available = `seller:${SELLER}:available`;
const receivable = `seller:${SELLER}:receivable`;

let sequence = 0;
function entry(
  transactionId: string,
  kind: string,
  account: string,
  amount: bigint,
  extra: Partial<AccountEntry> = {},
): AccountEntry {
  sequence += 1;
  return {
    id: `len_${String(sequence).padStart(4, '0')}`,
    transactionId,
    account,
    kind,
    reference: `${kind}:${transactionId}`,
    orderId: null,
    metadata: null,
    amount,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, sequence)),
    ...extra,
  };
}

async function collect(lines: AsyncIterable<StatementLine>): Promise<StatementLine[]> {
  const all: StatementLine[] = [];
  for await (const line of lines) all.push(line);
  return all;
}

/** A seller's history: a sale, its maturation, a payout, its return, a refund after release and a netting. */
function history(): AccountEntry[] {
  return [
    entry('ltx_1', 'release', incoming, 9_800n, {
      orderId: 'ord_1',
      metadata: { hold_id: 'hold_1', gross: '10000', fee: '200', seller_id: SELLER },
    }),
    entry('ltx_2', 'maturation', incoming, -9_800n, { orderId: 'ord_1' }),
    entry('ltx_2', 'maturation', available, 9_800n, { orderId: 'ord_1' }),
    entry('ltx_3', 'payout', available, -5_000n, { metadata: { payout_id: 'po_1', seller_id: SELLER } }),
    entry('ltx_4', 'payout_returned', available, 5_000n, {
      metadata: { payout_id: 'po_1', failure_code: 'account_closed' },
    }),
    entry('ltx_5', 'clawback', available, -9_800n, {
      orderId: 'ord_1',
      metadata: { refund_id: 'rfd_1', payment_id: 'pay_1' },
    }),
    entry('ltx_5', 'clawback', receivable, -1_200n, { orderId: 'ord_1' }),
    entry('ltx_6', 'release', incoming, 3_000n, {
      orderId: 'ord_2',
      metadata: { gross: '3100', fee: '100' },
    }),
    entry('ltx_7', 'receivable_net', available, -1_200n),
    entry('ltx_7', 'receivable_net', receivable, 1_200n),
  ];
}

describe('lineOfTransaction', () => {
  it('makes a release a sale net of its fee, with gross and fee from the metadata and the order', () => {
    const line = lineOfTransaction([history()[0]]);
    expect(line).toMatchObject({
      id: 'ltx_1',
      type: 'sale',
      amount: 9_800n,
      gross: 10_000n,
      fee: 200n,
      orderId: 'ord_1',
      payoutId: null,
    });
  });

  it('skips a transaction that nets to zero on the statement accounts (maturation, netting)', () => {
    const [, maturationA, maturationB] = history();
    expect(lineOfTransaction([maturationA, maturationB])).toBeNull();
    expect(lineOfTransaction([])).toBeNull();
  });

  it('sums the seller’s legs of a refund after release into one negative adjustment of its order', () => {
    const entries = history().filter((item) => item.transactionId === 'ltx_5');
    expect(lineOfTransaction(entries)).toMatchObject({
      type: 'adjustment',
      amount: -11_000n,
      orderId: 'ord_1',
      payoutId: null,
      gross: null,
      fee: null,
    });
  });

  it('names the payout of a payout and of a returned payout, and no order', () => {
    const all = history();
    expect(lineOfTransaction([all[3]])).toMatchObject({ type: 'payout', amount: -5_000n, payoutId: 'po_1' });
    expect(lineOfTransaction([all[4]])).toMatchObject({
      type: 'payout_returned',
      amount: 5_000n,
      payoutId: 'po_1',
      orderId: null,
    });
  });

  it('makes any other kind with a non-zero sum an adjustment', () => {
    const line = lineOfTransaction([entry('ltx_x', 'manual_correction', available, 42n)]);
    expect(line).toMatchObject({ type: 'adjustment', amount: 42n });
  });

  it('refuses entries of two transactions as one group (a caller bug)', () => {
    const [first, second] = history();
    expect(() => lineOfTransaction([first, second])).toThrow(/several transactions/);
  });
});

describe('statementLines', () => {
  it('groups by transaction, skips the zero ones and keeps the running balance from the opening', async () => {
    const lines = await collect(statementLines(history(), 1_000n));
    expect(lines.map((line) => [line.id, line.type, line.amount, line.balanceAfter])).toEqual([
      ['ltx_1', 'sale', 9_800n, 10_800n],
      ['ltx_3', 'payout', -5_000n, 5_800n],
      ['ltx_4', 'payout_returned', 5_000n, 10_800n],
      ['ltx_5', 'adjustment', -11_000n, -200n],
      ['ltx_6', 'sale', 3_000n, 2_800n],
    ]);
  });

  it('carries a transaction split across two pages of the reader into one line', async () => {
    const all = history();
    // A reader whose pages are of two entries: ltx_5's two legs arrive in different pages.
    async function* paged(): AsyncGenerator<AccountEntry> {
      for (let start = 0; start < all.length; start += 2) {
        await new Promise((resolve) => setImmediate(resolve));
        yield* all.slice(start, start + 2);
      }
    }
    expect(all[5].transactionId).toBe('ltx_5');
    expect(all[6].transactionId).toBe('ltx_5');
    const whole = await collect(statementLines(all, 0n));
    const split = await collect(statementLines(paged(), 0n));
    expect(split).toEqual(whole);
    expect(split.find((line) => line.id === 'ltx_5')?.amount).toBe(-11_000n);
  });

  it('answers no line for no entries, and closes the last group at the end', async () => {
    expect(await collect(statementLines([], 5n))).toEqual([]);
    const [only] = await collect(statementLines([history()[0]], 5n));
    expect(only.balanceAfter).toBe(9_805n);
  });
});
