import { Orders1764000400000 } from './1764000400000-orders';
import { OrderLatestPayment1764000600000 } from './1764000600000-order-latest-payment';

export const ordersMigrations = [Orders1764000400000, OrderLatestPayment1764000600000];
