import { Refunds1764000700000 } from './1764000700000-refunds';

export const channelsMigrations = [Refunds1764000700000];
