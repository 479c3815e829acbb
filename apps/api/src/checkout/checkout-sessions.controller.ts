import { Body, Controller, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CheckoutService } from '@danbao/checkout';
import { toJsonAmount } from '@danbao/money';
import { ApiPrincipalPost, APP_CONFIG, AppConfig, Roles, VALIDATION_ERRORS } from '@danbao/platform';
import { CheckoutSessionResponse, CreateCheckoutSessionDto } from '../orders/order.dto';

@ApiTags('checkout')
@ApiBearerAuth()
@Controller('v1/checkout_sessions')
export class CheckoutSessionsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CheckoutService) private readonly checkout: CheckoutService,
  ) {}

  /** A cart: one session that pays several unpaid orders of one buyer in one currency. */
  @Post()
  @Roles('marketplace')
  @ApiOperation({ summary: 'One checkout for 2-20 unpaid orders of one buyer in one currency (a cart)' })
  @ApiCreatedResponse({ type: CheckoutSessionResponse })
  @ApiPrincipalPost(
    VALIDATION_ERRORS,
    { status: 400, codes: ['cart_mixed_buyers', 'cart_mixed_currencies'] },
    404,
    { status: 409, codes: ['order_not_payable'] },
  )
  async create(@Body() body: CreateCheckoutSessionDto) {
    const session = await this.checkout.createCart(body.order_ids);
    return {
      id: session.id,
      object: 'checkout_session',
      checkout_url: `${this.config.publicUrl}/checkout/${session.id}`,
      expires_at: session.expiresAt.toISOString(),
      order_ids: session.orderIds,
      amount: toJsonAmount(session.amount),
      currency: session.currency,
      status: session.status,
    };
  }
}
