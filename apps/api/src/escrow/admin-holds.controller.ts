import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EscrowService, Hold, toHoldObject } from '@danbao/escrow';
import { ApiListResponse, ApiPrincipalGet, Degradable, Roles, VALIDATION_ERRORS } from '@danbao/platform';
import { listAnswer } from '../common/list-query.dto';
import { AdminHoldResponse, ListHoldsQueryDto } from './escrow.dto';

const iso = (date: Date | null): string | null => (date ? new Date(date).toISOString() : null);

function toAdminHold(hold: Hold) {
  return {
    ...toHoldObject(hold),
    seller_id: hold.sellerId,
    expires_at: iso(hold.expiresAt),
    overdue_at: iso(hold.overdueAt),
    created_at: iso(hold.createdAt),
  };
}

/** Holds past MAX_HOLD that a person must resolve (GET /v1/admin/holds?status=overdue). */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/holds')
export class AdminHoldsController {
  constructor(@Inject(EscrowService) private readonly escrow: EscrowService) {}

  @Get()
  @Degradable('listings')
  @Roles('admin')
  @ApiOperation({ summary: 'Holds past MAX_HOLD that need a person (admin), oldest first' })
  @ApiListResponse(AdminHoldResponse, 'A page, oldest first')
  @ApiPrincipalGet(VALIDATION_ERRORS)
  async list(@Query() query: ListHoldsQueryDto) {
    const page = await this.escrow.listOverdue(query.limit ?? 20, query.starting_after);
    return listAnswer({ data: page.data.map(toAdminHold), hasMore: page.hasMore });
  }
}
