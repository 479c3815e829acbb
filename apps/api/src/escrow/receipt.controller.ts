import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ReceiptService } from '@danbao/escrow';
import { CurrentPrincipal, Principal, Roles } from '@danbao/platform';
import { OrderPresenter } from '../orders/order.presenter';
import { CreateShipmentDto, ExtendReceiptDto } from './escrow.dto';

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
  async extendReceipt(
    @Param('id') id: string,
    @Body() body: ExtendReceiptDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.presenter.present(await this.receipts.extendReceipt(id, principal, body.days));
  }
}
