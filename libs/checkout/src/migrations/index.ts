import { Checkout1764000430000 } from './1764000430000-checkout';

export const checkoutMigrations = [Checkout1764000430000];
