import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsIn, IsInt, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { SELLER_EXTENSION_DAYS, SHIPMENT_METHODS, ShipmentMethod, TRACKED_METHODS } from '@danbao/escrow';
import { ListQueryDto } from '../common/list-query.dto';
import { money } from '../orders/order.dto';

const tracked = (body: CreateShipmentDto) => (TRACKED_METHODS as readonly string[]).includes(body.method);
const PRINTABLE = /^[\x20-\x7e]+$/;

export class CreateShipmentDto {
  @ApiProperty({
    enum: SHIPMENT_METHODS,
    description: 'picks the receipt deadline unless the order set its own',
  })
  @IsIn(SHIPMENT_METHODS, { message: `method must be one of ${SHIPMENT_METHODS.join(', ')}` })
  method!: ShipmentMethod;

  @ApiPropertyOptional({ example: 'SF Express', description: 'required for express and surface_mail' })
  @ValidateIf((body: CreateShipmentDto) => tracked(body) || body.carrier !== undefined)
  @IsDefined({ message: 'carrier is required for express and surface_mail shipments' })
  @IsString()
  @Length(1, 100)
  @Matches(PRINTABLE, { message: 'carrier must be printable text' })
  carrier?: string;

  @ApiPropertyOptional({ example: 'SF1234567890', description: 'required for express and surface_mail' })
  @ValidateIf((body: CreateShipmentDto) => tracked(body) || body.tracking_number !== undefined)
  @IsDefined({ message: 'tracking_number is required for express and surface_mail shipments' })
  @IsString()
  @Length(1, 100)
  @Matches(PRINTABLE, { message: 'tracking_number must be printable text' })
  tracking_number?: string;
}

export class ExtendReceiptDto {
  @ApiPropertyOptional({
    enum: SELLER_EXTENSION_DAYS,
    description: 'sellers only: days to add; buyers send no body and get RECEIPT_EXTENSION',
  })
  @ValidateIf((body: ExtendReceiptDto) => body.days !== undefined)
  @IsInt({ message: 'days must be an integer' })
  @IsIn(SELLER_EXTENSION_DAYS, { message: `days must be one of ${SELLER_EXTENSION_DAYS.join(', ')}` })
  days?: number;
}

export class ListHoldsQueryDto extends ListQueryDto {
  @ApiProperty({ enum: ['overdue'], description: 'holds past MAX_HOLD that need a person' })
  @IsDefined({ message: 'status is required' })
  @IsString()
  @IsIn(['overdue'], { message: 'status must be overdue' })
  status!: 'overdue';
}

export class ReceiptConfirmationResponse {
  @ApiProperty({ enum: ['receipt_confirmation'] })
  object!: 'receipt_confirmation';

  @ApiProperty({ example: 'ord_01m8t431me2pv4znysahrjhmz3' })
  order_id!: string;

  @ApiProperty({ example: 'hold_01m8t43249k3tctj0qezvbs2v8' })
  hold_id!: string;

  @ApiProperty({
    enum: ['release_pending'],
    description: 'the worker releases the money; the order then becomes `completed`',
  })
  status!: 'release_pending';

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    description: 'the first confirmation (a repeat answers the same)',
  })
  confirmed_at!: string;
}

/** A hold as events (`hold.*`) and the admin API show it. */
export class HoldResponse {
  @ApiProperty({ example: 'hold_01m8t43249k3tctj0qezvbs2v8' })
  id!: string;

  @ApiProperty({ example: 'ord_01m8t431me2pv4znysahrjhmz3' })
  order_id!: string;

  @money('what was held', 1)
  amount!: number;

  @money("the platform's fee on the released part (0 until released)")
  fee!: number;

  @money('released to the seller: the released part less the fee (0 until released)')
  net!: number;

  @money('returned to the buyer')
  refunded!: number;

  @ApiProperty({ example: 'CNY' })
  currency!: string;

  @ApiProperty({ enum: ['held', 'frozen', 'released', 'refunded', 'partially_refunded'] })
  status!: string;
}

export class AdminHoldResponse extends HoldResponse {
  @ApiProperty({ example: 'seller_7' })
  seller_id!: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'MAX_HOLD after payment' })
  expires_at!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'when it was flagged' })
  overdue_at!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  created_at!: string | null;
}
