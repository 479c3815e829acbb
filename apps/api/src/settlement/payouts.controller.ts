import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { toJsonAmount } from '@danbao/money';
import {
  APP_CONFIG,
  AppConfig,
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
import { InsufficientAvailableError, PayoutService, toPayoutObject } from '@danbao/settlement';
import { ListQueryDto, listAnswer } from '../common/list-query.dto';
import { CreatePayoutDto, PayoutDetailResponse, PayoutResponse } from './settlement.dto';

/** A seller's payouts: the daily run's and the ones it asks for. */
@ApiTags('settlement')
@ApiBearerAuth()
@Controller('v1/payouts')
export class PayoutsController {
  constructor(
    @Inject(PayoutService) private readonly payouts: PayoutService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Degradable('listings')
  @Roles('seller')
  @ApiOperation({ summary: 'The seller’s payouts, newest first' })
  @ApiListResponse(PayoutResponse)
  @ApiPrincipalGet(VALIDATION_ERRORS)
  async list(@Query() query: ListQueryDto, @CurrentPrincipal() principal: Principal) {
    const page = await this.payouts.list(principal.id, query.limit ?? 20, query.starting_after);
    return listAnswer({ data: page.data.map(toPayoutObject), hasMore: page.hasMore });
  }

  @Post()
  @HttpCode(201)
  @Degradable('payouts')
  @Roles('seller')
  @ApiOperation({ summary: 'A manual payout of (part of) the available balance' })
  @ApiCreatedResponse({ type: PayoutResponse, description: 'The payout, `pending`; the bank answers later' })
  @ApiPrincipalPost(
    VALIDATION_ERRORS,
    { status: 400, codes: ['currency_not_supported'] },
    { status: 409, codes: ['insufficient_available'] },
  )
  async create(@Body() body: CreatePayoutDto, @CurrentPrincipal() principal: Principal) {
    if (!this.config.currencies.includes(body.currency)) {
      throw ApiError.badRequest(
        'currency_not_supported',
        `The platform does not accept ${body.currency}; it accepts ${this.config.currencies.join(', ')}.`,
        'currency',
      );
    }
    try {
      const payout = await this.payouts.requestPayout(principal.id, BigInt(body.amount), body.currency);
      return toPayoutObject(payout);
    } catch (error) {
      if (error instanceof InsufficientAvailableError) {
        throw ApiError.conflict(
          'insufficient_available',
          `The amount is above the available balance (${toJsonAmount(error.available)} ${error.currency}).`,
        );
      }
      throw error;
    }
  }

  @Get(':id')
  @Roles('seller')
  @ApiOperation({ summary: 'A payout with what it pays out, traced to ledger entries and orders' })
  @ApiOkResponse({ type: PayoutDetailResponse })
  @ApiPrincipalGet(404)
  async get(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PayoutDetailResponse> {
    const payout = await this.payouts.find(id, principal.id);
    if (!payout) throw ApiError.notFound('payout', 'id');
    const settles = await this.payouts.settledCredits(payout);
    return {
      ...toPayoutObject(payout),
      settles: settles.map((credit) => ({
        entry_id: credit.entryId,
        transaction_id: credit.transactionId,
        type: credit.type,
        order_id: credit.orderId,
        payout_id: credit.payoutId,
        amount: toJsonAmount(credit.amount),
      })),
    };
  }
}
