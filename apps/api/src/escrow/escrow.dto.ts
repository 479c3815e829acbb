import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsIn, IsInt, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { SELLER_EXTENSION_DAYS, SHIPMENT_METHODS, ShipmentMethod, TRACKED_METHODS } from '@danbao/escrow';
import { ListQueryDto } from '../common/list-query.dto';

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
