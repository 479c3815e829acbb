import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { type Dispute, type DisputeMessage, DisputesService, toDisputeObject } from '@danbao/disputes';
import {
  ApiListResponse,
  ApiPrincipalGet,
  ApiPrincipalPost,
  CurrentPrincipal,
  Degradable,
  Principal,
  Roles,
  VALIDATION_ERRORS,
} from '@danbao/platform';
import { listAnswer } from '../common/list-query.dto';
import {
  DisputeDetailResponse,
  DisputeMessageDto,
  DisputeMessageResponse,
  DisputeResponse,
  ListDisputesQueryDto,
  OpenDisputeDto,
  RejectDisputeDto,
  ReturnShipmentDto,
} from './dispute.dto';

/** Why an order cannot be disputed (escrow's refusals of a freeze, and the per-order limits). */
const OPEN_CONFLICTS = [
  'dispute_already_open',
  'dispute_limit_reached',
  'order_not_paid',
  'order_not_shippable',
  'order_in_dispute',
  'order_refunded',
  'hold_already_released',
  'receipt_already_confirmed',
];

export function toMessageObject(message: DisputeMessage) {
  return {
    id: message.id,
    object: 'dispute_message' as const,
    dispute_id: message.disputeId,
    author_role: message.authorRole,
    author_id: message.authorId,
    text: message.text,
    attachment_urls: message.attachmentUrls,
    created_at: new Date(message.createdAt).toISOString(),
  };
}

const present = (dispute: Dispute) => toDisputeObject(dispute);

/**
 * Disputes of the order's buyer and seller (API.md): the buyer opens, escalates, withdraws and
 * ships returns; the seller accepts, rejects and confirms returns; both and admins write messages.
 * Someone else's dispute is 404; a role that may never act is 403. Accepting and confirming a
 * return answer 202: the refund goes through the channel and leaves escrow when it confirms.
 */
@ApiTags('disputes')
@ApiBearerAuth()
@Controller('v1')
export class DisputesController {
  constructor(@Inject(DisputesService) private readonly disputes: DisputesService) {}

  @Post('orders/:id/disputes')
  @HttpCode(201)
  @Roles('buyer')
  @ApiOperation({ summary: 'The buyer opens a dispute: the hold freezes and the receipt deadline stops' })
  @ApiCreatedResponse({ type: DisputeResponse, description: 'The dispute, `awaiting_seller`' })
  @ApiPrincipalPost(VALIDATION_ERRORS, 404, { status: 409, codes: OPEN_CONFLICTS })
  async open(
    @Param('id') orderId: string,
    @Body() body: OpenDisputeDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    const dispute = await this.disputes.open(orderId, principal, {
      reason: body.reason,
      refundAmount: BigInt(body.refund_amount),
      returnGoods: body.return_goods ?? false,
      message: body.message,
    });
    return present(dispute);
  }

  @Get('disputes')
  @Degradable('listings')
  @Roles('buyer', 'seller', 'admin')
  @ApiOperation({ summary: "The caller's disputes, newest first (admins: every dispute)" })
  @ApiListResponse(DisputeResponse)
  @ApiPrincipalGet(VALIDATION_ERRORS)
  async list(@Query() query: ListDisputesQueryDto, @CurrentPrincipal() principal: Principal) {
    const page = await this.disputes.list(principal, query.status, query.limit ?? 20, query.starting_after);
    return listAnswer({ data: page.data.map(present), hasMore: page.hasMore });
  }

  @Get('disputes/:id')
  @Roles('buyer', 'seller', 'admin')
  @ApiOperation({ summary: 'One dispute with its timeline: messages and status changes, oldest first' })
  @ApiOkResponse({ type: DisputeDetailResponse })
  @ApiPrincipalGet(404)
  async get(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    const { dispute, timeline } = await this.disputes.get(id, principal);
    return { ...present(dispute), timeline };
  }

  @Post('disputes/:id/accept')
  @HttpCode(202)
  @Roles('seller')
  @ApiOperation({
    summary:
      'The seller accepts: the refund (a partial one releases the rest), or first the return of the goods',
  })
  @ApiAcceptedResponse({
    type: DisputeResponse,
    description: '`refunded`, `partially_refunded` or `awaiting_return`',
  })
  @ApiPrincipalPost(404, { status: 409, codes: ['dispute_not_awaiting_seller', 'dispute_not_open'] })
  async accept(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return present(await this.disputes.accept(id, principal));
  }

  @Post('disputes/:id/reject')
  @HttpCode(200)
  @Roles('seller')
  @ApiOperation({
    summary: 'The seller rejects, saying why; the buyer may escalate within ESCALATION_WINDOW',
  })
  @ApiOkResponse({ type: DisputeResponse, description: 'The dispute, `rejected`' })
  @ApiPrincipalPost(VALIDATION_ERRORS, 404, {
    status: 409,
    codes: ['dispute_not_awaiting_seller', 'dispute_not_open'],
  })
  async reject(
    @Param('id') id: string,
    @Body() body: RejectDisputeDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return present(await this.disputes.reject(id, principal, body.message));
  }

  @Post('disputes/:id/return_shipment')
  @HttpCode(200)
  @Roles('buyer')
  @ApiOperation({ summary: 'The buyer ships the goods back (within RETURN_SHIP_WINDOW)' })
  @ApiOkResponse({ type: DisputeResponse, description: 'The dispute, `awaiting_return_confirmation`' })
  @ApiPrincipalPost(VALIDATION_ERRORS, 404, {
    status: 409,
    codes: ['dispute_not_awaiting_return', 'dispute_not_open'],
  })
  async shipReturn(
    @Param('id') id: string,
    @Body() body: ReturnShipmentDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return present(
      await this.disputes.shipReturn(id, principal, {
        carrier: body.carrier,
        trackingNumber: body.tracking_number,
      }),
    );
  }

  @Post('disputes/:id/confirm_return')
  @HttpCode(202)
  @Roles('seller')
  @ApiOperation({ summary: 'The seller confirms the returned parcel: the refund' })
  @ApiAcceptedResponse({ type: DisputeResponse, description: '`refunded` or `partially_refunded`' })
  @ApiPrincipalPost(404, {
    status: 409,
    codes: ['dispute_not_awaiting_return_confirmation', 'dispute_not_open'],
  })
  async confirmReturn(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return present(await this.disputes.confirmReturn(id, principal));
  }

  @Post('disputes/:id/escalate')
  @HttpCode(200)
  @Roles('buyer')
  @ApiOperation({ summary: "The buyer takes a rejected dispute to the platform's admins" })
  @ApiOkResponse({ type: DisputeResponse, description: 'The dispute, `escalated`' })
  @ApiPrincipalPost(404, { status: 409, codes: ['dispute_not_rejected', 'dispute_not_open'] })
  async escalate(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return present(await this.disputes.escalate(id, principal));
  }

  @Post('disputes/:id/withdraw')
  @HttpCode(200)
  @Roles('buyer')
  @ApiOperation({
    summary: 'The buyer withdraws before a ruling: the hold is held again, the deadline resumes',
  })
  @ApiOkResponse({ type: DisputeResponse, description: 'The dispute, `withdrawn`' })
  @ApiPrincipalPost(404, { status: 409, codes: ['dispute_not_withdrawable', 'dispute_not_open'] })
  async withdraw(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return present(await this.disputes.withdraw(id, principal));
  }

  @Post('disputes/:id/messages')
  @HttpCode(201)
  @Roles('buyer', 'seller', 'admin')
  @ApiOperation({ summary: 'A message on the timeline, with up to 5 https attachment URLs' })
  @ApiCreatedResponse({ type: DisputeMessageResponse })
  @ApiPrincipalPost(VALIDATION_ERRORS, 404, { status: 409, codes: ['dispute_not_open'] })
  async message(
    @Param('id') id: string,
    @Body() body: DisputeMessageDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    const message = await this.disputes.addMessage(id, principal, {
      text: body.text,
      attachmentUrls: body.attachment_urls ?? [],
    });
    return toMessageObject(message);
  }
}
