import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { toJsonAmount } from '@danbao/money';
import {
  ApiError,
  ApiErrorResponses,
  ApiPrincipalGet,
  ApiPrincipalPost,
  AUTH_ERRORS,
  BODY_ERRORS,
  CurrentPrincipal,
  Degradable,
  Principal,
  Roles,
  SUBJECT_ID_PATTERN,
  VALIDATION_ERRORS,
  adminActorOf,
} from '@danbao/platform';
import { PayoutService, SettlementService } from '@danbao/settlement';
import { payoutDelayMs, PayoutRunResponse, SellerSettingsResponse, UpdateSellerDto } from './settlement.dto';

/** Admins set a seller's payout delay or risk tier, and may start the payout run now. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin')
export class AdminSellersController {
  constructor(
    @Inject(SettlementService) private readonly settlement: SettlementService,
    @Inject(PayoutService) private readonly payouts: PayoutService,
  ) {}

  @Get('sellers/:id')
  @Roles('admin')
  @ApiOperation({ summary: 'A seller’s payout delay and risk tier (admin)' })
  @ApiOkResponse({ type: SellerSettingsResponse })
  @ApiPrincipalGet(404)
  async get(@Param('id') id: string): Promise<SellerSettingsResponse> {
    if (!SUBJECT_ID_PATTERN.test(id)) throw ApiError.notFound('seller', 'id');
    return toSellerSettings(id, await this.settlement.settingsOf(id));
  }

  @Put('sellers/:id')
  @Roles('admin')
  @ApiOperation({ summary: 'Set a seller’s payout delay or risk tier (admin, audited)' })
  @ApiOkResponse({ type: SellerSettingsResponse })
  @ApiErrorResponses(...AUTH_ERRORS, ...BODY_ERRORS, VALIDATION_ERRORS, 404)
  async update(
    @Param('id') id: string,
    @Body() body: UpdateSellerDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<SellerSettingsResponse> {
    if (!SUBJECT_ID_PATTERN.test(id)) throw ApiError.notFound('seller', 'id');
    if (body.payout_delay === undefined && body.risk_tier === undefined) {
      throw ApiError.badRequest('parameter_missing', 'Send payout_delay, risk_tier or both.', 'payout_delay');
    }
    const settings = await this.settlement.updateSettings(
      id,
      {
        ...(body.payout_delay !== undefined
          ? { payoutDelayMs: body.payout_delay === null ? null : payoutDelayMs(body.payout_delay)! }
          : {}),
        ...(body.risk_tier !== undefined ? { riskTier: body.risk_tier } : {}),
      },
      adminActorOf(principal),
      request.id,
    );
    return toSellerSettings(id, settings);
  }

  @Post('payout_runs')
  @HttpCode(200)
  @Degradable('payouts')
  @Roles('admin')
  @ApiOperation({
    summary: 'Run today’s payouts now (admin): the same run as the daily one, which pays nobody twice',
  })
  @ApiOkResponse({ type: PayoutRunResponse })
  @ApiPrincipalPost()
  async run(): Promise<PayoutRunResponse> {
    await this.settlement.matureDue();
    const summary = await this.payouts.runPayouts();
    return {
      object: 'payout_run',
      run_date: summary.runDate,
      payouts: summary.payouts,
      amounts: Object.entries(summary.amounts).map(([currency, amount]) => ({
        amount: toJsonAmount(amount),
        currency,
      })),
    };
  }
}

function toSellerSettings(
  id: string,
  settings: Awaited<ReturnType<SettlementService['settingsOf']>>,
): SellerSettingsResponse {
  return {
    object: 'seller',
    id,
    risk_tier: settings.riskTier,
    payout_delay: settings.payoutDelayMs === null ? null : Math.round(settings.payoutDelayMs / 1000),
    effective_payout_delay: Math.round(settings.effectiveDelayMs / 1000),
    updated_at: settings.updatedAt.getTime() === 0 ? null : settings.updatedAt.toISOString(),
  };
}
