import fc from 'fast-check';
import { Accounts } from './accounts';
import { InsufficientFundsError, InvalidTransactionError, UnbalancedTransactionError } from './ledger.errors';
import type { PostInput } from './ledger.types';
import {
  allocateSpreadDebit,
  BalanceDelta,
  planPostings,
  SpreadDebit,
  validatePostInput,
} from './posting-plan';

const seed = Number(process.env.FC_SEED ?? Date.now() % 2_147_483_647);
beforeAll(() => console.log(`posting-plan.spec fast-check seed: ${seed} (replay with FC_SEED=${seed})`));

function payment(orderId: string, amount: bigint): PostInput {
  return {
    reference: `payment:${orderId}`,
    kind: 'payment',
    orderId,
    postings: [
      { account: Accounts.channel('sandbox'), currency: 'CNY', amount: -amount },
      { account: Accounts.escrow(orderId), currency: 'CNY', amount },
    ],
  };
}

function release(orderId: string, sellerId: string, amount: bigint, fee: bigint): PostInput {
  return {
    reference: `release:${orderId}`,
    kind: 'release',
    orderId,
    postings: [
      { account: Accounts.escrow(orderId), currency: 'CNY', amount: -amount },
      { account: Accounts.sellerAvailable(sellerId), currency: 'CNY', amount: amount - fee },
      { account: Accounts.platformFees(), currency: 'CNY', amount: fee },
    ],
  };
}

describe('validatePostInput', () => {
  it('accepts a balanced transaction and returns its metadata as JSON text', () => {
    const sut = { ...payment('ord_1', 1999n), metadata: { payment_id: 'pay_1', attempt: 1 } };
    expect(validatePostInput(sut)).toBe('{"payment_id":"pay_1","attempt":1}');
    expect(validatePostInput(payment('ord_1', 1999n))).toBeNull();
  });

  it('refuses postings that do not sum to zero per currency, even when the grand total is zero', () => {
    const sut: PostInput = {
      reference: 'fx',
      kind: 'adjustment',
      postings: [
        { account: 'channel:a', currency: 'CNY', amount: -100n },
        { account: 'channel:b', currency: 'USD', amount: 100n },
      ],
    };
    expect(() => validatePostInput(sut)).toThrow(UnbalancedTransactionError);
    expect(() => validatePostInput(sut)).toThrow(
      expect.objectContaining({ status: 500, code: 'ledger_unbalanced' }),
    );
  });

  it.each([
    ['one posting', { postings: [{ account: 'channel:a', currency: 'CNY', amount: 1n }] }],
    [
      'a zero amount',
      {
        postings: [
          { account: 'channel:a', currency: 'CNY', amount: 0n },
          { account: 'channel:b', currency: 'CNY', amount: 0n },
        ],
      },
    ],
    [
      'a number amount',
      {
        postings: [
          { account: 'channel:a', currency: 'CNY', amount: -1 },
          { account: 'channel:b', currency: 'CNY', amount: 1 },
        ],
      },
    ],
    [
      'an unknown currency',
      {
        postings: [
          { account: 'channel:a', currency: 'XXX', amount: -1n },
          { account: 'channel:b', currency: 'XXX', amount: 1n },
        ],
      },
    ],
    [
      'a malformed account code',
      {
        postings: [
          { account: 'channel a', currency: 'CNY', amount: -1n },
          { account: 'channel:b', currency: 'CNY', amount: 1n },
        ],
      },
    ],
    ['an empty reference', { reference: '' }],
    ['a reference with a control character', { reference: 'a\nb' }],
    ['a reference over 191 characters', { reference: 'r'.repeat(192) }],
    ['an upper-case kind', { kind: 'Payment' }],
    ['metadata with an object value', { metadata: { nested: {} } }],
    ['metadata with NaN', { metadata: { n: NaN } }],
  ])('refuses %s as a malformed transaction', (_label, override) => {
    const sut = { ...payment('ord_1', 5n), ...override } as unknown as PostInput;
    expect(() => validatePostInput(sut)).toThrow(InvalidTransactionError);
  });
});

describe('planPostings', () => {
  it('writes a payment as two entries and one upsert, the hot channel after the escrow', () => {
    const sut = planPostings([payment('ord_1', 1999n)], () => 7);
    expect(sut.entries).toEqual([
      { transactionIndex: 0, account: 'channel:sandbox', currency: 'CNY', bucket: 7, amount: -1999n },
      { transactionIndex: 0, account: 'escrow:ord_1', currency: 'CNY', bucket: 0, amount: 1999n },
    ]);
    expect(sut.steps).toEqual([
      {
        kind: 'upsert',
        rows: [
          { account: 'escrow:ord_1', currency: 'CNY', bucket: 0, delta: 1999n },
          { account: 'channel:sandbox', currency: 'CNY', bucket: 7, delta: -1999n },
        ],
      },
    ]);
  });

  it('guards the escrow debit of a release on its own and upserts the credits after it', () => {
    const sut = planPostings([release('ord_1', 'sel_1', 1999n, 40n)], () => 3);
    expect(sut.steps).toEqual([
      { kind: 'debit', row: { account: 'escrow:ord_1', currency: 'CNY', bucket: 0, delta: -1999n } },
      {
        kind: 'upsert',
        rows: [
          { account: 'seller:sel_1:available', currency: 'CNY', bucket: 0, delta: 1959n },
          { account: 'platform:fees', currency: 'CNY', bucket: 3, delta: 40n },
        ],
      },
    ]);
  });

  it('sums a batch per balance row and uses one bucket per hot account for the whole batch', () => {
    let calls = 0;
    const sut = planPostings(
      [release('ord_1', 'sel_1', 1000n, 20n), release('ord_2', 'sel_1', 500n, 10n)],
      () => {
        calls += 1;
        return 9;
      },
    );
    expect(calls).toBe(1);
    expect(sut.entries).toHaveLength(6);
    const upsert = sut.steps.find((step) => step.kind === 'upsert') as { rows: BalanceDelta[] };
    expect(upsert.rows).toEqual([
      { account: 'seller:sel_1:available', currency: 'CNY', bucket: 0, delta: 1470n },
      { account: 'platform:fees', currency: 'CNY', bucket: 9, delta: 30n },
    ]);
    expect(sut.steps.filter((step) => step.kind === 'debit')).toHaveLength(2);
  });

  it('leaves a fee-account debit to be split across buckets once they are locked', () => {
    const sut = planPostings(
      [
        {
          reference: 'withdraw',
          kind: 'fee_withdrawal',
          postings: [
            { account: 'platform:fees', currency: 'CNY', amount: -70n },
            { account: 'bank:payouts', currency: 'CNY', amount: 70n },
          ],
        },
      ],
      () => 2,
    );
    expect(sut.entries).toEqual([
      { transactionIndex: 0, account: 'bank:payouts', currency: 'CNY', bucket: 2, amount: 70n },
    ]);
    expect(sut.steps[1]).toEqual({
      kind: 'spread-debit',
      debit: {
        account: 'platform:fees',
        currency: 'CNY',
        creditBucket: 2,
        credits: 0n,
        debits: [{ transactionIndex: 0, amount: 70n }],
      },
    });
  });

  it('orders balance rows the same way whatever order the postings come in (no opposite-order locks)', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(['escrow:o1', 'escrow:o2', 'seller:s1:available', 'channel:x', 'platform:fees'], {
          minLength: 2,
        }),
        (accounts) => {
          const postings = accounts.map((account, index) => ({
            account,
            currency: 'CNY',
            amount: index === 0 ? BigInt(accounts.length - 1) : -1n,
          }));
          const order = (list: typeof postings) =>
            planPostings([{ reference: 'r', kind: 'k', postings: list }], () => 0)
              .steps.flatMap((step): { account: string }[] =>
                step.kind === 'upsert' ? step.rows : step.kind === 'debit' ? [step.row] : [step.debit],
              )
              .map((row) => row.account);
          const forward = order(postings);
          const backward = order([...postings].reverse());
          const hotStart = forward.findIndex(
            (account) => account === 'channel:x' || account === 'platform:fees',
          );
          const nonHot = hotStart === -1 ? forward : forward.slice(0, hotStart);
          return (
            JSON.stringify(forward) === JSON.stringify(backward) &&
            JSON.stringify(nonHot) === JSON.stringify([...nonHot].sort())
          );
        },
      ),
      { seed, numRuns: 200 },
    );
  });

  it('plans entries and balance deltas that agree for any batch of balanced transactions', () => {
    const accounts = [
      'escrow:o1',
      'escrow:o2',
      'seller:s1:available',
      'channel:x',
      'platform:fees',
      'bank:payouts',
    ];
    const transaction = fc
      .array(
        fc.record({ account: fc.constantFrom(...accounts), amount: fc.bigInt({ min: 1n, max: 1000n }) }),
        {
          minLength: 1,
          maxLength: 4,
        },
      )
      .map((credits) => {
        const total = credits.reduce((sum, credit) => sum + credit.amount, 0n);
        return [
          ...credits.map((credit) => ({ account: credit.account, currency: 'CNY', amount: credit.amount })),
          { account: 'channel:x', currency: 'CNY', amount: -total },
        ];
      });
    fc.assert(
      fc.property(fc.array(transaction, { minLength: 1, maxLength: 5 }), (batch) => {
        const inputs = batch.map((postings, index) => ({ reference: `r${index}`, kind: 'test', postings }));
        const plan = planPostings(inputs, () => 5);
        const rows = plan.steps.flatMap((step) =>
          step.kind === 'upsert' ? step.rows : step.kind === 'debit' ? [step.row] : [],
        );
        const entrySums = new Map<string, bigint>();
        for (const entry of plan.entries) {
          const key = `${entry.account}/${entry.bucket}`;
          entrySums.set(key, (entrySums.get(key) ?? 0n) + entry.amount);
        }
        const postings = inputs.flatMap((input) => input.postings);
        return (
          plan.entries.length === postings.length &&
          plan.entries.reduce((sum, entry) => sum + entry.amount, 0n) === 0n &&
          rows.every((row) => entrySums.get(`${row.account}/${row.bucket}`) === row.delta) &&
          [...entrySums.entries()].every(
            ([key, sum]) => sum === 0n || rows.some((row) => `${row.account}/${row.bucket}` === key),
          )
        );
      }),
      { seed, numRuns: 300 },
    );
  });
});

describe('allocateSpreadDebit', () => {
  const debit = (amounts: bigint[], credits = 0n): SpreadDebit => ({
    account: 'platform:fees',
    currency: 'CNY',
    creditBucket: 0,
    credits,
    debits: amounts.map((amount, transactionIndex) => ({ transactionIndex, amount })),
  });

  it('takes from the fullest buckets first and never below zero', () => {
    const sut = allocateSpreadDebit(
      debit([70n]),
      new Map([
        [1, 50n],
        [2, 30n],
        [3, 10n],
      ]),
    );
    expect(sut.rows).toEqual([
      { account: 'platform:fees', currency: 'CNY', bucket: 1, delta: -50n },
      { account: 'platform:fees', currency: 'CNY', bucket: 2, delta: -20n },
    ]);
    expect(sut.entries.map((entry) => [entry.bucket, entry.amount])).toEqual([
      [1, -50n],
      [2, -20n],
    ]);
  });

  it('throws InsufficientFundsError naming the account when all buckets together are short', () => {
    expect(() => allocateSpreadDebit(debit([91n]), new Map([[1, 90n]]))).toThrow(InsufficientFundsError);
    expect(() => allocateSpreadDebit(debit([91n]), new Map([[1, 90n]]))).toThrow(
      expect.objectContaining({ account: 'platform:fees', status: 409, code: 'insufficient_funds' }),
    );
  });

  it('splits any debits over any buckets so that entries per bucket equal the bucket deltas', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 100n }), { minLength: 1, maxLength: 16 }),
        fc.array(fc.bigInt({ min: 1n, max: 120n }), { minLength: 1, maxLength: 5 }),
        fc.bigInt({ min: 0n, max: 50n }),
        (balances, amounts, credits) => {
          const buckets = new Map(balances.map((balance, bucket) => [bucket, balance]));
          const total = balances.reduce((sum, balance) => sum + balance, 0n) + credits;
          const needed = amounts.reduce((sum, amount) => sum + amount, 0n);
          let result;
          try {
            result = allocateSpreadDebit(debit(amounts, credits), buckets);
          } catch (error) {
            return error instanceof InsufficientFundsError && total < needed;
          }
          const perBucket = new Map<number, bigint>([[0, credits]]);
          for (const entry of result.entries) {
            perBucket.set(entry.bucket, (perBucket.get(entry.bucket) ?? 0n) + entry.amount);
          }
          const perDebit = amounts.map((_amount, index) =>
            result.entries
              .filter((entry) => entry.transactionIndex === index)
              .reduce((sum, entry) => sum - entry.amount, 0n),
          );
          return (
            total >= needed &&
            result.rows.every((row) => perBucket.get(row.bucket) === row.delta) &&
            result.rows.every((row) => (buckets.get(row.bucket) ?? 0n) + row.delta >= 0n) &&
            perDebit.every((paid, index) => paid === amounts[index])
          );
        },
      ),
      { seed, numRuns: 500 },
    );
  });
});
