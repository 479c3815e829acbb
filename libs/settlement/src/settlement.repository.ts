import { pageNewestFirst, type Page, type Tx } from '@danbao/platform';
import type { PayoutStatus, RiskTier, SellerSettings } from './payout.state';
import type { Payout } from './settlement.types';

interface PayoutRow {
  id: string;
  seller_id: string;
  currency: string;
  amount: string;
  status: PayoutStatus;
  method: Payout['method'];
  run_date: string | Date | null;
  settles_from: string;
  channel: string;
  channel_reference: string | null;
  failure_code: string | null;
  sent_at: Date | null;
  resolved_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const toPayout = (row: PayoutRow): Payout => ({
  id: row.id,
  sellerId: row.seller_id,
  currency: row.currency,
  amount: BigInt(row.amount),
  status: row.status,
  method: row.method,
  runDate:
    row.run_date === null
      ? null
      : row.run_date instanceof Date
        ? row.run_date.toISOString().slice(0, 10)
        : String(row.run_date).slice(0, 10),
  settlesFrom: BigInt(row.settles_from),
  channel: row.channel,
  channelReference: row.channel_reference,
  failureCode: row.failure_code,
  sentAt: row.sent_at,
  resolvedAt: row.resolved_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** The settlement row of one seller and currency: the lock its money moves take first. */
export interface SellerSettlement {
  sellerId: string;
  currency: string;
  maturedThrough: Date | null;
  /** Every amount ever taken out of available (payouts, refunds after release, receivable netting). */
  debitedTotal: bigint;
}

/** SQL of settlement, by intent. */
export class SettlementRepository {
  /** The settlement row of a seller and currency, created on first use and locked (FOR UPDATE). */
  async lockSettlement(tx: Tx, sellerId: string, currency: string, now: Date): Promise<SellerSettlement> {
    return (await this.lockSettlements(tx, [{ sellerId, currency }], now))[0];
  }

  /**
   * Several settlement rows, locked in key order (no deadlock between runs), created on first use.
   * Rows that exist are locked by SELECT … FOR UPDATE alone; missing ones are created with
   * INSERT … ON DUPLICATE KEY UPDATE, which takes the exclusive lock at once (INSERT IGNORE would
   * take a shared lock on a row another transaction just created, and two such upgrading to
   * FOR UPDATE deadlock).
   */
  async lockSettlements(
    tx: Tx,
    keys: { sellerId: string; currency: string }[],
    now: Date,
  ): Promise<SellerSettlement[]> {
    if (keys.length === 0) return [];
    const sorted = [...keys].sort((a, b) =>
      a.sellerId === b.sellerId ? (a.currency < b.currency ? -1 : 1) : a.sellerId < b.sellerId ? -1 : 1,
    );
    let locked = await this.selectForUpdate(tx, sorted);
    if (locked.length < sorted.length) {
      const found = new Set(locked.map((row) => `${row.sellerId} ${row.currency}`));
      const missing = sorted.filter((key) => !found.has(`${key.sellerId} ${key.currency}`));
      await tx.query(
        `INSERT INTO seller_settlements (seller_id, currency, matured_through, debited_total, updated_at)
         VALUES ${missing.map(() => '(?, ?, NULL, 0, ?)').join(', ')}
         ON DUPLICATE KEY UPDATE seller_id = seller_id`,
        missing.flatMap((key) => [key.sellerId, key.currency, now]),
      );
      locked = await this.selectForUpdate(tx, sorted);
    }
    return locked;
  }

  private async selectForUpdate(
    tx: Tx,
    sorted: { sellerId: string; currency: string }[],
  ): Promise<SellerSettlement[]> {
    const rows = await tx.query<
      { seller_id: string; currency: string; matured_through: Date | null; debited_total: string }[]
    >(
      `SELECT seller_id, currency, matured_through, debited_total FROM seller_settlements
       WHERE (seller_id, currency) IN (${sorted.map(() => '(?, ?)').join(', ')})
       ORDER BY seller_id, currency FOR UPDATE`,
      sorted.flatMap((key) => [key.sellerId, key.currency]),
    );
    return rows.map((row) => ({
      sellerId: row.seller_id,
      currency: row.currency,
      maturedThrough: row.matured_through,
      debitedTotal: BigInt(row.debited_total),
    }));
  }

  async markMatured(tx: Tx, sellerId: string, currency: string, through: Date, now: Date): Promise<void> {
    await tx.query(
      'UPDATE seller_settlements SET matured_through = ?, updated_at = ? WHERE seller_id = ? AND currency = ?',
      [through, now, sellerId, currency],
    );
  }

  /** Adds what was taken out of available to the row's running total. */
  async addDebited(
    tx: Tx,
    rows: { sellerId: string; currency: string; amount: bigint }[],
    now: Date,
  ): Promise<void> {
    if (rows.length === 0) return;
    // One statement for a page of sellers: CASE over the primary keys.
    await tx.query(
      `UPDATE seller_settlements SET debited_total = debited_total + CASE
         ${rows.map(() => 'WHEN seller_id = ? AND currency = ? THEN ?').join(' ')} ELSE 0 END,
         updated_at = ?
       WHERE (seller_id, currency) IN (${rows.map(() => '(?, ?)').join(', ')})`,
      [
        ...rows.flatMap((row) => [row.sellerId, row.currency, row.amount.toString()]),
        now,
        ...rows.flatMap((row) => [row.sellerId, row.currency]),
      ],
    );
  }

  async settings(tx: Tx, sellerIds: string[]): Promise<Map<string, SellerSettings>> {
    if (sellerIds.length === 0) return new Map();
    const rows = await tx.query<
      { seller_id: string; risk_tier: RiskTier | null; payout_delay_ms: string | null; updated_at: Date }[]
    >(
      `SELECT seller_id, risk_tier, payout_delay_ms, updated_at FROM seller_settings
       WHERE seller_id IN (${sellerIds.map(() => '?').join(', ')})`,
      sellerIds,
    );
    return new Map(
      rows.map((row) => [
        row.seller_id,
        {
          sellerId: row.seller_id,
          riskTier: row.risk_tier,
          payoutDelayMs: row.payout_delay_ms === null ? null : Number(row.payout_delay_ms),
          updatedAt: row.updated_at,
        },
      ]),
    );
  }

  async lockSettings(tx: Tx, sellerId: string, now: Date): Promise<SellerSettings> {
    await tx.query(
      // ON DUPLICATE KEY UPDATE locks an existing row exclusively at once (see lockSettlements).
      `INSERT INTO seller_settings (seller_id, risk_tier, payout_delay_ms, created_at, updated_at)
       VALUES (?, NULL, NULL, ?, ?) ON DUPLICATE KEY UPDATE seller_id = seller_id`,
      [sellerId, now, now],
    );
    await tx.query('SELECT seller_id FROM seller_settings WHERE seller_id = ? FOR UPDATE', [sellerId]);
    return (await this.settings(tx, [sellerId])).get(sellerId)!;
  }

  async saveSettings(tx: Tx, settings: SellerSettings): Promise<void> {
    await tx.query(
      'UPDATE seller_settings SET risk_tier = ?, payout_delay_ms = ?, updated_at = ? WHERE seller_id = ?',
      [settings.riskTier, settings.payoutDelayMs, settings.updatedAt, settings.sellerId],
    );
  }

  /** Inserts payouts; a scheduled payout whose seller, currency and run date exist is skipped (INSERT IGNORE). */
  async insertPayouts(tx: Tx, payouts: Payout[]): Promise<number> {
    if (payouts.length === 0) return 0;
    const result = await tx.query<{ affectedRows: number }>(
      `INSERT IGNORE INTO payouts (id, seller_id, currency, amount, status, method, run_date, settles_from, channel, created_at, updated_at)
       VALUES ${payouts.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      payouts.flatMap((payout) => [
        payout.id,
        payout.sellerId,
        payout.currency,
        payout.amount.toString(),
        payout.status,
        payout.method,
        payout.runDate,
        payout.settlesFrom.toString(),
        payout.channel,
        payout.createdAt,
        payout.updatedAt,
      ]),
    );
    return result.affectedRows;
  }

  async find(tx: Tx, id: string, forUpdate = false): Promise<Payout | undefined> {
    const [row] = await tx.query<PayoutRow[]>(
      `SELECT * FROM payouts WHERE id = ?${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row ? toPayout(row) : undefined;
  }

  async findMany(tx: Tx, ids: string[]): Promise<Payout[]> {
    if (ids.length === 0) return [];
    const rows = await tx.query<PayoutRow[]>(
      `SELECT * FROM payouts WHERE id IN (${ids.map(() => '?').join(', ')}) ORDER BY id`,
      ids,
    );
    return rows.map(toPayout);
  }

  /** The payouts of a run that exist already, by seller and currency. */
  async ofRun(tx: Tx, runDate: string, keys: { sellerId: string; currency: string }[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await tx.query<{ seller_id: string; currency: string }[]>(
      `SELECT seller_id, currency FROM payouts WHERE run_date = ? AND (seller_id, currency) IN (${keys
        .map(() => '(?, ?)')
        .join(', ')})`,
      [runDate, ...keys.flatMap((key) => [key.sellerId, key.currency])],
    );
    return new Set(rows.map((row) => `${row.seller_id} ${row.currency}`));
  }

  async markSent(tx: Tx, id: string, now: Date): Promise<void> {
    await tx.query(
      "UPDATE payouts SET status = IF(status = 'pending', 'in_transit', status), sent_at = COALESCE(sent_at, ?), updated_at = ? WHERE id = ?",
      [now, now, id],
    );
  }

  async finish(
    tx: Tx,
    id: string,
    status: 'paid' | 'failed',
    channelReference: string,
    failureCode: string | null,
    now: Date,
  ): Promise<void> {
    await tx.query(
      `UPDATE payouts SET status = ?, channel_reference = ?, failure_code = ?, resolved_at = ?, updated_at = ?
       WHERE id = ? AND status IN ('pending', 'in_transit')`,
      [status, channelReference, failureCode, now, now, id],
    );
  }

  /** A seller's payouts, newest first. */
  async list(tx: Tx, sellerId: string, limit: number, startingAfter?: string): Promise<Page<Payout>> {
    return pageNewestFirst<PayoutRow, Payout>(
      tx,
      { table: 'payouts', equals: { seller_id: sellerId } },
      limit,
      startingAfter,
      toPayout,
    );
  }

  /** Payouts not yet answered by the channel whose last change is older than `before` (sweep). */
  async unanswered(tx: Tx, before: Date, limit: number): Promise<Payout[]> {
    const rows = await tx.query<PayoutRow[]>(
      `SELECT * FROM payouts WHERE status IN ('pending', 'in_transit') AND updated_at < ? ORDER BY updated_at LIMIT ?`,
      [before, limit],
    );
    return rows.map(toPayout);
  }

  /** Payouts still on their way, by seller and currency (the books check: seller:payout holds them). */
  async inFlightTotals(tx: Tx): Promise<Map<string, bigint>> {
    const rows = await tx.query<{ seller_id: string; currency: string; total: string }[]>(
      `SELECT seller_id, currency, SUM(amount) AS total FROM payouts
       WHERE status IN ('pending', 'in_transit') GROUP BY seller_id, currency`,
    );
    return new Map(rows.map((row) => [`${row.seller_id} ${row.currency}`, BigInt(row.total)]));
  }
}
