import { Controller, Headers, HttpCode, Inject, Param, Post, RawBodyRequest, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { NotificationIntakeService, NotificationRejectedError } from '@danbao/checkout';
import { ApiErrorResponses, Public } from '@danbao/platform';
import { money } from '../orders/order.dto';

const NOTIFICATION_TYPES = [
  'payment.succeeded',
  'payment.failed',
  'refund.succeeded',
  'refund.failed',
  'payout.paid',
  'payout.failed',
];

export class ChannelNotificationData {
  @ApiProperty({ description: 'our payment id (`pay_…`)', example: 'pay_01m8t431w156gxbxxcw040nneg' })
  reference!: string;

  @money('must match what was asked for', 1)
  amount!: number;

  @ApiProperty({ example: 'CNY' })
  currency!: string;

  @ApiProperty({ example: 'ch_01m8t431w7v3v0a3k1x9m4e2qd' })
  channel_reference!: string;

  @ApiPropertyOptional({ example: 'card_declined' })
  failure_code?: string;
}

/** What a channel POSTs: read as raw bytes, so that the signature is checked over them. */
export class ChannelNotificationBody {
  @ApiProperty({ example: 'ntf_01m8t431wa0k8d5ybs7dd1v9x4' })
  id!: string;

  @ApiProperty({ enum: NOTIFICATION_TYPES })
  type!: string;

  @ApiProperty({ type: 'integer', description: 'unix seconds', example: 1764637039 })
  created!: number;

  @ApiProperty({ type: ChannelNotificationData })
  data!: ChannelNotificationData;
}

export class NotificationReceivedResponse {
  @ApiProperty({ enum: [true] })
  received!: true;

  @ApiProperty({ example: 'ntf_01m8t431wa0k8d5ybs7dd1v9x4', description: 'the notification id' })
  id!: string;

  @ApiProperty({
    enum: ['applied', 'duplicate', 'flagged'],
    description: 'a repeat is `duplicate`; a mismatch, unknown reference or late contradiction is `flagged`',
  })
  outcome!: string;

  @ApiPropertyOptional({
    enum: [
      'amount_mismatch',
      'unknown_reference',
      'late_contradiction',
      'refund_required',
      'unsupported_type',
    ],
    description: 'why it was flagged',
  })
  review_reason?: string;
}

@ApiTags('channels')
@Controller('v1/channels')
export class ChannelNotificationsController {
  constructor(@Inject(NotificationIntakeService) private readonly intake: NotificationIntakeService) {}

  /** The channel's signed asynchronous results; verified over the raw body, stored, then applied. */
  @Post(':channel/notifications')
  @HttpCode(200)
  @Public()
  @ApiOperation({
    summary: "A payment channel's signed asynchronous result (server to server; only `sandbox` today)",
    description:
      'No bearer credential and no Idempotency-Key: a notification id applies once. Every authentic ' +
      'notification answers 200 once stored, whether or not it applies.',
  })
  @ApiHeader({
    name: 'danbao-signature',
    required: true,
    description: '`t=<unix>,v1=<hex HMAC-SHA256 of "t.body">` over the raw body; at most 5 minutes off',
  })
  @ApiBody({ type: ChannelNotificationBody })
  @ApiOkResponse({ type: NotificationReceivedResponse })
  @ApiErrorResponses(
    {
      status: 400,
      codes: ['notification_rejected', 'invalid_json'],
    },
    { status: 404, codes: ['resource_missing'] },
    413,
    415,
  )
  async receive(
    @Param('channel') channel: string,
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Headers('danbao-signature') signature?: string,
  ) {
    if (!request.rawBody) throw new NotificationRejectedError('empty body');
    const result = await this.intake.receive(channel, request.rawBody.toString('utf8'), signature);
    return { received: true, ...result };
  }
}
