import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Dispute, DisputesService, toDisputeObject } from '@danbao/disputes';
import {
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
import { listAnswer } from '../common/list-query.dto';
import {
  AdminDisputeResponse,
  DisputeResponse,
  ListDisputesQueryDto,
  ResolveDisputeDto,
} from './dispute.dto';

function toAdminDispute(dispute: Dispute, now: number) {
  return {
    ...toDisputeObject(dispute),
    waiting_seconds: Math.max(0, Math.floor((now - new Date(dispute.statusChangedAt).getTime()) / 1000)),
  };
}

/**
 * Arbitration (API.md, Admin): the queue of disputes, oldest first with how long each has waited;
 * a ruling on an escalated dispute; above ADMIN_APPROVAL_THRESHOLD a second admin's approval.
 */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/disputes')
export class AdminDisputesController {
  constructor(@Inject(DisputesService) private readonly disputes: DisputesService) {}

  @Get()
  @Degradable('listings')
  @Roles('admin')
  @ApiOperation({
    summary:
      'Disputes by status (admin; `status=escalated` is the arbitration queue), the longest waiting first',
  })
  @ApiListResponse(AdminDisputeResponse, 'A page, the longest waiting first')
  @ApiPrincipalGet(VALIDATION_ERRORS)
  async list(@Query() query: ListDisputesQueryDto) {
    const page = await this.disputes.queue(query.status, query.limit ?? 20, query.starting_after);
    const now = Date.now();
    return listAnswer({
      data: page.data.map((dispute) => toAdminDispute(dispute, now)),
      hasMore: page.hasMore,
    });
  }

  @Post(':id/resolve')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary:
      'Rule on an escalated dispute (admin): refund, release or partial_refund; above ADMIN_APPROVAL_THRESHOLD it waits for a second admin',
  })
  @ApiAcceptedResponse({
    type: DisputeResponse,
    description: '`refunded`, `partially_refunded`, `released`, or `awaiting_approval` (no money moved yet)',
  })
  @ApiPrincipalPost(VALIDATION_ERRORS, 404, {
    status: 409,
    codes: ['dispute_already_resolved', 'dispute_not_escalated', 'dispute_not_open'],
  })
  async resolve(
    @Param('id') id: string,
    @Body() body: ResolveDisputeDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ) {
    if (body.outcome !== 'partial_refund' && body.refund_amount !== undefined) {
      throw ApiError.badRequest(
        'parameter_invalid',
        'refund_amount is only for partial_refund (refund returns all of the hold, release none)',
        'refund_amount',
      );
    }
    const dispute = await this.disputes.resolve(
      id,
      principal,
      {
        outcome: body.outcome,
        refundAmount: body.refund_amount === undefined ? undefined : BigInt(body.refund_amount),
        note: body.note,
      },
      request.id,
    );
    return toDisputeObject(dispute);
  }

  @Post(':id/approve')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary:
      "A second admin approves a ruling awaiting approval: now its money moves (never the ruling's own admin)",
  })
  @ApiAcceptedResponse({
    type: DisputeResponse,
    description: '`refunded`, `partially_refunded` or `released`',
  })
  @ApiPrincipalPost(404, { status: 409, codes: ['dispute_not_awaiting_approval'] })
  async approve(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ) {
    return toDisputeObject(await this.disputes.approve(id, principal, request.id));
  }
}
