import { Admins1764000800100 } from './1764000800100-admins';

export const adminsMigrations = [Admins1764000800100];
