export { checkCard, cardBrand } from './card';
export type { CardInput, CardProblem, CardSummary } from './card';
export { CartError, NotificationRejectedError, UnknownChannelError } from './checkout.errors';
export { CheckoutModule } from './checkout.module';
export { CheckoutService } from './checkout.service';
export type { NewOrderInput, SubmitResult } from './checkout.service';
export type { CheckoutSession, Payment, PaymentStatus, SessionStatus } from './checkout.types';
export { checkoutMigrations } from './migrations';
export { NotificationIntakeService } from './notification-intake.service';
export { paymentSummary } from './payment-summaries';
export { PaymentChannels } from './payment-channel';
export type { PaymentChannel } from './payment-channel';
export type { IntakeResult } from './notification-intake.service';
export {
  SANDBOX_CHANNEL_NAME,
  SANDBOX_DELIVER_JOB,
  SANDBOX_QUEUE,
  sandboxBehaviour,
  SandboxChannel,
  SandboxDeliveryHandler,
} from './sandbox-channel';
export type { SandboxNotification } from './sandbox-channel';
export { EXPIRE_SESSION_JOB, sessionIdsOf } from './session-expiry';
export type { ExpiryJobData } from './session-expiry';
export { signPayload, verifySignature, SIGNATURE_TOLERANCE_SECONDS } from './signature';
