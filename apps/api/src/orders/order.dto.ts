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

export class CreateOrderDto {
  @ApiProperty({ example: 'buyer_42' })
  @IsString()
  @Matches(SUBJECT_ID_PATTERN, { message: 'buyer_id must be 1-64 letters, digits, _ . or -' })
  buyer_id!: string;

  @ApiProperty({ example: 'seller_7' })
  @IsString()
  @Matches(SUBJECT_ID_PATTERN, { message: 'seller_id must be 1-64 letters, digits, _ . or -' })
  seller_id!: string;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: MAX_AMOUNT,
    example: 1999,
    description: 'minor units',
  })
  @IsInt({ message: 'amount must be an integer number of minor units' })
  @Min(1)
  @Max(MAX_AMOUNT)
  amount!: number;

  @ApiProperty({ example: 'CNY' })
  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code like CNY' })
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
  @IsOptional()
  @IsIn(ORDER_STATUSES)
  status?: OrderStatus;

  @IsOptional()
  @Matches(SUBJECT_ID_PATTERN)
  seller_id?: string;

  @IsOptional()
  @Matches(SUBJECT_ID_PATTERN)
  buyer_id?: string;
}

export class CreateCheckoutSessionDto {
  @ApiProperty({ type: [String], minItems: 2, maxItems: 20 })
  @IsArray()
  @IsString({ each: true })
  @Matches(/^ord_[0-9a-z]{26}$/, { each: true, message: 'order_ids must be order ids' })
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
