import { Accounts, type LedgerReconciler, type LedgerService, type LedgerViolation } from '@danbao/ledger';
import { SettlementRepository } from './settlement.repository';

/**
 * What the books check adds for settlement, in the check's own snapshot:
 * - each seller's payout account holds exactly its payouts still on their way;
 * - no receivable is in the seller's favour, and no seller has money available while it owes
 *   (that would have been netted).
 */
export function settlementReconcilers(ledger: LedgerService): LedgerReconciler[] {
  const repository = new SettlementRepository();
  return [
    async (tx) => {
      const violations: LedgerViolation[] = [];
      const inFlight = await repository.inFlightTotals(tx);
      const balances = await ledger.balances('seller:', tx);
      const seen = new Set<string>();
      const owing = new Map<string, bigint>();
      for (const { account, currency, balance } of balances) {
        const seller = account.slice('seller:'.length, account.lastIndexOf(':'));
        if (account.endsWith(':payout')) {
          const key = `${seller} ${currency}`;
          seen.add(key);
          const expected = inFlight.get(key) ?? 0n;
          if (balance !== expected) {
            violations.push({
              kind: 'balance_unexplained',
              account,
              detail: `${account} holds ${balance} ${currency}; its payouts on their way total ${expected}`,
            });
          }
        }
        if (account.endsWith(':receivable')) {
          if (balance > 0n) {
            violations.push({
              kind: 'balance_unexplained',
              account,
              detail: `${account} is ${balance} ${currency}; a receivable is never in the seller's favour`,
            });
          }
          if (balance < 0n) owing.set(`${seller} ${currency}`, -balance);
        }
      }
      for (const [key, expected] of inFlight) {
        if (seen.has(key) || expected === 0n) continue;
        const [sellerId, currency] = key.split(' ');
        violations.push({
          kind: 'balance_unexplained',
          account: Accounts.sellerPayout(sellerId),
          detail: `payouts of ${expected} ${currency} are on their way but the payout account holds nothing`,
        });
      }
      for (const { account, currency, balance } of balances) {
        if (!account.endsWith(':available') || balance <= 0n) continue;
        const owed = owing.get(`${account.slice('seller:'.length, -':available'.length)} ${currency}`);
        if (owed !== undefined) {
          violations.push({
            kind: 'balance_unexplained',
            account,
            detail: `${account} holds ${balance} ${currency} while the seller owes ${owed}; it should have been netted`,
          });
        }
      }
      return violations;
    },
  ];
}
