import { Module } from '@nestjs/common';
import { LedgerModule } from '@danbao/ledger';
import { NotificationsModule } from '@danbao/notifications';
import { APP_CONFIG, AppConfig } from '@danbao/platform';
import { noPaymentChannel, PAYMENT_CHANNEL_LIST, PaymentChannels } from './payment-channel';
import { RefundService } from './refund.service';
import { SANDBOX_CHANNEL_NAME, SandboxChannel, SandboxDeliveryHandler } from './sandbox-channel';

/** The payment channels a configuration switches on, by name: the sandbox (a test channel) or none. */
export function enabledChannelNames(config: AppConfig): string[] {
  return config.sandboxChannel ? [SANDBOX_CHANNEL_NAME] : [];
}

/**
 * Refuses a configuration that switches every channel off, with one line: the api and the worker
 * call it before Nest starts (Nest aborts the process on an error thrown while it builds modules).
 */
export function requirePaymentChannel(config: AppConfig): void {
  if (enabledChannelNames(config).length === 0) throw noPaymentChannel();
}

/** The payment channels this deployment runs, and refunds through them. */
@Module({
  imports: [LedgerModule, NotificationsModule],
  providers: [
    SandboxChannel,
    SandboxDeliveryHandler,
    // The channels this deployment runs (SANDBOX_CHANNEL); the first takes the hosted checkout's cards.
    {
      provide: PAYMENT_CHANNEL_LIST,
      inject: [SandboxChannel, APP_CONFIG],
      useFactory: (sandbox: SandboxChannel, config: AppConfig) =>
        [sandbox].filter((channel) => enabledChannelNames(config).includes(channel.name)),
    },
    PaymentChannels,
    RefundService,
  ],
  exports: [PaymentChannels, RefundService, SandboxChannel, SandboxDeliveryHandler],
})
export class ChannelsModule {}
