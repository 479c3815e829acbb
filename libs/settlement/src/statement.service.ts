import { Inject, Injectable } from '@nestjs/common';
import { type AccountEntry, LedgerService } from '@danbao/ledger';
import { statementAccounts } from './settlement.service';
import { type StatementLine, statementLines } from './statement.lines';

/** Entries read per query while a statement streams. */
export const STATEMENT_PAGE = 1000;

/**
 * A seller's statement over a period, from the ledger: the opening balance (one SUM over the
 * seller's statement accounts before `from`) and the lines of [from, to), read in keyset pages so a
 * statement of any length streams in bounded memory. Each page is its own query (no transaction
 * is held open while a slow client downloads); the running balance is the opening balance plus the
 * lines, so a statement always adds up.
 */
@Injectable()
export class StatementService {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  /** The currencies the seller has ever had money in after release, sorted. */
  async currenciesOf(sellerId: string): Promise<string[]> {
    const balances = await this.ledger.balancesOf(statementAccounts(sellerId));
    return [...new Set(balances.map((balance) => balance.currency))].sort();
  }

  /** The seller's statement balance (incoming + available − owed) before `at`. */
  async openingBalance(sellerId: string, currency: string, at: Date): Promise<bigint> {
    return this.ledger.sumBefore(statementAccounts(sellerId), currency, at);
  }

  /** The seller's entries on its statement accounts in [from, to), oldest first, a page at a time. */
  async *entries(
    sellerId: string,
    currency: string,
    from: Date,
    to: Date,
    pageSize = STATEMENT_PAGE,
  ): AsyncGenerator<AccountEntry> {
    const accounts = statementAccounts(sellerId);
    let after: AccountEntry | undefined;
    for (;;) {
      const page = await this.ledger.entriesOf(accounts, currency, { from, to, after, limit: pageSize });
      yield* page;
      if (page.length < pageSize) return;
      after = page[page.length - 1];
    }
  }

  /** The statement's lines in [from, to), oldest first, each with the balance after it. */
  lines(
    sellerId: string,
    currency: string,
    from: Date,
    to: Date,
    openingBalance: bigint,
    pageSize = STATEMENT_PAGE,
  ): AsyncGenerator<StatementLine> {
    return statementLines(this.entries(sellerId, currency, from, to, pageSize), openingBalance);
  }
}
