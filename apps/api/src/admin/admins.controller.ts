import { Body, Controller, Inject, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AdminService, toAdminObject } from '@danbao/admins';
import {
  ApiPrincipalPost,
  CurrentPrincipal,
  type Principal,
  Roles,
  VALIDATION_ERRORS,
  adminActorOf,
} from '@danbao/platform';
import { AdminResponse, CreateAdminDto } from './admin.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/admins')
export class AdminsController {
  constructor(@Inject(AdminService) private readonly admins: AdminService) {}

  /** An admin adds another admin (audited as `admin.create`). */
  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Add an admin (admin); the password is stored only as a salted scrypt hash' })
  @ApiCreatedResponse({ type: AdminResponse })
  @ApiPrincipalPost(VALIDATION_ERRORS, { status: 409, codes: ['admin_exists'] })
  async create(
    @Body() body: CreateAdminDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<AdminResponse> {
    const actor = adminActorOf(principal);
    const admin = await this.admins.create(body.email, body.password, actor, request.id);
    return toAdminObject(admin);
  }
}
