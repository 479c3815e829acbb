import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { EVENT_TYPES, OutboxService } from '@danbao/notifications';
import {
  ApiError,
  ApiListResponse,
  ApiPrincipalGet,
  Database,
  Degradable,
  Roles,
  VALIDATION_ERRORS,
} from '@danbao/platform';
import { ListQueryDto, listAnswer } from '../common/list-query.dto';
import { HoldResponse } from '../escrow/escrow.dto';
import { OrderResponse } from '../orders/order.dto';
import { DisputeResponse } from '../disputes/dispute.dto';
import { AdminRefundDetailResponse } from '../admin/admin-refunds.controller';
import { PayoutResponse } from '../settlement/settlement.dto';

export class ListEventsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ example: 'order.paid', description: `one of ${EVENT_TYPES.join(', ')}` })
  @IsOptional()
  @Matches(/^[a-z]+\.[a-z_]+$/, { message: 'type must be an event type like order.paid' })
  type?: string;
}

@ApiExtraModels(OrderResponse, HoldResponse, DisputeResponse, AdminRefundDetailResponse, PayoutResponse)
export class EventResponse {
  @ApiProperty({ example: 'evt_01m8t4324m7rj0x17c6760pqtf' })
  id!: string;

  @ApiProperty({ enum: [...EVENT_TYPES] })
  type!: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  created_at!: string;

  @ApiProperty({
    type: 'object',
    required: ['object'],
    properties: {
      object: {
        description:
          'the order (`order.*`), the hold (`hold.*`), the dispute (`dispute.*`), the refund (`refund.failed`) or the payout (`payout.*`) as it was then',
        oneOf: [
          { $ref: getSchemaPath(OrderResponse) },
          { $ref: getSchemaPath(HoldResponse) },
          { $ref: getSchemaPath(DisputeResponse) },
          { $ref: getSchemaPath(AdminRefundDetailResponse) },
          { $ref: getSchemaPath(PayoutResponse) },
        ],
      },
    },
  })
  data!: { object: unknown };
}

@ApiTags('events')
@ApiBearerAuth()
@Controller('v1/events')
export class EventsController {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(OutboxService) private readonly outbox: OutboxService,
  ) {}

  @Get()
  @Degradable('listings')
  @Roles('marketplace')
  @ApiOperation({
    summary: 'Events recorded with the changes they report, newest first (marketplace)',
    description: 'The same events are delivered to webhook endpoints; read them here too.',
  })
  @ApiListResponse(EventResponse)
  @ApiPrincipalGet(VALIDATION_ERRORS)
  async list(@Query() query: ListEventsQueryDto) {
    return listAnswer(
      await this.outbox.list(this.db, {
        type: query.type,
        limit: query.limit ?? 20,
        startingAfter: query.starting_after,
      }),
    );
  }

  @Get(':id')
  @Roles('marketplace')
  @ApiOperation({ summary: 'One event, with its object as it was then (marketplace)' })
  @ApiOkResponse({ type: EventResponse })
  @ApiPrincipalGet(404)
  async get(@Param('id') id: string) {
    const event = await this.outbox.find(this.db, id);
    if (!event) throw ApiError.notFound('event', 'id');
    return event;
  }
}
