import { Controller, Get, Inject, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { toJsonAmount } from '@danbao/money';
import { ApiError, ApiPrincipalGet, Degradable, Roles, VALIDATION_ERRORS } from '@danbao/platform';
import {
  invalidDate,
  type Mismatch,
  MISMATCH_KINDS,
  type ReconciliationLine,
  type ReconciliationReport,
  ReconciliationService,
  yesterdayOf,
} from '@danbao/settlement';
import { money } from '../orders/order.dto';

export class ReconciliationQueryDto {
  @ApiPropertyOptional({
    example: '2025-03-09',
    description: 'a UTC day, YYYY-MM-DD, not after today; default yesterday',
  })
  @IsOptional()
  @IsString({ message: 'date must be a UTC date, YYYY-MM-DD' })
  date?: string;

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: '`true`: run the day again (and keep the new report)',
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'refresh must be true or false' })
  refresh?: 'true' | 'false';
}

export class ReconciliationLineResponse {
  @ApiProperty({ enum: ['payment', 'refund', 'payout'] })
  type!: string;

  @money('minor units')
  amount!: number;

  @ApiProperty({ example: 'CNY' })
  currency!: string;

  @ApiProperty({
    example: 'succeeded',
    description:
      'as that side recorded it: the channel `succeeded|failed`; ours the payment’s, refund’s or payout’s own status',
  })
  status!: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'the channel’s id of it, when known' })
  channel_reference!: string | null;
}

export class ReconciliationMismatchResponse {
  @ApiProperty({
    enum: MISMATCH_KINDS,
    description:
      '`missing_ours`: the channel has it, we do not; `missing_theirs`: we have it, the channel does not; ' +
      '`amount_mismatch`: amount or currency differ; `status_mismatch`: the channel decided otherwise than we recorded; ' +
      '`duplicate`: a reference twice on one side (or two of ours naming one channel record); ' +
      '`missing_ledger`: a confirmed record of ours without its ledger transaction',
  })
  kind!: string;

  @ApiProperty({
    example: 'pay_01m8t431w156gxbxxcw040nneg',
    description: 'our id of the payment, refund or payout',
  })
  reference!: string;

  @ApiPropertyOptional({ type: ReconciliationLineResponse, description: 'our record' })
  ours?: ReconciliationLineResponse;

  @ApiPropertyOptional({ type: ReconciliationLineResponse, description: 'the channel’s report line' })
  theirs?: ReconciliationLineResponse;
}

export class ReconciliationCounts {
  @ApiProperty({ type: 'integer', description: 'our payments, refunds and payouts created that day' })
  ours!: number;

  @ApiProperty({ type: 'integer', description: 'the channels’ report lines of that day' })
  theirs!: number;

  @ApiProperty({ type: 'integer', description: 'references whose two sides agree' })
  matched!: number;
}

export class ReconciliationResponse {
  @ApiProperty({ enum: ['reconciliation'] })
  object!: 'reconciliation';

  @ApiProperty({ example: '2025-03-09', description: 'the UTC day' })
  date!: string;

  @ApiProperty({ description: 'true when every line matched (and `mismatches` is empty)' })
  clean!: boolean;

  @ApiProperty({ type: [ReconciliationMismatchResponse] })
  mismatches!: ReconciliationMismatchResponse[];

  @ApiProperty({ type: ReconciliationCounts })
  counts!: ReconciliationCounts;

  @ApiProperty({ type: 'string', format: 'date-time', description: 'when the day was reconciled' })
  checked_at!: string;
}

function toLine(line: ReconciliationLine): ReconciliationLineResponse {
  return {
    type: line.type,
    amount: toJsonAmount(line.amount),
    currency: line.currency,
    status: line.status,
    channel_reference: line.channelReference,
  };
}

function toMismatch(mismatch: Mismatch): ReconciliationMismatchResponse {
  return {
    kind: mismatch.kind,
    reference: mismatch.reference,
    ...(mismatch.ours ? { ours: toLine(mismatch.ours) } : {}),
    ...(mismatch.theirs ? { theirs: toLine(mismatch.theirs) } : {}),
  };
}

export function toReconciliation(report: ReconciliationReport): ReconciliationResponse {
  return {
    object: 'reconciliation',
    date: report.date,
    clean: report.clean,
    mismatches: report.mismatches.map(toMismatch),
    counts: report.counts,
    checked_at: report.checkedAt.toISOString(),
  };
}

/** The day's reconciliation against the payment channels' settlement reports (admins). */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/reconciliation')
export class AdminReconciliationController {
  constructor(@Inject(ReconciliationService) private readonly reconciliation: ReconciliationService) {}

  @Get()
  @Degradable('reports')
  @Roles('admin')
  @ApiOperation({
    summary:
      'A day’s reconciliation with the channels (admin): the kept report, or a run now when the day has none',
  })
  @ApiOkResponse({ type: ReconciliationResponse })
  @ApiPrincipalGet(VALIDATION_ERRORS)
  async get(@Query() query: ReconciliationQueryDto): Promise<ReconciliationResponse> {
    const now = new Date();
    const date = query.date ?? yesterdayOf(now);
    const invalid = invalidDate(date, now);
    if (invalid) throw ApiError.badRequest('parameter_invalid', invalid, 'date');
    return toReconciliation(
      await this.reconciliation.report(date, { refresh: query.refresh === 'true' }, now),
    );
  }
}
