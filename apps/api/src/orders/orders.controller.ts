import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CheckoutService } from '@danbao/checkout';
import { OrdersService } from '@danbao/orders';
import {
  ApiListResponse,
  ApiPrincipalGet,
  ApiPrincipalPost,
  APP_CONFIG,
  AppConfig,
  CurrentPrincipal,
  Degradable,
  Principal,
  Roles,
  VALIDATION_ERRORS,
} from '@danbao/platform';
import { listAnswer } from '../common/list-query.dto';
import { CreateOrderDto, ListOrdersQueryDto, OrderResponse } from './order.dto';
import { OrderPresenter } from './order.presenter';

@ApiTags('orders')
@ApiBearerAuth()
@Controller('v1/orders')
export class OrdersController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OrdersService) private readonly orders: OrdersService,
    @Inject(CheckoutService) private readonly checkout: CheckoutService,
    @Inject(OrderPresenter) private readonly presenter: OrderPresenter,
  ) {}

  @Post()
  @Roles('marketplace')
  @ApiOperation({ summary: 'Create an order (marketplace); the buyer pays it at checkout_url' })
  @ApiCreatedResponse({ type: OrderResponse, description: 'The order, `awaiting_payment`' })
  @ApiPrincipalPost(VALIDATION_ERRORS, { status: 400, codes: ['currency_not_supported', 'buyer_is_seller'] })
  async create(@Body() body: CreateOrderDto) {
    const order = await this.checkout.createOrder({
      buyerId: body.buyer_id,
      sellerId: body.seller_id,
      amount: BigInt(body.amount),
      currency: body.currency,
      description: body.description,
      feeBps: body.fee_bps ?? this.config.platformFeeBps,
      autoConfirmDays: body.auto_confirm_days ?? null,
      returnUrl: body.return_url ?? null,
      metadata: body.metadata ?? null,
    });
    return this.presenter.present(order);
  }

  @Get()
  @Degradable('listings')
  @Roles('marketplace', 'buyer', 'seller', 'admin')
  @ApiOperation({ summary: "List orders, newest first (a buyer's or seller's token: only its own)" })
  @ApiListResponse(OrderResponse)
  @ApiPrincipalGet(VALIDATION_ERRORS)
  async list(@Query() query: ListOrdersQueryDto, @CurrentPrincipal() principal: Principal) {
    const page = await this.orders.list(
      { status: query.status, sellerId: query.seller_id, buyerId: query.buyer_id },
      principal,
      query.limit ?? 20,
      query.starting_after,
    );
    return listAnswer({ data: await this.presenter.presentMany(page.data), hasMore: page.hasMore });
  }

  @Get(':id')
  @Roles('marketplace', 'buyer', 'seller', 'admin')
  @ApiOperation({ summary: "One order (a buyer's or seller's token: only its own, else 404)" })
  @ApiOkResponse({ type: OrderResponse })
  @ApiPrincipalGet(404)
  async get(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.presenter.present(await this.orders.getVisible(id, principal));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles('marketplace')
  @ApiOperation({ summary: 'Cancel an order that awaits payment (marketplace)' })
  @ApiOkResponse({ type: OrderResponse, description: 'The order, `cancelled`' })
  @ApiPrincipalPost(404, { status: 409, codes: ['order_not_cancellable', 'payment_in_progress'] })
  async cancel(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.presenter.present(await this.checkout.cancelOrder(id, principal));
  }
}
