import type { DataSource } from 'typeorm';
import { payInPosting } from '@danbao/escrow';
import { LedgerService } from '@danbao/ledger';
import { Database, databaseOf, newId, runInTransaction } from '@danbao/platform';

/*
 * Factories of paid and shipped orders, written the way a successful payment writes them (one
 * transaction: the order `paid`, one hold per order, and the ledger's pay-in posting
 * `channel:sandbox → escrow:<orderId>` under reference `payment:<paymentId>`), so the escrow's
 * tests need not go through checkout. Raw SQL for orders and holds (fast in bulk), the real
 * LedgerService for the money, so the books balance exactly as in production.
 */

export interface PaidOrderInput {
  sellerId?: string;
  buyerId?: string;
  amount?: bigint | number;
  currency?: string;
  feeBps?: number;
  autoConfirmDays?: number | null;
}

export interface PaidOrderOptions {
  /** When the payment happened (default now). */
  now?: Date;
  /** MAX_HOLD of the holds (default 90 days). */
  maxHoldMs?: number;
  /**
   * Also store the succeeded payment (visa …4242) the orders show as `latest_payment`, and the
   * sandbox acquirer's record of its charge (so it can be refunded); needs the checkout tables.
   */
  withPayment?: boolean;
  /** The card the sandbox charged (default 4242; 5126 is the card whose first refund fails). */
  cardLast4?: string;
}

export interface PaidOrder {
  orderId: string;
  holdId: string;
  paymentId: string;
  sellerId: string;
  buyerId: string;
  amount: bigint;
  currency: string;
  feeBps: number;
}

const CHUNK = 500;

/** The Database of a test's DataSource (tests hold either). */
export function asDatabase(source: DataSource | Database): Database {
  return source instanceof Database ? source : databaseOf(source);
}
const DAY_MS = 86_400_000;

function marks(rows: number, columns: number): string {
  const row = `(${new Array<string>(columns).fill('?').join(', ')})`;
  return new Array<string>(rows).fill(row).join(', ');
}

/** Paid orders with their holds and pay-in postings, inserted in chunks of 500 per transaction. */
export async function makePaidOrders(
  dataSource: DataSource | Database,
  inputs: PaidOrderInput[],
  options: PaidOrderOptions = {},
): Promise<PaidOrder[]> {
  const ledger = new LedgerService(asDatabase(dataSource));
  const now = options.now ?? new Date();
  const expiresAt = new Date(now.getTime() + (options.maxHoldMs ?? 90 * DAY_MS));
  const made: PaidOrder[] = [];
  for (let start = 0; start < inputs.length; start += CHUNK) {
    const chunk = inputs.slice(start, start + CHUNK).map((input) => ({
      orderId: newId('ord'),
      holdId: newId('hold'),
      paymentId: newId('pay'),
      sellerId: input.sellerId ?? `sel_${newId('x').slice(-10)}`,
      buyerId: input.buyerId ?? `buy_${newId('x').slice(-10)}`,
      amount: BigInt(input.amount ?? 10_000),
      currency: input.currency ?? 'CNY',
      feeBps: input.feeBps ?? 200,
      autoConfirmDays: input.autoConfirmDays ?? null,
    }));
    await runInTransaction(asDatabase(dataSource), async (tx) => {
      await tx.query(
        `INSERT INTO orders (id, buyer_id, seller_id, amount, currency, description, fee_bps, auto_confirm_days, status,
           checkout_session_id, latest_payment_id, latest_payment_status, latest_payment_card_brand,
           latest_payment_card_last4, paid_at, created_at, updated_at)
         VALUES ${marks(chunk.length, 17)}`,
        chunk.flatMap((order) => [
          order.orderId,
          order.buyerId,
          order.sellerId,
          order.amount.toString(),
          order.currency,
          'factory order',
          order.feeBps,
          order.autoConfirmDays,
          'paid',
          `cs_${order.orderId}`,
          order.paymentId,
          // The order shows its payment only where the payment row exists too.
          options.withPayment ? 'succeeded' : null,
          options.withPayment ? 'visa' : null,
          options.withPayment ? '4242' : null,
          now,
          now,
          now,
        ]),
      );
      await tx.query(
        `INSERT INTO holds (id, order_id, seller_id, amount, currency, fee_bps, status, payment_id, channel, expires_at, created_at, updated_at)
         VALUES ${marks(chunk.length, 12)}`,
        chunk.flatMap((order) => [
          order.holdId,
          order.orderId,
          order.sellerId,
          order.amount.toString(),
          order.currency,
          order.feeBps,
          'held',
          order.paymentId,
          'sandbox',
          expiresAt,
          now,
          now,
        ]),
      );
      if (options.withPayment) {
        await tx.query(
          `INSERT INTO payments (id, session_id, channel, amount, currency, status, card_brand, card_last4, created_at, updated_at)
           VALUES ${marks(chunk.length, 10)}`,
          chunk.flatMap((order) => [
            order.paymentId,
            `cs_${order.orderId}`,
            'sandbox',
            order.amount.toString(),
            order.currency,
            'succeeded',
            'visa',
            '4242',
            now,
            now,
          ]),
        );
        // The sandbox acquirer's own record of the charge, so it can refund it.
        await tx.query(
          `INSERT INTO sandbox_charges (id, kind, reference, amount, currency, card_last4, result, created_at)
           VALUES ${marks(chunk.length, 8)}`,
          chunk.flatMap((order) => [
            newId('ch'),
            'payment',
            order.paymentId,
            order.amount.toString(),
            order.currency,
            options.cardLast4 ?? '4242',
            'succeeded',
            now,
          ]),
        );
      }
      // The pay-in posting escrow writes for a real payment.
      await ledger.postMany(
        tx,
        chunk.map((order) =>
          payInPosting({
            paymentId: order.paymentId,
            channel: 'sandbox',
            amount: order.amount,
            currency: order.currency,
            orders: [order],
          }),
        ),
      );
    });
    made.push(...chunk.map(({ autoConfirmDays: _unused, ...order }) => order));
  }
  return made;
}

export async function makePaidOrder(
  dataSource: DataSource | Database,
  input: PaidOrderInput = {},
  options: PaidOrderOptions = {},
): Promise<PaidOrder> {
  const [order] = await makePaidOrders(dataSource, [input], options);
  return order;
}

export interface ShipOptions {
  /** The receipt deadline (orders.auto_confirm_at and the hold's release_due_at). */
  autoConfirmAt: Date;
  /** Set when the buyer has confirmed receipt (the release is then due at once). */
  confirmedAt?: Date;
  method?: string;
}

/**
 * Marks paid orders shipped, as POST /v1/orders/:id/shipments would (without its event or its
 * deadline job): for tests that need many shipped orders fast, and for what the sweep must find.
 */
export async function shipOrders(
  dataSource: DataSource | Database,
  orders: PaidOrder[],
  options: ShipOptions,
): Promise<void> {
  const now = new Date();
  for (let start = 0; start < orders.length; start += CHUNK) {
    const chunk = orders.slice(start, start + CHUNK);
    const ids = chunk.map((order) => order.orderId);
    const holdIds = chunk.map((order) => order.holdId);
    await runInTransaction(asDatabase(dataSource), async (tx) => {
      await tx.query(
        `UPDATE orders SET status = 'shipped', shipment_method = ?, shipment_carrier = ?, shipment_tracking_number = ?,
           shipped_at = ?, auto_confirm_at = ?, updated_at = ?
         WHERE id IN (${ids.map(() => '?').join(',')}) AND status = 'paid'`,
        [options.method ?? 'express', 'SF Express', 'SF0000000000', now, options.autoConfirmAt, now, ...ids],
      );
      const due = options.confirmedAt ?? options.autoConfirmAt;
      await tx.query(
        `UPDATE holds SET release_due_at = ?, confirmed_at = ?, updated_at = ?
         WHERE id IN (${holdIds.map(() => '?').join(',')}) AND status = 'held'`,
        [due, options.confirmedAt ?? null, now, ...holdIds],
      );
    });
  }
}
