import { toJsonAmount } from '@danbao/money';
import type { Order } from './order.types';

/** What the order resource embeds about its hold once paid. */
export interface HoldSummary {
  amount: number;
  released: number;
  refunded: number;
  status: string;
}

const iso = (date: Date | null): string | null => (date ? new Date(date).toISOString() : null);

/**
 * The order as API.md shows it (snake_case, integer amounts), also used as the object of
 * `order.*` events so that webhooks and reads agree.
 */
export function toOrderResource(order: Order, options: { publicUrl: string; hold?: HoldSummary }) {
  return {
    id: order.id,
    object: 'order' as const,
    status: order.status,
    buyer_id: order.buyerId,
    seller_id: order.sellerId,
    amount: toJsonAmount(order.amount),
    currency: order.currency,
    description: order.description,
    fee_bps: order.feeBps,
    auto_confirm_days: order.autoConfirmDays,
    return_url: order.returnUrl,
    metadata: order.metadata ?? {},
    checkout_url: `${options.publicUrl}/checkout/${order.checkoutSessionId}`,
    latest_payment: order.latestPayment,
    hold: options.hold ?? null,
    shipment: order.shipmentMethod
      ? {
          method: order.shipmentMethod,
          carrier: order.shipmentCarrier,
          tracking_number: order.shipmentTrackingNumber,
          shipped_at: iso(order.shippedAt),
        }
      : null,
    auto_confirm_at: iso(order.autoConfirmAt),
    paid_at: iso(order.paidAt),
    completed_at: iso(order.completedAt),
    cancelled_at: iso(order.cancelledAt),
    expired_at: iso(order.expiredAt),
    created_at: iso(order.createdAt),
    updated_at: iso(order.updatedAt),
  };
}

export type OrderResource = ReturnType<typeof toOrderResource>;
