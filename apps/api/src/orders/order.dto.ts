import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidationOptions,
} from 'class-validator';
import { ORDER_STATUSES, OrderStatus } from '@danbao/orders';
import { SUBJECT_ID_PATTERN } from '@danbao/platform';
import { ListQueryDto } from '../common/list-query.dto';

/** metadata: up to 20 string keys (≤ 40 characters) with string values (≤ 500). */
function IsMetadata(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isMetadata',
      target: target.constructor,
      propertyName,
      options: {
        message: 'metadata must have at most 20 keys of up to 40 characters with string values of up to 500',
        ...options,
      },
      validator: {
        validate(value: unknown) {
          if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
          const entries = Object.entries(value as Record<string, unknown>);
          return (
            entries.length <= 20 &&
            entries.every(
              ([key, item]) =>
                key.length >= 1 && key.length <= 40 && typeof item === 'string' && item.length <= 500,
            )
          );
        },
      },
    });
}

export const MAX_AMOUNT = 1_000_000_000_000;

/** A request's amount: an integer of minor units, 1 to 10^12 (API.md, Conventions). */
export const AmountInMinorUnits = (description = 'minor units') =>
  applyDecorators(
    ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_AMOUNT, example: 1999, description }),
    IsInt({ message: 'amount must be an integer number of minor units' }),
    Min(1),
    Max(MAX_AMOUNT),
  );

/** A request's currency: an ISO 4217 code (whether the platform takes it is checked by the route). */
export const CurrencyCode = () =>
  applyDecorators(
    ApiProperty({ example: 'CNY' }),
    IsString(),
    Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code like CNY' }),
  );

export class CreateOrderDto {
  @ApiProperty({ example: 'buyer_42' })
  @IsString()
  @Matches(SUBJECT_ID_PATTERN, { message: 'buyer_id must be 1-64 letters, digits, _ . or -' })
  buyer_id!: string;

  @ApiProperty({ example: 'seller_7' })
  @IsString()
  @Matches(SUBJECT_ID_PATTERN, { message: 'seller_id must be 1-64 letters, digits, _ . or -' })
  seller_id!: string;

  @AmountInMinorUnits()
  amount!: number;

  @CurrencyCode()
  currency!: string;

  @ApiProperty({ minLength: 1, maxLength: 500 })
  @IsString()
  @Length(1, 500)
  description!: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 10_000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000)
  fee_bps?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 365 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  auto_confirm_days?: number;

  @ApiPropertyOptional({ example: 'https://shop.example/orders/42' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  return_url?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsObject()
  @IsMetadata()
  metadata?: Record<string, string>;
}

export class ListOrdersQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: ORDER_STATUSES })
  @IsOptional()
  @IsIn(ORDER_STATUSES)
  status?: OrderStatus;

  @ApiPropertyOptional({
    example: 'seller_7',
    description: "a seller token's own id only (another answers an empty list)",
  })
  @IsOptional()
  @Matches(SUBJECT_ID_PATTERN)
  seller_id?: string;

  @ApiPropertyOptional({
    example: 'buyer_42',
    description: "a buyer token's own id only (another answers an empty list)",
  })
  @IsOptional()
  @Matches(SUBJECT_ID_PATTERN)
  buyer_id?: string;
}

export class CreateCheckoutSessionDto {
  @ApiProperty({ type: [String], minItems: 2, maxItems: 20 })
  @IsArray()
  // No shape check: an id that is not ours is unknown (404), whatever its shape.
  @IsString({ each: true })
  @ArraySize(2, 20)
  order_ids!: string[];
}

function ArraySize(min: number, max: number) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'arraySize',
      target: target.constructor,
      propertyName,
      options: { message: `order_ids must list ${min} to ${max} distinct orders` },
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) &&
          value.length >= min &&
          value.length <= max &&
          new Set(value).size === value.length,
      },
    });
}

/** An amount in minor units, as every money field of an answer is: a JSON integer. */
export const money = (description: string, minimum = 0, maximum = MAX_AMOUNT) =>
  ApiProperty({ type: 'integer', minimum, maximum, example: 1999, description });

const timestamp = (description: string) =>
  ApiProperty({ type: 'string', format: 'date-time', nullable: true, description });

export class PaymentSummaryResponse {
  @ApiProperty({ example: 'pay_01m8t431w156gxbxxcw040nneg' })
  id!: string;

  @ApiProperty({ enum: ['processing', 'succeeded', 'failed'] })
  status!: 'processing' | 'succeeded' | 'failed';

  @ApiProperty({ example: 'visa' })
  card_brand!: string;

  @ApiProperty({ example: '4242' })
  card_last4!: string;

  @ApiPropertyOptional({ example: 'card_declined', description: 'set when the payment failed' })
  failure_code?: string;
}

export class HoldSummaryResponse {
  @money('what is held')
  amount!: number;

  @money("released to the seller: the amount less the platform's fee, once released")
  released!: number;

  @money('refunded to the buyer')
  refunded!: number;

  @ApiProperty({ enum: ['held', 'frozen', 'released', 'refunded', 'partially_refunded'] })
  status!: string;
}

export class ShipmentResponse {
  @ApiProperty({ enum: ['express', 'surface_mail', 'virtual', 'pickup'] })
  method!: string;

  @ApiProperty({ type: 'string', nullable: true, example: 'SF Express' })
  carrier!: string | null;

  @ApiProperty({ type: 'string', nullable: true, example: 'SF1234567890' })
  tracking_number!: string | null;

  @timestamp('when the order shipped')
  shipped_at!: string | null;
}

export class OrderResponse {
  @ApiProperty({ example: 'ord_01m8t431me2pv4znysahrjhmz3' })
  id!: string;

  @ApiProperty({ enum: ['order'] })
  object!: 'order';

  @ApiProperty({ enum: ORDER_STATUSES })
  status!: OrderStatus;

  @ApiProperty({ example: 'buyer_42' })
  buyer_id!: string;

  @ApiProperty({ example: 'seller_7' })
  seller_id!: string;

  @money('minor units', 1)
  amount!: number;

  @ApiProperty({ example: 'CNY' })
  currency!: string;

  @ApiProperty({ example: 'A teapot' })
  description!: string;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: 10_000, example: 200 })
  fee_bps!: number;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 365, nullable: true })
  auto_confirm_days!: number | null;

  @ApiProperty({ type: 'string', nullable: true, example: 'https://shop.example/orders/42' })
  return_url!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'as sent' })
  metadata!: Record<string, string>;

  @ApiProperty({ example: 'http://localhost:3000/checkout/cs_pgWk_zQ1E7yd4AQchfzLFPOz-6o' })
  checkout_url!: string;

  @ApiProperty({
    type: PaymentSummaryResponse,
    nullable: true,
    description: 'once the buyer has submitted the checkout form',
  })
  latest_payment!: PaymentSummaryResponse | null;

  @ApiProperty({ type: HoldSummaryResponse, nullable: true, description: 'once paid' })
  hold!: HoldSummaryResponse | null;

  @ApiProperty({ type: ShipmentResponse, nullable: true, description: 'once shipped' })
  shipment!: ShipmentResponse | null;

  @timestamp('the receipt deadline, once shipped')
  auto_confirm_at!: string | null;

  @timestamp('')
  paid_at!: string | null;

  @timestamp('')
  completed_at!: string | null;

  @timestamp('')
  cancelled_at!: string | null;

  @timestamp('')
  expired_at!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time' })
  created_at!: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  updated_at!: string;
}

export class CheckoutSessionResponse {
  @ApiProperty({ example: 'cs_pgWk_zQ1E7yd4AQchfzLFPOz-6o' })
  id!: string;

  @ApiProperty({ enum: ['checkout_session'] })
  object!: 'checkout_session';

  @ApiProperty({ example: 'http://localhost:3000/checkout/cs_pgWk_zQ1E7yd4AQchfzLFPOz-6o' })
  checkout_url!: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  expires_at!: string;

  @ApiProperty({ type: [String] })
  order_ids!: string[];

  @money('the sum of the orders (up to 20 of them)', 1, 20 * MAX_AMOUNT)
  amount!: number;

  @ApiProperty({ example: 'CNY' })
  currency!: string;

  @ApiProperty({ enum: ['open', 'paid', 'expired'] })
  status!: string;
}
