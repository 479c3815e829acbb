import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Length,
} from 'class-validator';
import { ALL_EVENTS, EVENT_TYPES } from '@danbao/notifications';

const SUBSCRIBABLE = [ALL_EVENTS, ...EVENT_TYPES];

export class CreateWebhookEndpointDto {
  @ApiProperty({
    example: 'https://marketplace.example/danbao/webhooks',
    description:
      'https (plain http only in development); never a loopback, private, link-local or metadata address',
  })
  @IsString()
  @Length(1, 2048)
  url!: string;

  @ApiProperty({
    type: [String],
    example: ['order.paid', 'payout.paid'],
    description: `event types, or ["*"] for all`,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIBABLE.length)
  @IsIn(SUBSCRIBABLE, { each: true, message: `events must be event types (${EVENT_TYPES.join(', ')}) or *` })
  events!: string[];
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ example: 'https://marketplace.example/danbao/webhooks' })
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  url?: string;

  @ApiPropertyOptional({ type: [String], example: ['*'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIBABLE.length)
  @IsIn(SUBSCRIBABLE, { each: true, message: `events must be event types (${EVENT_TYPES.join(', ')}) or *` })
  events?: string[];

  @ApiPropertyOptional({
    description: 'false stops deliveries; true starts them again (and clears a failing streak)',
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class WebhookEndpointResponse {
  @ApiProperty({ example: 'we_01m8t431w156gxbxxcw040nneg' })
  id!: string;

  @ApiProperty({ enum: ['webhook_endpoint'] })
  object!: 'webhook_endpoint';

  @ApiProperty()
  url!: string;

  @ApiProperty({ type: [String] })
  events!: string[];

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: '`failing_for_3_days` (switched off by the platform) or `disabled_by_marketplace`',
  })
  disabled_reason!: string | null;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'deliveries have failed since',
  })
  failing_since!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time' })
  created_at!: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  updated_at!: string;
}

export class WebhookEndpointWithSecretResponse extends WebhookEndpointResponse {
  @ApiProperty({
    example: 'whsec_…',
    description: 'the signing secret: shown only here (create, roll_secret)',
  })
  secret!: string;
}

export class DeletedWebhookEndpointResponse {
  @ApiProperty()
  id!: string;

  @ApiProperty({ enum: ['webhook_endpoint'] })
  object!: 'webhook_endpoint';

  @ApiProperty({ enum: [true] })
  deleted!: true;
}

export class WebhookAttemptResponse {
  @ApiProperty({ type: 'integer' })
  number!: number;

  @ApiProperty({ type: 'string', format: 'date-time' })
  attempted_at!: string;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'the receiver’s HTTP status, null when none came',
  })
  status!: number | null;

  @ApiProperty({ type: 'integer' })
  latency_ms!: number;

  @ApiProperty({ type: 'string', nullable: true, example: 'timeout' })
  error!: string | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'the start of the receiver’s answer (at most 2 KB)',
  })
  response_snippet!: string | null;
}

export class WebhookDeliveryResponse {
  @ApiProperty({ example: 'whd_01m8t431w156gxbxxcw040nneg' })
  id!: string;

  @ApiProperty({ enum: ['webhook_delivery'] })
  object!: 'webhook_delivery';

  @ApiProperty()
  endpoint_id!: string;

  @ApiProperty()
  event_id!: string;

  @ApiProperty()
  event_type!: string;

  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'] })
  status!: string;

  @ApiProperty({ type: 'integer' })
  attempts!: number;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  next_attempt_at!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  last_attempt_at!: string | null;

  @ApiProperty({ type: 'integer', nullable: true })
  last_status!: number | null;

  @ApiProperty({ type: 'string', nullable: true })
  last_error!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time' })
  created_at!: string;

  @ApiPropertyOptional({ type: [WebhookAttemptResponse], description: 'every attempt (GET of one delivery)' })
  attempt_log?: WebhookAttemptResponse[];
}
