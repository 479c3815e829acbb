export { ordersMigrations } from './migrations';
export { OrderNotFoundError, OrderStateError } from './order.errors';
export { canTransition, isFinal, ORDER_STATUSES } from './order.state';
export type { OrderStatus } from './order.state';
export type { NewOrder, Order, OrderFilter, Page } from './order.types';
export { OrdersModule } from './orders.module';
export { isVisibleTo, OrdersService, scopeFilter } from './orders.service';
export { toOrderResource } from './order.resource';
export type { HoldSummary, OrderResource, PaymentSummary } from './order.resource';
