import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsDefined, IsIn, IsString } from 'class-validator';
import { type Refund, RefundService, toRefundObject } from '@danbao/channels';
import {
  adminActorOf,
  ApiError,
  ApiListResponse,
  ApiPrincipalGet,
  ApiPrincipalPost,
  CurrentPrincipal,
  Degradable,
  Principal,
  Roles,
  VALIDATION_ERRORS,
} from '@danbao/platform';
import { ListQueryDto, listAnswer } from '../common/list-query.dto';
import { AdminRefundResponse } from './admin-payments.controller';

const STATUSES = ['requested', 'succeeded', 'failed'] as const;

export class ListRefundsQueryDto extends ListQueryDto {
  @ApiProperty({ enum: STATUSES, description: '`failed`: refunds the channel refused, to retry' })
  @IsDefined({ message: 'status is required' })
  @IsString()
  @IsIn(STATUSES, { message: `status must be one of ${STATUSES.join(', ')}` })
  status!: (typeof STATUSES)[number];
}

export class AdminRefundDetailResponse extends AdminRefundResponse {
  @ApiProperty({ enum: ['refund'] })
  object!: 'refund';

  @ApiProperty({ example: 'pay_01m8t431w156gxbxxcw040nneg' })
  payment_id!: string;

  @ApiProperty({ type: 'string', nullable: true, example: 'ord_01m8t431w156gxbxxcw040nneg' })
  order_id!: string | null;

  @ApiProperty({
    enum: ['suspense', 'escrow', 'released'],
    description: 'where the money waits until the channel confirms',
  })
  source!: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'the failed refund this one retries' })
  retry_of!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time' })
  created_at!: string;
}

export function toAdminRefund(refund: Refund): AdminRefundDetailResponse {
  return toRefundObject(refund);
}

/** Refunds through the channels: admins see the ones the channel refused and retry them. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/refunds')
export class AdminRefundsController {
  constructor(@Inject(RefundService) private readonly refunds: RefundService) {}

  @Get()
  @Degradable('listings')
  @Roles('admin')
  @ApiOperation({ summary: 'Refunds by status (admin), oldest first' })
  @ApiListResponse(AdminRefundDetailResponse, 'A page, oldest first')
  @ApiPrincipalGet(VALIDATION_ERRORS)
  async list(@Query() query: ListRefundsQueryDto) {
    const limit = query.limit ?? 20;
    const page = await this.refunds.list(query.status, limit + 1, query.starting_after);
    return listAnswer({ data: page.slice(0, limit).map(toAdminRefund), hasMore: page.length > limit });
  }

  @Post(':id/retry')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({ summary: 'Retry a refund the channel refused (admin): a new refund of the same money' })
  @ApiAcceptedResponse({ type: AdminRefundDetailResponse, description: 'The new refund, `requested`' })
  @ApiPrincipalPost(404, { status: 409, codes: ['refund_not_failed', 'refund_already_retried'] })
  async retry(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ) {
    const actor = adminActorOf(principal);
    const retried = await this.refunds.retry(id, actor, request.id);
    if (retried === 'refund_not_found') throw ApiError.notFound('refund', 'id');
    if (retried === 'refund_not_failed') {
      throw ApiError.conflict('refund_not_failed', 'Only a refund the channel refused can be retried.');
    }
    if (retried === 'refund_already_retried') {
      throw ApiError.conflict('refund_already_retried', 'This refund has been retried already.');
    }
    return toAdminRefund(retried);
  }
}
