import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import {
  DEADLINE_KINDS,
  DISPUTE_REASONS,
  DISPUTE_STATUSES,
  type DisputeReason,
  type DisputeStatus,
  RULING_OUTCOMES,
  type RulingOutcome,
} from '@danbao/disputes';
import { ListQueryDto } from '../common/list-query.dto';
import { MAX_AMOUNT, money } from '../orders/order.dto';

const PRINTABLE = /^[\x20-\x7e]+$/;
const TEXT_MAX = 5000;

export class OpenDisputeDto {
  @ApiProperty({ enum: DISPUTE_REASONS })
  @IsDefined({ message: 'reason is required' })
  @IsIn(DISPUTE_REASONS, { message: `reason must be one of ${DISPUTE_REASONS.join(', ')}` })
  reason!: DisputeReason;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: MAX_AMOUNT,
    example: 1999,
    description: 'minor units the buyer asks back: 1 to the amount held',
  })
  @IsDefined({ message: 'refund_amount is required' })
  @IsInt({ message: 'refund_amount must be an integer number of minor units' })
  @Min(1, { message: 'refund_amount must be at least 1' })
  @Max(MAX_AMOUNT, { message: `refund_amount must be at most ${MAX_AMOUNT}` })
  refund_amount!: number;

  @ApiPropertyOptional({ default: false, description: 'the goods go back to the seller before the refund' })
  @IsOptional()
  @IsBoolean({ message: 'return_goods must be true or false' })
  return_goods?: boolean;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: TEXT_MAX,
    description: 'the first message of the timeline',
  })
  @IsOptional()
  @IsString()
  @Length(1, TEXT_MAX)
  message?: string;
}

export class RejectDisputeDto {
  @ApiProperty({ minLength: 1, maxLength: TEXT_MAX, description: 'why the seller rejects (required)' })
  @IsDefined({ message: 'message is required' })
  @IsString()
  @Length(1, TEXT_MAX, { message: `message must be 1 to ${TEXT_MAX} characters` })
  message!: string;
}

export class ReturnShipmentDto {
  @ApiProperty({ example: 'SF Express' })
  @IsDefined({ message: 'carrier is required' })
  @IsString()
  @Length(1, 100)
  @Matches(PRINTABLE, { message: 'carrier must be printable text' })
  carrier!: string;

  @ApiProperty({ example: 'SF1234567890' })
  @IsDefined({ message: 'tracking_number is required' })
  @IsString()
  @Length(1, 100)
  @Matches(PRINTABLE, { message: 'tracking_number must be printable text' })
  tracking_number!: string;
}

export class DisputeMessageDto {
  @ApiProperty({ minLength: 1, maxLength: TEXT_MAX })
  @IsDefined({ message: 'text is required' })
  @IsString()
  @Length(1, TEXT_MAX, { message: `text must be 1 to ${TEXT_MAX} characters` })
  text!: string;

  @ApiPropertyOptional({ type: [String], maxItems: 5, description: 'https URLs of evidence, at most 5' })
  @IsOptional()
  @IsArray({ message: 'attachment_urls must be an array of https URLs' })
  @ArrayMaxSize(5, { message: 'attachment_urls may hold at most 5 URLs' })
  @IsUrl(
    { protocols: ['https'], require_protocol: true, require_tld: true },
    { each: true, message: 'attachment_urls must be https URLs' },
  )
  attachment_urls?: string[];
}

export class ResolveDisputeDto {
  @ApiProperty({ enum: RULING_OUTCOMES })
  @IsDefined({ message: 'outcome is required' })
  @IsIn(RULING_OUTCOMES, { message: `outcome must be one of ${RULING_OUTCOMES.join(', ')}` })
  outcome!: RulingOutcome;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_AMOUNT,
    description: 'partial_refund only (required there): 1 to the amount held less 1',
  })
  @ValidateIf(
    (body: ResolveDisputeDto) => body.outcome === 'partial_refund' || body.refund_amount !== undefined,
  )
  @IsDefined({ message: 'refund_amount is required for partial_refund' })
  @IsInt({ message: 'refund_amount must be an integer number of minor units' })
  @Min(1, { message: 'refund_amount must be at least 1' })
  @Max(MAX_AMOUNT, { message: `refund_amount must be at most ${MAX_AMOUNT}` })
  refund_amount?: number;

  @ApiProperty({ minLength: 1, maxLength: 2000, description: 'why: shown on the dispute' })
  @IsDefined({ message: 'note is required' })
  @IsString()
  @Length(1, 2000, { message: 'note must be 1 to 2000 characters' })
  note!: string;
}

export class ListDisputesQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: DISPUTE_STATUSES })
  @IsOptional()
  @IsIn(DISPUTE_STATUSES, { message: `status must be one of ${DISPUTE_STATUSES.join(', ')}` })
  status?: DisputeStatus;
}

export class ReturnShipmentResponse {
  @ApiProperty({ example: 'SF Express' })
  carrier!: string;

  @ApiProperty({ example: 'SF1234567890' })
  tracking_number!: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  shipped_at!: string;
}

export class ResolutionResponse {
  @ApiProperty({ example: 'rsl_01m8t431me2pv4znysahrjhmz3' })
  id!: string;

  @ApiProperty({ enum: RULING_OUTCOMES })
  outcome!: RulingOutcome;

  @money('refunded to the buyer (the rest released to the seller, less the fee on that part)')
  refund_amount!: number;

  @ApiProperty({ type: 'string', nullable: true, description: "an admin's note" })
  note!: string | null;

  @ApiProperty({ example: 'admin:adm_1', description: '`seller:<id>`, `admin:<id>` or `deadline`' })
  resolved_by!: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  resolved_at!: string;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'the second admin, above ADMIN_APPROVAL_THRESHOLD',
  })
  approved_by!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  approved_at!: string | null;
}

export class DisputeResponse {
  @ApiProperty({ example: 'dsp_01m8t431me2pv4znysahrjhmz3' })
  id!: string;

  @ApiProperty({ enum: ['dispute'] })
  object!: 'dispute';

  @ApiProperty({ example: 'ord_01m8t431me2pv4znysahrjhmz3' })
  order_id!: string;

  @ApiProperty({ example: 'buyer_42' })
  buyer_id!: string;

  @ApiProperty({ example: 'seller_7' })
  seller_id!: string;

  @ApiProperty({ enum: DISPUTE_STATUSES })
  status!: DisputeStatus;

  @ApiProperty({ enum: DISPUTE_REASONS })
  reason!: DisputeReason;

  @money('what the buyer asks back', 1)
  refund_amount!: number;

  @ApiProperty({ example: 'CNY' })
  currency!: string;

  @ApiProperty()
  return_goods!: boolean;

  @ApiProperty({ type: ReturnShipmentResponse, nullable: true })
  return_shipment!: ReturnShipmentResponse | null;

  @ApiProperty({
    type: ResolutionResponse,
    nullable: true,
    description: 'how the money was (or, awaiting approval, is to be) decided',
  })
  resolution!: ResolutionResponse | null;

  @ApiProperty({ enum: DEADLINE_KINDS, nullable: true, description: 'the clock the dispute waits on' })
  deadline_kind!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'when it passes' })
  deadline_at!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  escalated_at!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', description: 'when it entered its status' })
  status_changed_at!: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  created_at!: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  updated_at!: string;
}

export class TimelineEntryResponse {
  @ApiProperty({ enum: ['message', 'status_change'] })
  type!: 'message' | 'status_change';

  @ApiProperty({ example: 'dmsg_01m8t431me2pv4znysahrjhmz3' })
  id!: string;

  @ApiPropertyOptional({ enum: ['buyer', 'seller', 'admin'], description: 'messages' })
  author_role?: string;

  @ApiPropertyOptional({ description: 'messages' })
  author_id?: string;

  @ApiPropertyOptional({ description: 'messages' })
  text?: string;

  @ApiPropertyOptional({ type: [String], description: 'messages' })
  attachment_urls?: string[];

  @ApiPropertyOptional({
    enum: DISPUTE_STATUSES,
    nullable: true,
    description: 'status changes (null: opened)',
  })
  from?: string | null;

  @ApiPropertyOptional({ enum: DISPUTE_STATUSES, description: 'status changes' })
  to?: string;

  @ApiPropertyOptional({ example: 'seller:seller_7', description: 'status changes: who, or `deadline`' })
  actor?: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  created_at!: string;
}

export class DisputeDetailResponse extends DisputeResponse {
  @ApiProperty({ type: [TimelineEntryResponse], description: 'messages and status changes, oldest first' })
  timeline!: TimelineEntryResponse[];
}

export class AdminDisputeResponse extends DisputeResponse {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'seconds since it entered its status' })
  waiting_seconds!: number;
}

export class DisputeMessageResponse {
  @ApiProperty({ example: 'dmsg_01m8t431me2pv4znysahrjhmz3' })
  id!: string;

  @ApiProperty({ enum: ['dispute_message'] })
  object!: 'dispute_message';

  @ApiProperty({ example: 'dsp_01m8t431me2pv4znysahrjhmz3' })
  dispute_id!: string;

  @ApiProperty({ enum: ['buyer', 'seller', 'admin'] })
  author_role!: string;

  @ApiProperty({ example: 'buyer_42' })
  author_id!: string;

  @ApiProperty()
  text!: string;

  @ApiProperty({ type: [String] })
  attachment_urls!: string[];

  @ApiProperty({ type: 'string', format: 'date-time' })
  created_at!: string;
}
