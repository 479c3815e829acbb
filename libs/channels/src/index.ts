export { ChannelsModule, enabledChannelNames, requirePaymentChannel } from './channels.module';
export { channelsMigrations } from './migrations';
export { PaymentChannels } from './payment-channel';
export type { ChannelPaymentResult, ChannelReportLine, PaymentChannel } from './payment-channel';
export { RefundService, suspenseReconciler } from './refund.service';
export type { RefundOutcome, RefundRetryRefusal } from './refund.service';
export { toRefundObject } from './refund.types';
export type { Refund, RefundObject, RefundResult, RefundSource, RefundStatus } from './refund.types';
export {
  PAYOUT_FAILS_SELLER_SUFFIX,
  REFUND_FAILS_CARD_LAST4,
  SANDBOX_CHANNEL_NAME,
  SANDBOX_DELIVER_JOB,
  SANDBOX_QUEUE,
  sandboxBehaviour,
  SandboxChannel,
  SandboxDeliveryHandler,
} from './sandbox-channel';
export type { SandboxNotification } from './sandbox-channel';
// The signature scheme lives in the platform (outbound webhooks sign with it too); re-exported so
// existing importers of @danbao/channels keep working.
export { signPayload, verifySignature, SIGNATURE_TOLERANCE_SECONDS } from '@danbao/platform';
