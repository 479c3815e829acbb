import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { EscrowService } from '@danbao/escrow';
import { Accounts, LedgerService } from '@danbao/ledger';
import { formatMoney } from '@danbao/money';
import { ApiError, CurrentPrincipal, Degradable, type Principal } from '@danbao/platform';
import { PayoutService, SettlementService, StatementService } from '@danbao/settlement';
import { when } from '../console/console.controller';
import { sellerBalanceRows } from '../settlement/seller-balance';
import { csvStatement, resolvePeriod, statementFilename } from '../settlement/statement.format';
import { balanceChart, chartWindow, dailyBalances } from './balance-chart';
import { SellerConsolePages } from './seller-auth.filter';
import { SellerPages } from './seller-pages';

/** Days the chart shows, today's included. */
export const CHART_DAYS = 30;
/** Payouts the page lists, newest first. */
export const RECENT_PAYOUTS = 20;
const CURRENCY = /^[A-Z]{3}$/;

/**
 * The seller console (/seller): a seller's balances per currency, the available balance of the
 * last 30 days as a chart drawn on the server, recent payouts. Only ever the seller of the session
 * cookie: the seller id is never read from the URL. Read-only, so no form and no CSRF token.
 */
@SellerConsolePages()
@Degradable('statements')
@Controller('seller')
export class SellerConsoleController {
  constructor(
    @Inject(SellerPages) private readonly pages: SellerPages,
    @Inject(EscrowService) private readonly escrow: EscrowService,
    @Inject(SettlementService) private readonly settlement: SettlementService,
    @Inject(PayoutService) private readonly payouts: PayoutService,
    @Inject(LedgerService) private readonly ledger: LedgerService,
    @Inject(StatementService) private readonly statements: StatementService,
  ) {}

  @Get()
  async home(
    @CurrentPrincipal() principal: Principal,
    @Query('currency') asked: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const sellerId = principal.id;
    const [balances, payouts] = await Promise.all([
      sellerBalanceRows(sellerId, this.escrow, this.settlement),
      this.payouts.list(sellerId, RECENT_PAYOUTS),
    ]);
    const currencies = balances.map((row) => row.currency);
    const currency =
      typeof asked === 'string' && CURRENCY.test(asked) && currencies.includes(asked)
        ? asked
        : (currencies[0] ?? null);
    const now = new Date();
    const { from } = chartWindow(now, CHART_DAYS);
    const chart = currency ? await this.chart(sellerId, currency, now) : null;
    const selected = balances.find((row) => row.currency === currency);
    const money = (amount: bigint, of: string) => formatMoney(amount, of);

    this.pages.render(
      reply,
      200,
      'home',
      'Seller console',
      {
        sellerId,
        currency,
        currencies: currencies.map((code) => ({
          code,
          href: `/seller?currency=${code}`,
          current: code === currency,
        })),
        balance: selected && {
          pending: money(selected.pending, selected.currency),
          incoming: money(selected.incoming, selected.currency),
          available: money(selected.available, selected.currency),
          inPayout: money(selected.inPayout, selected.currency),
          owed: selected.owed === 0n ? null : money(selected.owed, selected.currency),
        },
        chart,
        statement: currency && {
          href: `/seller/statement.csv?currency=${currency}&from=${from.toISOString().slice(0, 10)}`,
          period: `${currency}, from ${from.toISOString().slice(0, 10)} to now (UTC)`,
        },
        payouts: payouts.data.map((payout) => ({
          id: payout.id,
          amount: money(payout.amount, payout.currency),
          status: payout.status,
          method: payout.method,
          createdAt: when(payout.createdAt),
          failure: payout.failureCode ?? '',
        })),
        morePayouts: payouts.hasMore,
      },
      sellerId,
    );
  }

  /**
   * The statement download: the CSV of GET /v1/statements (the same lines, columns and formula
   * guard, streamed), as an attachment. The currency must be one the seller has had money in; a
   * bad period is a page saying so, not the API's JSON error.
   */
  @Get('statement.csv')
  async statement(
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, unknown>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const sellerId = principal.id;
    const currencies = await this.statements.currenciesOf(sellerId);
    const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
    const currency = text('currency') ?? (currencies.length === 1 ? currencies[0] : undefined);
    if (!currency || !CURRENCY.test(currency) || !currencies.includes(currency))
      return this.pages.message(
        reply,
        400,
        'No statement',
        'There is no statement in this currency',
        `Your balance has had money in ${currencies.join(', ') || 'no currency yet'}.`,
        sellerId,
      );
    let period: { from: Date; to: Date };
    try {
      period = resolvePeriod({ from: text('from')?.slice(0, 40), to: text('to')?.slice(0, 40) });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return this.pages.message(
        reply,
        400,
        'No statement',
        'This period cannot be downloaded',
        error.message,
        sellerId,
      );
    }
    const openingBalance = await this.statements.openingBalance(sellerId, currency, period.from);
    const lines = this.statements.lines(sellerId, currency, period.from, period.to, openingBalance);
    void reply
      .status(200)
      .type('text/csv; charset=utf-8')
      .header(
        'content-disposition',
        `attachment; filename="${statementFilename(currency, period.from, period.to)}"`,
      )
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(csvStatement(lines, currency));
  }

  /** The chart of the available balance: the balance before the window and the window's daily nets, two queries. */
  private async chart(sellerId: string, currency: string, now: Date): Promise<string> {
    const { from, days } = chartWindow(now, CHART_DAYS);
    const account = Accounts.sellerAvailable(sellerId);
    const [opening, totals] = await Promise.all([
      this.ledger.balanceAsOf(account, currency, new Date(from.getTime() - 1)),
      this.ledger.dailyTotals(account, currency, from, new Date(now.getTime() + 1)),
    ]);
    return balanceChart(
      dailyBalances(opening, totals, days),
      currency,
      `Available balance in ${currency}, last ${CHART_DAYS} days`,
    );
  }
}
