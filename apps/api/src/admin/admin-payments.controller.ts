import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsDefined, IsIn, IsString } from 'class-validator';
import type { Refund } from '@danbao/channels';
import { CheckoutService, type Payment } from '@danbao/checkout';
import { toJsonAmount } from '@danbao/money';
import { ApiListResponse, ApiPrincipalGet, Degradable, Roles, VALIDATION_ERRORS } from '@danbao/platform';
import { ListQueryDto, listAnswer } from '../common/list-query.dto';
import { money } from '../orders/order.dto';

const FILTERS = ['refund_required', 'review'] as const;

export class ListPaymentsQueryDto extends ListQueryDto {
  @ApiProperty({
    enum: FILTERS,
    description: '`refund_required`: captured money no order could take; `review`: every flagged payment',
  })
  @IsDefined({ message: 'status is required' })
  @IsString()
  @IsIn(FILTERS, { message: `status must be one of ${FILTERS.join(', ')}` })
  status!: (typeof FILTERS)[number];
}

export class AdminRefundResponse {
  @ApiProperty({ example: 'rfd_01m8t431w156gxbxxcw040nneg' })
  id!: string;

  @ApiProperty({ enum: ['requested', 'succeeded', 'failed'] })
  status!: string;

  @money('refunded (or to refund) to the buyer', 1)
  amount!: number;

  @ApiProperty({ example: 'CNY' })
  currency!: string;

  @ApiProperty({ example: 'refund_required' })
  reason!: string;

  @ApiPropertyOptional({ type: 'string', nullable: true, example: null })
  failure_code!: string | null;
}

export class AdminPaymentResponse {
  @ApiProperty({ example: 'pay_01m8t431w156gxbxxcw040nneg' })
  id!: string;

  @ApiProperty({ enum: ['payment'] })
  object!: 'payment';

  @ApiProperty({ enum: ['processing', 'succeeded', 'failed'] })
  status!: string;

  @money('what the buyer paid', 1)
  amount!: number;

  @ApiProperty({ example: 'CNY' })
  currency!: string;

  @ApiProperty({ example: 'sandbox' })
  channel!: string;

  @ApiProperty({
    type: [String],
    example: ['refund_required'],
    description: 'every reason it was flagged, oldest first',
  })
  review_reasons!: string[];

  @ApiProperty({ type: [AdminRefundResponse] })
  refunds!: AdminRefundResponse[];

  @ApiProperty({ type: 'string', format: 'date-time' })
  created_at!: string;
}

function toAdminPayment(payment: Payment, refunds: Refund[]): AdminPaymentResponse {
  return {
    id: payment.id,
    object: 'payment',
    status: payment.status,
    amount: toJsonAmount(payment.amount),
    currency: payment.currency,
    channel: payment.channel,
    review_reasons: payment.reviewReasons,
    refunds: refunds.map((refund) => ({
      id: refund.id,
      status: refund.status,
      amount: toJsonAmount(refund.amount),
      currency: refund.currency,
      reason: refund.reason,
      failure_code: refund.failureCode,
    })),
    created_at: new Date(payment.createdAt).toISOString(),
  };
}

/** Payments that need a person: flagged for review, or captured with no order to take them. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/payments')
export class AdminPaymentsController {
  constructor(@Inject(CheckoutService) private readonly checkout: CheckoutService) {}

  @Get()
  @Degradable('listings')
  @Roles('admin')
  @ApiOperation({ summary: 'Payments that need a person (admin), oldest first, with their refunds' })
  @ApiListResponse(AdminPaymentResponse, 'A page, oldest first')
  @ApiPrincipalGet(VALIDATION_ERRORS)
  async list(@Query() query: ListPaymentsQueryDto) {
    const page = await this.checkout.paymentsNeedingReview(
      query.status,
      query.limit ?? 20,
      query.starting_after,
    );
    return listAnswer({
      data: page.data.map(({ payment, refunds }) => toAdminPayment(payment, refunds)),
      hasMore: page.hasMore,
    });
  }
}
