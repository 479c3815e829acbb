// Proves that the checkout sweep expires every overdue session, a page at a time, not only the
// first page (issue 11, item 5). The expiry itself (MySQL) is proved in the checkout e2e suite;
// here the service answers how many sessions each page expired.
import type { RefundService } from '@danbao/channels';
import type { CheckoutService } from '@danbao/checkout';
import type { AppConfig } from '@danbao/platform';
import { CheckoutSweepHandler } from './checkout-jobs';

describe('CheckoutSweepHandler', () => {
  const handlerFor = (pages: number[]) => {
    const limits: number[] = [];
    const checkout = {
      resolveStuckPayments: async () => 0,
      expireOverdueSessions: async (limit: number) => {
        limits.push(limit);
        return pages[limits.length - 1] ?? 0;
      },
    } as unknown as CheckoutService;
    const refunds = { resendUnanswered: async () => 0 } as unknown as RefundService;
    return {
      handler: new CheckoutSweepHandler(checkout, refunds, { sweepIntervalMs: 1000 } as AppConfig),
      limits,
    };
  };

  it('goes on while pages come back full, and stops after a short one', async () => {
    const { handler, limits } = handlerFor([500, 500, 12]);
    expect(await handler.handle()).toBe(1012);
    expect(limits).toEqual([500, 500, 500]);
  });

  it('runs one page when there is little to expire', async () => {
    const { handler, limits } = handlerFor([0]);
    expect(await handler.handle()).toBe(0);
    expect(limits).toHaveLength(1);
  });
});
