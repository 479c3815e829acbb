import { Orders1764000400000 } from './1764000400000-orders';

export const ordersMigrations = [Orders1764000400000];
