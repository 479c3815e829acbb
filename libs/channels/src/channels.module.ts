import { Module } from '@nestjs/common';
import { LedgerModule } from '@danbao/ledger';
import { PAYMENT_CHANNEL_LIST, PaymentChannels } from './payment-channel';
import { RefundService } from './refund.service';
import { SandboxChannel, SandboxDeliveryHandler } from './sandbox-channel';

/** The payment channels this deployment runs, and refunds through them. */
@Module({
  imports: [LedgerModule],
  providers: [
    SandboxChannel,
    SandboxDeliveryHandler,
    // The channels this deployment runs; the first takes the hosted checkout's cards.
    {
      provide: PAYMENT_CHANNEL_LIST,
      inject: [SandboxChannel],
      useFactory: (sandbox: SandboxChannel) => [sandbox],
    },
    PaymentChannels,
    RefundService,
  ],
  exports: [PaymentChannels, RefundService, SandboxChannel, SandboxDeliveryHandler],
})
export class ChannelsModule {}
