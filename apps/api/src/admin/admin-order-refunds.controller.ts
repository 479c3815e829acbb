import { Body, Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { RefundAfterReleaseService } from '@danbao/escrow';
import {
  ApiError,
  ApiPrincipalPost,
  CurrentPrincipal,
  Principal,
  Roles,
  VALIDATION_ERRORS,
  adminActorOf,
} from '@danbao/platform';
import { AmountInMinorUnits } from '../orders/order.dto';
import { AdminRefundDetailResponse, toAdminRefund } from './admin-refunds.controller';

export class RefundAfterReleaseDto {
  @AmountInMinorUnits()
  amount!: number;

  @ApiProperty({ minLength: 1, maxLength: 500, description: 'why, for the audit log and the seller' })
  @IsString()
  @Length(1, 500)
  reason!: string;
}

/**
 * An admin refunds a completed order (money the seller already received): the buyer is refunded
 * through the channel; the seller gives back its part from its available balance, and owes the rest.
 */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/orders')
export class AdminOrderRefundsController {
  constructor(@Inject(RefundAfterReleaseService) private readonly refunds: RefundAfterReleaseService) {}

  @Post(':id/refunds')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary:
      'Refund a completed order after release (admin, audited); the money moves when the channel confirms',
  })
  @ApiAcceptedResponse({ type: AdminRefundDetailResponse, description: 'The refund, `requested`' })
  @ApiPrincipalPost(VALIDATION_ERRORS, 404, {
    status: 409,
    codes: ['order_not_completed', 'amount_exceeds_refundable'],
  })
  async refund(
    @Param('id') id: string,
    @Body() body: RefundAfterReleaseDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ) {
    const actor = adminActorOf(principal);
    const refund = await this.refunds.refund(id, BigInt(body.amount), body.reason, actor, request.id);
    if (refund === 'order_not_found') throw ApiError.notFound('order', 'id');
    if (refund === 'order_not_completed') {
      throw ApiError.conflict(
        'order_not_completed',
        'Only an order whose money was released can be refunded this way.',
      );
    }
    if (refund === 'amount_exceeds_refundable') {
      throw ApiError.conflict(
        'amount_exceeds_refundable',
        'The amount is above what the buyer paid and has not had back.',
      );
    }
    return toAdminRefund(refund);
  }
}
