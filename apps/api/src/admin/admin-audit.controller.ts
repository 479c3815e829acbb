import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiListResponse,
  ApiPrincipalGet,
  AuditLog,
  Database,
  Degradable,
  Roles,
  VALIDATION_ERRORS,
} from '@danbao/platform';
import { listAnswer } from '../common/list-query.dto';
import { AuditEntryResponse, ListAuditQueryDto } from './admin.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/audit')
export class AdminAuditController {
  constructor(
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(Database) private readonly db: Database,
  ) {}

  @Get()
  @Degradable('reports', 'listings')
  @Roles('admin')
  @ApiOperation({ summary: 'The audit log of admin actions (admin): who did what, when, newest first' })
  @ApiListResponse(AuditEntryResponse)
  @ApiPrincipalGet(VALIDATION_ERRORS)
  async list(@Query() query: ListAuditQueryDto) {
    const page = await this.audit.list(this.db, {
      action: query.action,
      limit: query.limit ?? 20,
      startingAfter: query.starting_after,
    });
    return listAnswer(page);
  }
}
