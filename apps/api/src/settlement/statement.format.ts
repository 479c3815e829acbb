import { pipeline, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { toJsonAmount } from '@danbao/money';
import { ApiError } from '@danbao/platform';
import type { StatementLine } from '@danbao/settlement';
import type { StatementLineResponse, StatementResponse } from './statement.dto';

/*
 * The statement's two renderings, both streamed: JSON written as its head, then the lines one by
 * one, then its tail; CSV through csv-stringify. Neither ever holds more than one line.
 */

const DAY_MS = 86_400_000;
export const DEFAULT_PERIOD_DAYS = 30;
export const MAX_PERIOD_DAYS = 400;

export const CSV_COLUMNS = [
  'created_at',
  'type',
  'order_id',
  'payout_id',
  'amount',
  'currency',
  'balance_after',
] as const;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * A UTC date (`YYYY-MM-DD`, midnight) or an ISO 8601 timestamp (an offset, or none for UTC); null
 * when it is neither or names no real day and time (2026-02-30, 25:00).
 */
export function parseStatementDate(text: string): Date | null {
  const date = DATE_ONLY.exec(text);
  const timestamp = date ? null : TIMESTAMP.exec(text);
  const parts = date ?? timestamp;
  if (!parts) return null;
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const [hour, minute, second] = timestamp
    ? [Number(timestamp[4]), Number(timestamp[5]), Number(timestamp[6] ?? 0)]
    : [0, 0, 0];
  const calendar = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    year < 1970 ||
    calendar.getUTCFullYear() !== year ||
    calendar.getUTCMonth() !== month - 1 ||
    calendar.getUTCDate() !== day ||
    calendar.getUTCHours() !== hour ||
    calendar.getUTCMinutes() !== minute ||
    calendar.getUTCSeconds() !== second
  ) {
    return null;
  }
  if (date) return calendar;
  const milliseconds = Number((timestamp![7] ?? '').padEnd(3, '0').slice(0, 3));
  const offset = timestamp![8];
  let offsetMs = 0;
  if (offset && offset !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const [offsetHours, offsetMinutes] = offset.slice(1).split(':').map(Number);
    if (offsetHours > 23 || offsetMinutes > 59) return null;
    offsetMs = sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  return new Date(calendar.getTime() + milliseconds - offsetMs);
}

/** The period [from, to) of a statement query: defaults, parsing and limits (400 naming the parameter). */
export function resolvePeriod(
  query: { from?: string; to?: string },
  now = new Date(),
): { from: Date; to: Date } {
  const parse = (name: 'from' | 'to'): Date | undefined => {
    const text = query[name];
    if (text === undefined || text === '') return undefined;
    const parsed = parseStatementDate(text);
    if (!parsed) {
      throw ApiError.badRequest(
        'parameter_invalid',
        `${name} must be a UTC date (YYYY-MM-DD) or an ISO 8601 timestamp.`,
        name,
      );
    }
    return parsed;
  };
  const givenFrom = parse('from');
  const givenTo = parse('to');
  const to = givenTo ?? now;
  const from = givenFrom ?? new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
  if (from.getTime() >= to.getTime()) {
    throw ApiError.badRequest('parameter_invalid', 'from must be before to.', 'from');
  }
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
    throw ApiError.badRequest(
      'parameter_invalid',
      `A statement covers at most ${MAX_PERIOD_DAYS} days; ask for several.`,
      'from',
    );
  }
  return { from, to };
}

/**
 * Whether the caller asked for CSV: `text/csv` named in Accept with a quality above 0 and not
 * below that of `application/json` (wildcards do not count against it). Anything else gets JSON.
 */
export function wantsCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  let csv = 0;
  let json = 0;
  for (const part of accept.split(',')) {
    const [range, ...parameters] = part.trim().split(';');
    const qParameter = parameters.map((parameter) => parameter.trim()).find((p) => /^q=/i.test(p));
    const q = qParameter === undefined ? 1 : Number(qParameter.slice(2));
    const quality = Number.isFinite(q) ? q : 0;
    const type = range.trim().toLowerCase();
    if (type === 'text/csv') csv = Math.max(csv, quality);
    else if (type === 'application/json') json = Math.max(json, quality);
  }
  return csv > 0 && csv >= json;
}

/** First characters that make a spreadsheet read a cell as a formula (and their full-width forms). */
const FORMULA_STARTS = new Set(['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']);

/**
 * Guards a text cell against formula injection: a cell starting with `=`, `+`, `-`, `@`, a tab or a
 * carriage return gets a leading `'`, so a spreadsheet shows it as text. Only for text: amounts
 * are written as numbers and stay numbers (`-5000`).
 */
export function guardFormula(text: string): string {
  return text.length > 0 && FORMULA_STARTS.has(text[0]) ? `'${text}` : text;
}

/** A line as the JSON answer shows it: order_id and payout_id where they apply, gross and fee on sales. */
export function toStatementItem(line: StatementLine): StatementLineResponse {
  // Built in the contract's key order.
  const item: Record<string, unknown> = {
    id: line.id,
    created_at: line.createdAt.toISOString(),
    type: line.type,
  };
  if (line.type === 'sale' || line.type === 'adjustment') item.order_id = line.orderId;
  if (line.type !== 'sale') item.payout_id = line.payoutId;
  item.amount = toJsonAmount(line.amount);
  if (line.type === 'sale') {
    item.gross = line.gross === null ? null : toJsonAmount(line.gross);
    item.fee = line.fee === null ? null : toJsonAmount(line.fee);
  }
  item.balance_after = toJsonAmount(line.balanceAfter);
  return item as unknown as StatementLineResponse;
}

/**
 * The JSON statement, a piece at a time: the head (through the opening balance and `"data":[`),
 * each line, then the closing balance, which is known only at the end (the opening balance plus
 * the lines); JSON's key order is free.
 */
export async function* jsonStatement(
  head: Omit<StatementResponse, 'data' | 'closing_balance'>,
  openingBalance: bigint,
  lines: AsyncIterable<StatementLine>,
): AsyncGenerator<string> {
  const opening = JSON.stringify(head);
  yield `${opening.slice(0, -1)},"data":[`;
  let closing = openingBalance;
  let first = true;
  for await (const line of lines) {
    yield `${first ? '\n' : ',\n'}${JSON.stringify(toStatementItem(line))}`;
    first = false;
    closing = line.balanceAfter;
  }
  yield `\n],"closing_balance":${toJsonAmount(closing)}}\n`;
}

/** A line as a CSV record: text cells are strings (guarded), amounts numbers. */
export function toCsvRecord(line: StatementLine, currency: string): (string | number)[] {
  return [
    line.createdAt.toISOString(),
    line.type,
    line.orderId ?? '',
    line.payoutId ?? '',
    toJsonAmount(line.amount),
    currency,
    toJsonAmount(line.balanceAfter),
  ];
}

/** The CSV statement as a stream: the header, then one record per line, every text cell guarded. */
export function csvStatement(lines: AsyncIterable<StatementLine>, currency: string): Readable {
  const records = Readable.from(
    (async function* () {
      for await (const line of lines) yield toCsvRecord(line, currency);
    })(),
  );
  const csv = stringify({
    header: true,
    columns: [...CSV_COLUMNS],
    cast: { string: (value) => guardFormula(value) },
  });
  // A failing read destroys the output too, so the client sees a broken download, not a short one.
  return pipeline(records, csv, () => undefined);
}

/**
 * `statement-CNY-2026-11-01-2026-12-01.csv`; a bound that is not midnight keeps its time to the
 * second, without colons (`2026-12-02T032740Z`).
 */
export function statementFilename(currency: string, from: Date, to: Date): string {
  const name = (at: Date) => {
    const iso = at.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 19).replace(/:/g, '')}Z`;
  };
  return `statement-${currency}-${name(from)}-${name(to)}.csv`;
}
