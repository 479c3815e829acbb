import type { StatementLine } from '@danbao/settlement';
import {
  csvStatement,
  guardFormula,
  jsonStatement,
  parseStatementDate,
  resolvePeriod,
  statementFilename,
  wantsCsv,
} from './statement.format';

// Pure: the statement's renderings and query rules, no database.

const line = (overrides: Partial<StatementLine>): StatementLine => ({
  id: 'ltx_1',
  createdAt: new Date('2026-11-02T08:00:00.000Z'),
  type: 'sale',
  orderId: 'ord_1',
  payoutId: null,
  amount: 9_800n,
  gross: 10_000n,
  fee: 200n,
  balanceAfter: 9_800n,
  ...overrides,
});

async function* each<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

async function text(stream: AsyncIterable<unknown>): Promise<string> {
  let all = '';
  for await (const chunk of stream) all += String(chunk);
  return all;
}

describe('guardFormula', () => {
  it('prefixes a quote to text that a spreadsheet would run as a formula', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠']) {
      expect(guardFormula(`${start}HYPERLINK("http://x")`)).toBe(`'${start}HYPERLINK("http://x")`);
    }
    expect(guardFormula('=1+1')).toBe("'=1+1");
    expect(guardFormula('-5000')).toBe("'-5000");
  });

  it('leaves ordinary text, and the empty cell, as it is', () => {
    for (const value of [
      'ord_01m8t431w156gxbxxcw040nneg',
      'sale',
      'CNY',
      '2026-11-02T08:00:00.000Z',
      '',
      "'",
    ]) {
      expect(guardFormula(value)).toBe(value);
    }
    expect(guardFormula('a=1')).toBe('a=1');
  });
});

describe('csvStatement', () => {
  it('writes the exact header, negative amounts as plain numbers, and guards text cells', async () => {
    const csv = await text(
      csvStatement(
        each([
          line({}),
          line({
            id: 'ltx_2',
            type: 'payout',
            orderId: null,
            payoutId: '@po_evil',
            amount: -5_000n,
            gross: null,
            fee: null,
            balanceAfter: 4_800n,
          }),
          line({
            id: 'ltx_3',
            type: 'adjustment',
            orderId: '=cmd|"/c calc"!A1',
            amount: -6_000n,
            balanceAfter: -1_200n,
          }),
        ]),
        'CNY',
      ),
    );
    expect(csv.split('\n')).toEqual([
      'created_at,type,order_id,payout_id,amount,currency,balance_after',
      '2026-11-02T08:00:00.000Z,sale,ord_1,,9800,CNY,9800',
      "2026-11-02T08:00:00.000Z,payout,,'@po_evil,-5000,CNY,4800",
      `2026-11-02T08:00:00.000Z,adjustment,"'=cmd|""/c calc""!A1",,-6000,CNY,-1200`,
      '',
    ]);
  });

  it('writes the header alone for a period without lines', async () => {
    expect(await text(csvStatement(each([]), 'USD'))).toBe(
      'created_at,type,order_id,payout_id,amount,currency,balance_after\n',
    );
  });

  it('fails the stream when reading the lines fails, rather than ending it short', async () => {
    async function* failing(): AsyncGenerator<StatementLine> {
      yield line({});
      throw new Error('database gone');
    }
    await expect(text(csvStatement(failing(), 'CNY'))).rejects.toThrow('database gone');
  });
});

describe('jsonStatement', () => {
  const head = {
    object: 'statement' as const,
    currency: 'CNY',
    from: '2026-11-01T00:00:00.000Z',
    to: '2026-12-01T00:00:00.000Z',
    opening_balance: 100,
  };

  it('streams one JSON object whose closing balance is the last line’s balance', async () => {
    const body = JSON.parse(
      await text(
        jsonStatement(
          head,
          100n,
          each([
            line({ balanceAfter: 9_900n }),
            line({
              id: 'ltx_2',
              type: 'payout',
              orderId: null,
              payoutId: 'po_1',
              amount: -900n,
              balanceAfter: 9_000n,
            }),
          ]),
        ),
      ),
    );
    expect(body).toEqual({
      ...head,
      data: [
        {
          id: 'ltx_1',
          created_at: '2026-11-02T08:00:00.000Z',
          type: 'sale',
          order_id: 'ord_1',
          amount: 9_800,
          gross: 10_000,
          fee: 200,
          balance_after: 9_900,
        },
        {
          id: 'ltx_2',
          created_at: '2026-11-02T08:00:00.000Z',
          type: 'payout',
          payout_id: 'po_1',
          amount: -900,
          balance_after: 9_000,
        },
      ],
      closing_balance: 9_000,
    });
  });

  it('closes at the opening balance when the period has no lines', async () => {
    const body = JSON.parse(await text(jsonStatement(head, 100n, each([]))));
    expect(body).toEqual({ ...head, data: [], closing_balance: 100 });
  });
});

describe('the query', () => {
  const now = new Date('2026-12-02T03:27:40.123Z');

  it('reads UTC dates and ISO timestamps, and refuses what names no real time', () => {
    expect(parseStatementDate('2026-11-01')).toEqual(new Date('2026-11-01T00:00:00.000Z'));
    expect(parseStatementDate('2026-11-01T08:30:00Z')).toEqual(new Date('2026-11-01T08:30:00.000Z'));
    expect(parseStatementDate('2026-11-01T08:30:00.5+08:00')).toEqual(new Date('2026-11-01T00:30:00.500Z'));
    expect(parseStatementDate('2026-11-01T08:30')).toEqual(new Date('2026-11-01T08:30:00.000Z'));
    for (const bad of [
      '2026-02-30',
      '2026-13-01',
      '2026-11-01T25:00Z',
      'yesterday',
      '1700000000',
      '2026-11-1',
      '',
    ]) {
      expect([bad, parseStatementDate(bad)]).toEqual([bad, null]);
    }
  });

  it('defaults to the last 30 days, and to 30 days before a given end', () => {
    expect(resolvePeriod({}, now)).toEqual({ from: new Date('2026-11-02T03:27:40.123Z'), to: now });
    expect(resolvePeriod({ to: '2026-03-01' }, now)).toEqual({
      from: new Date('2026-01-30T00:00:00.000Z'),
      to: new Date('2026-03-01T00:00:00.000Z'),
    });
  });

  it('answers parameter_invalid naming the parameter for a bad date, an empty or reversed period, or one too long', () => {
    const problem = (query: { from?: string; to?: string }) => {
      try {
        resolvePeriod(query, now);
        return null;
      } catch (error) {
        const { status, code, param } = error as { status: number; code: string; param: string };
        return { status, code, param };
      }
    };
    expect(problem({ from: 'last week' })).toEqual({ status: 400, code: 'parameter_invalid', param: 'from' });
    expect(problem({ to: '2026-02-30' })).toEqual({ status: 400, code: 'parameter_invalid', param: 'to' });
    expect(problem({ from: '2026-11-01', to: '2026-11-01' })).toEqual({
      status: 400,
      code: 'parameter_invalid',
      param: 'from',
    });
    expect(problem({ from: '2026-12-03' })).toMatchObject({ param: 'from' });
    expect(problem({ from: '2025-01-01', to: '2026-02-06' })).toMatchObject({
      code: 'parameter_invalid',
      param: 'from',
    });
    expect(problem({ from: '2025-01-01', to: '2026-02-05' })).toBeNull();
  });

  it('gives CSV only to an Accept that names text/csv at least as high as JSON', () => {
    expect(wantsCsv('text/csv')).toBe(true);
    expect(wantsCsv('text/csv; charset=utf-8')).toBe(true);
    expect(wantsCsv('application/json;q=0.5, text/csv')).toBe(true);
    expect(wantsCsv('text/csv, */*')).toBe(true);
    expect(wantsCsv(undefined)).toBe(false);
    expect(wantsCsv('*/*')).toBe(false);
    expect(wantsCsv('application/json')).toBe(false);
    expect(wantsCsv('text/csv;q=0.2, application/json')).toBe(false);
    expect(wantsCsv('text/csv;q=0')).toBe(false);
    expect(wantsCsv('text/html,application/xhtml+xml,*/*;q=0.8')).toBe(false);
  });

  it('names the CSV file by currency and period', () => {
    expect(statementFilename('CNY', new Date('2026-11-01T00:00:00Z'), new Date('2026-12-01T00:00:00Z'))).toBe(
      'statement-CNY-2026-11-01-2026-12-01.csv',
    );
    expect(statementFilename('USD', new Date('2026-11-02T03:27:40.123Z'), now)).toBe(
      'statement-USD-2026-11-02T032740Z-2026-12-02T032740Z.csv',
    );
  });
});
