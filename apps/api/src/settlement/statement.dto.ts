import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { STATEMENT_LINE_TYPES } from '@danbao/settlement';

/** A balance or a line of a statement may be negative (a seller owing after a refund), and large. */
const signedMoney = (description: string) =>
  ApiProperty({
    type: 'integer',
    minimum: -Number.MAX_SAFE_INTEGER,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 9800,
    description,
  });

const DATE_DESCRIPTION =
  'UTC: `YYYY-MM-DD` (midnight) or an ISO 8601 timestamp (without an offset it is read as UTC)';

export class StatementQueryDto {
  @ApiPropertyOptional({
    example: 'CNY',
    description:
      'required when the seller has money in several currencies; with one, it is the default (with none, the first configured currency)',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code like CNY' })
  currency?: string;

  @ApiPropertyOptional({
    example: '2026-11-01',
    description: `start of the period, inclusive (default: \`to\` less 30 days); ${DATE_DESCRIPTION}`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  from?: string;

  @ApiPropertyOptional({
    example: '2026-12-01',
    description: `end of the period, exclusive (default: now); ${DATE_DESCRIPTION}; at most 400 days after \`from\``,
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;
}

export class StatementLineResponse {
  @ApiProperty({ example: 'ltx_01m8t431w156gxbxxcw040nneg', description: 'the ledger transaction' })
  id!: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  created_at!: string;

  @ApiProperty({
    enum: STATEMENT_LINE_TYPES,
    description:
      '`sale`: a release, net of the fee; `payout`: money sent to the bank (negative); `payout_returned`: a failed payout’s money back; `adjustment`: anything else, e.g. a refund after release (negative)',
  })
  type!: string;

  @ApiPropertyOptional({
    type: 'string',
    nullable: true,
    description: 'on sales and adjustments: the order',
  })
  order_id?: string | null;

  @ApiPropertyOptional({
    type: 'string',
    nullable: true,
    description: 'on payouts, returned payouts and adjustments: the payout',
  })
  payout_id?: string | null;

  @signedMoney('the change of the balance, minor units')
  amount!: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    nullable: true,
    description: 'on sales: the order’s amount before the fee',
  })
  gross?: number | null;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    nullable: true,
    description: 'on sales: the platform’s fee',
  })
  fee?: number | null;

  @signedMoney('the balance after this line')
  balance_after!: number;
}

export class StatementResponse {
  @ApiProperty({ enum: ['statement'] })
  object!: 'statement';

  @ApiProperty({ example: 'CNY' })
  currency!: string;

  @ApiProperty({ type: 'string', format: 'date-time', description: 'inclusive' })
  from!: string;

  @ApiProperty({ type: 'string', format: 'date-time', description: 'exclusive' })
  to!: string;

  @signedMoney('incoming + available − owed before `from`')
  opening_balance!: number;

  @ApiProperty({ type: [StatementLineResponse], description: 'oldest first' })
  data!: StatementLineResponse[];

  @signedMoney('incoming + available − owed before `to`: the opening balance plus the lines')
  closing_balance!: number;
}
