import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ReceiptService } from '@danbao/escrow';
import { ApiPrincipalPost, CurrentPrincipal, Principal, Roles, VALIDATION_ERRORS } from '@danbao/platform';
import { OrderResponse } from '../orders/order.dto';
import { OrderPresenter } from '../orders/order.presenter';
import { CreateShipmentDto, ExtendReceiptDto, ReceiptConfirmationResponse } from './escrow.dto';

/** The 409 codes of an order whose hold has ended or is disputed (hold.state.ts, `settled`). */
const SETTLED = ['hold_already_released', 'order_refunded', 'order_in_dispute'];

/**
 * Shipment, receipt confirmation and deadline extension of an order (API.md). The money moves in
 * the worker: confirming receipt answers 202 once the release is due and queued.
 */
@ApiTags('orders')
@ApiBearerAuth()
@Controller('v1/orders')
export class ReceiptController {
  constructor(
    @Inject(ReceiptService) private readonly receipts: ReceiptService,
    @Inject(OrderPresenter) private readonly presenter: OrderPresenter,
  ) {}

  @Post(':id/shipments')
  @HttpCode(200)
  @Roles('marketplace', 'seller')
  @ApiOperation({
    summary: 'Ship a paid order (its seller, or the marketplace); starts the receipt deadline',
  })
  @ApiOkResponse({ type: OrderResponse, description: 'The order, `shipped`, with `auto_confirm_at`' })
  @ApiPrincipalPost(VALIDATION_ERRORS, 404, {
    status: 409,
    codes: ['order_not_paid', 'order_already_shipped', 'order_not_shippable', ...SETTLED],
  })
  async ship(
    @Param('id') id: string,
    @Body() body: CreateShipmentDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    const order = await this.receipts.ship(id, principal, {
      method: body.method,
      carrier: body.carrier,
      trackingNumber: body.tracking_number,
    });
    return this.presenter.present(order);
  }

  @Post(':id/confirm_receipt')
  @HttpCode(202)
  @Roles('buyer')
  @ApiOperation({ summary: 'The buyer confirms receipt; the worker releases the money to the seller' })
  @ApiAcceptedResponse({ type: ReceiptConfirmationResponse })
  @ApiPrincipalPost(404, { status: 409, codes: ['order_not_shipped', ...SETTLED] })
  async confirmReceipt(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    const confirmation = await this.receipts.confirmReceipt(id, principal);
    return {
      object: 'receipt_confirmation' as const,
      order_id: confirmation.orderId,
      hold_id: confirmation.holdId,
      status: 'release_pending' as const,
      confirmed_at: confirmation.confirmedAt.toISOString(),
    };
  }

  @Post(':id/extend_receipt')
  @HttpCode(200)
  @Roles('buyer', 'seller')
  @ApiOperation({
    summary: 'Extend the receipt deadline: the buyer by RECEIPT_EXTENSION (no body), the seller by `days`',
  })
  @ApiOkResponse({ type: OrderResponse, description: 'The order with its new `auto_confirm_at`' })
  @ApiPrincipalPost(VALIDATION_ERRORS, 404, {
    status: 409,
    codes: ['order_not_shipped', 'receipt_already_confirmed', 'receipt_already_extended', ...SETTLED],
  })
  async extendReceipt(
    @Param('id') id: string,
    @Body() body: ExtendReceiptDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.presenter.present(await this.receipts.extendReceipt(id, principal, body.days));
  }
}
