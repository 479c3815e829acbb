import { Holds1764000420000 } from './1764000420000-holds';
import { HoldDeadlines1764000500100 } from './1764000500100-hold-deadlines';
import { HoldChannel1764000600200 } from './1764000600200-hold-channel';
import { HoldDisputes1764000700200 } from './1764000700200-hold-disputes';
import { HoldsBySeller1764000900100 } from './1764000900100-holds-by-seller';

export const escrowMigrations = [
  Holds1764000420000,
  HoldDeadlines1764000500100,
  HoldChannel1764000600200,
  HoldDisputes1764000700200,
  HoldsBySeller1764000900100,
];
