import { Refunds1764000700000 } from './1764000700000-refunds';
import { RefundRetries1764000700400 } from './1764000700400-refund-retries';

export const channelsMigrations = [Refunds1764000700000, RefundRetries1764000700400];
