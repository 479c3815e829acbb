import { EscrowService } from '@danbao/escrow';
import { toJsonAmount } from '@danbao/money';
import { SettlementService } from '@danbao/settlement';
import { BalanceResponse } from './settlement.dto';

/** A seller's balance in one currency, in minor units. */
export interface SellerBalanceRow {
  currency: string;
  /** Paid and held in escrow, not released yet. */
  pending: bigint;
  incoming: bigint;
  available: bigint;
  inPayout: bigint;
  owed: bigint;
}

/**
 * A seller's balance per currency, sorted by currency: `pending` from escrow, the rest from the
 * seller's ledger accounts. What GET /v1/balance answers and the seller console shows.
 */
export async function sellerBalanceRows(
  sellerId: string,
  escrow: EscrowService,
  settlement: SettlementService,
): Promise<SellerBalanceRow[]> {
  const [pending, balances] = await Promise.all([
    escrow.pendingBySeller(sellerId),
    settlement.balances(sellerId),
  ]);
  const byCurrency = new Map(balances.map((balance) => [balance.currency, balance]));
  const currencies = [...new Set([...pending.keys(), ...byCurrency.keys()])].sort();
  return currencies.map((currency) => ({
    currency,
    pending: pending.get(currency) ?? 0n,
    incoming: byCurrency.get(currency)?.incoming ?? 0n,
    available: byCurrency.get(currency)?.available ?? 0n,
    inPayout: byCurrency.get(currency)?.inPayout ?? 0n,
    owed: byCurrency.get(currency)?.owed ?? 0n,
  }));
}

/** A seller's balance as GET /v1/balance answers it: one column per kind, one entry per currency. */
export async function sellerBalance(
  sellerId: string,
  escrow: EscrowService,
  settlement: SettlementService,
): Promise<BalanceResponse> {
  const rows = await sellerBalanceRows(sellerId, escrow, settlement);
  const column = (pick: (row: SellerBalanceRow) => bigint) =>
    rows.map((row) => ({ amount: toJsonAmount(pick(row)), currency: row.currency }));
  return {
    object: 'balance',
    pending: column((row) => row.pending),
    incoming: column((row) => row.incoming),
    available: column((row) => row.available),
    in_payout: column((row) => row.inPayout),
    owed: column((row) => row.owed),
  };
}
