import { Disputes1764000800000 } from './1764000800000-disputes';

export const disputesMigrations = [Disputes1764000800000];
