import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, ValidateBy, ValidateIf } from 'class-validator';
import { RISK_TIERS, type RiskTier } from '@danbao/settlement';
import { AmountInMinorUnits, CurrencyCode, money } from '../orders/order.dto';

export class MoneyAmount {
  @money('minor units')
  amount!: number;

  @ApiProperty({ example: 'CNY' })
  currency!: string;
}

export class BalanceResponse {
  @ApiProperty({ enum: ['balance'] })
  object!: 'balance';

  @ApiProperty({ type: [MoneyAmount], description: 'held in escrow for open orders' })
  pending!: MoneyAmount[];

  @ApiProperty({ type: [MoneyAmount], description: 'released, still inside the payout delay' })
  incoming!: MoneyAmount[];

  @ApiProperty({ type: [MoneyAmount], description: 'payable now' })
  available!: MoneyAmount[];

  @ApiProperty({ type: [MoneyAmount], description: 'in payouts on their way to the bank' })
  in_payout!: MoneyAmount[];

  @ApiProperty({
    type: [MoneyAmount],
    description: 'what the seller owes after a refund of released money; netted from the next credits',
  })
  owed!: MoneyAmount[];
}

export class CreatePayoutDto {
  @AmountInMinorUnits()
  amount!: number;

  @CurrencyCode()
  currency!: string;
}

export class PayoutResponse {
  @ApiProperty({ example: 'po_01m8t431w156gxbxxcw040nneg' })
  id!: string;

  @ApiProperty({ enum: ['payout'] })
  object!: 'payout';

  @ApiProperty()
  seller_id!: string;

  @money('paid out, minor units', 1)
  amount!: number;

  @ApiProperty({ example: 'CNY' })
  currency!: string;

  @ApiProperty({ enum: ['pending', 'in_transit', 'paid', 'failed'] })
  status!: string;

  @ApiProperty({
    enum: ['scheduled', 'manual'],
    description: 'made by the daily run, or asked for by the seller',
  })
  method!: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'why the bank refused it (`failed`)' })
  failure_code!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time' })
  created_at!: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  paid_at!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  failed_at!: string | null;
}

export class SettledCreditResponse {
  @ApiProperty({ description: 'the ledger entry (a credit to the available balance) this part comes from' })
  entry_id!: string;

  @ApiProperty()
  transaction_id!: string;

  @ApiProperty({ enum: ['sale', 'payout_returned', 'adjustment'] })
  type!: string;

  @ApiProperty({ type: 'string', nullable: true })
  order_id!: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'the failed payout whose money came back' })
  payout_id!: string | null;

  @money('the part of that entry this payout pays out', 1)
  amount!: number;
}

export class PayoutDetailResponse extends PayoutResponse {
  @ApiProperty({
    type: [SettledCreditResponse],
    description:
      'what this payout pays out, each part traced to its ledger entry and order (first in, first out)',
  })
  settles!: SettledCreditResponse[];
}

const MAX_PAYOUT_DELAY_MS = 365 * 86_400_000;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A payout delay in ms from a duration (`36h`, `3d`) or whole seconds; undefined when malformed or above 365 days. */
export function payoutDelayMs(value: unknown): number | undefined {
  let ms: number | undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) ms = value * 1000;
  if (typeof value === 'string') {
    const match = /^(\d{1,12})(s|m|h|d)?$/.exec(value);
    if (match) ms = Number(match[1]) * UNIT_MS[match[2] ?? 's'];
  }
  return ms !== undefined && ms <= MAX_PAYOUT_DELAY_MS ? ms : undefined;
}

/** `payout_delay`: a duration like `36h` or `3d`, or an integer number of seconds; null clears it. */
export class UpdateSellerDto {
  @ApiPropertyOptional({
    oneOf: [
      { type: 'string', example: '3d' },
      { type: 'integer', minimum: 0 },
    ],
    nullable: true,
    description:
      'the seller’s own payout delay: a duration (`30m`, `36h`, `3d`) or whole seconds, at most 365 days; null clears it (the tier’s applies)',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @ValidateBy({
    name: 'isPayoutDelay',
    validator: {
      validate: (value: unknown) => payoutDelayMs(value) !== undefined,
      defaultMessage: () =>
        'payout_delay must be a duration like 36h or 3d, or whole seconds, at most 365 days',
    },
  })
  payout_delay?: string | number | null;

  @ApiPropertyOptional({
    enum: RISK_TIERS,
    nullable: true,
    description: 'new, standard or trusted (delays from config)',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsIn(RISK_TIERS, { message: `risk_tier must be one of ${RISK_TIERS.join(', ')}` })
  risk_tier?: RiskTier | null;
}

export class SellerSettingsResponse {
  @ApiProperty({ enum: ['seller'] })
  object!: 'seller';

  @ApiProperty()
  id!: string;

  @ApiProperty({ enum: RISK_TIERS, nullable: true, description: 'null: standard' })
  risk_tier!: RiskTier | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'the seller’s own delay in seconds, if set' })
  payout_delay!: number | null;

  @ApiProperty({ type: 'integer', description: 'the delay that applies, in seconds' })
  effective_payout_delay!: number;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  updated_at!: string | null;
}

export class PayoutRunResponse {
  @ApiProperty({ enum: ['payout_run'] })
  object!: 'payout_run';

  @ApiProperty({ example: '2026-12-02', description: 'the UTC date of the run' })
  run_date!: string;

  @ApiProperty({ type: 'integer' })
  payouts!: number;

  @ApiProperty({ type: [MoneyAmount] })
  amounts!: MoneyAmount[];
}
