import type { AccountEntry } from '@danbao/ledger';

/** What a line of a seller's statement is (API.md, `GET /v1/statements`). */
export const STATEMENT_LINE_TYPES = ['sale', 'payout', 'payout_returned', 'adjustment'] as const;
export type StatementLineType = (typeof STATEMENT_LINE_TYPES)[number];

/**
 * One line of a seller's statement: one journal transaction that changed the seller's statement
 * balance (incoming + available − owed), with the balance after it.
 */
export interface StatementLine {
  /** The ledger transaction id. */
  id: string;
  createdAt: Date;
  type: StatementLineType;
  /** The order of a sale or of an adjustment (a refund after release); null where there is none. */
  orderId: string | null;
  /** The payout of a payout or a returned payout (and of an adjustment that names one). */
  payoutId: string | null;
  /** The change of the seller's balance: a sale net of its fee, a payout negative. */
  amount: bigint;
  /** A sale's gross amount and fee (from the release's metadata); null on other lines. */
  gross: bigint | null;
  fee: bigint | null;
  balanceAfter: bigint;
}

const metadataText = (entry: AccountEntry, key: string): string | null => {
  const value = entry.metadata?.[key];
  return typeof value === 'string' ? value : null;
};

const metadataAmount = (entry: AccountEntry, key: string): bigint | null => {
  const value = entry.metadata?.[key];
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return null;
};

/**
 * The statement line of one journal transaction, from its entries on the seller's statement
 * accounts (all of one transaction, in one currency); null when they net to zero (a maturation
 * moves incoming to available, a netting moves available to receivable: the balance is unchanged).
 */
export function lineOfTransaction(
  entries: readonly AccountEntry[],
): Omit<StatementLine, 'balanceAfter'> | null {
  if (entries.length === 0) return null;
  const [first] = entries;
  if (entries.some((entry) => entry.transactionId !== first.transactionId)) {
    throw new Error(`lineOfTransaction got entries of several transactions (${first.transactionId}, …)`);
  }
  const amount = entries.reduce((sum, entry) => sum + entry.amount, 0n);
  if (amount === 0n) return null;
  const base = {
    id: first.transactionId,
    createdAt: first.createdAt,
    amount,
    orderId: first.orderId,
    payoutId: metadataText(first, 'payout_id'),
    gross: null,
    fee: null,
  };
  switch (first.kind) {
    case 'release':
      return {
        ...base,
        type: 'sale',
        payoutId: null,
        gross: metadataAmount(first, 'gross'),
        fee: metadataAmount(first, 'fee'),
      };
    case 'payout':
      return { ...base, type: 'payout', orderId: null };
    case 'payout_returned':
      return { ...base, type: 'payout_returned', orderId: null };
    default:
      // A refund after release (`clawback`) and anything else that changed the balance.
      return { ...base, type: 'adjustment' };
  }
}

/**
 * The lines of a statement, oldest first, with the running balance from `openingBalance`: the
 * entries (ordered by created_at, transaction, entry, as LedgerService.entriesOf pages them, so a
 * transaction's entries are adjacent) are grouped by transaction, one group at a time. A group may
 * span two pages of the reader: it is only closed when an entry of another transaction (or the
 * end) arrives. Memory holds one transaction's entries, never the period's.
 */
export async function* statementLines(
  entries: AsyncIterable<AccountEntry> | Iterable<AccountEntry>,
  openingBalance: bigint,
): AsyncGenerator<StatementLine> {
  let balance = openingBalance;
  let group: AccountEntry[] = [];
  const close = (): StatementLine | null => {
    const line = lineOfTransaction(group);
    group = [];
    if (!line) return null;
    balance += line.amount;
    return { ...line, balanceAfter: balance };
  };
  for await (const entry of entries) {
    if (group.length > 0 && group[0].transactionId !== entry.transactionId) {
      const line = close();
      if (line) yield line;
    }
    group.push(entry);
  }
  const last = close();
  if (last) yield last;
}
