import { Body, Controller, Get, Inject, Param, Put, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  adminActorOf,
  ApiError,
  ApiErrorResponses,
  ApiPrincipalGet,
  AUTH_ERRORS,
  BODY_ERRORS,
  CurrentPrincipal,
  isSwitchName,
  Principal,
  Roles,
  SwitchBoard,
  type SwitchState,
  VALIDATION_ERRORS,
} from '@danbao/platform';
import { SwitchListResponse, SwitchResponse, UpdateSwitchDto } from './admin.dto';

/**
 * The degrade switches: what an admin turns off on a peak day so payments get every resource.
 * Never degradable themselves (an admin must always be able to switch a feature on again).
 */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/switches')
export class AdminSwitchesController {
  constructor(@Inject(SwitchBoard) private readonly switches: SwitchBoard) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'The degrade switches and who flipped each last (admin)' })
  @ApiOkResponse({ type: SwitchListResponse })
  @ApiPrincipalGet()
  async list(): Promise<SwitchListResponse> {
    const states = await this.switches.list();
    return { object: 'list', data: states.map(toSwitchResponse), has_more: false };
  }

  @Put(':name')
  @Roles('admin')
  @ApiOperation({
    summary: 'Switch a feature off or on again (admin, audited); every process follows within 5 s',
  })
  @ApiOkResponse({ type: SwitchResponse })
  @ApiErrorResponses(...AUTH_ERRORS, ...BODY_ERRORS, VALIDATION_ERRORS, 404)
  async update(
    @Param('name') name: string,
    @Body() body: UpdateSwitchDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<SwitchResponse> {
    if (!isSwitchName(name)) throw ApiError.notFound('switch', 'name');
    return toSwitchResponse(await this.switches.set(name, body.enabled, adminActorOf(principal), request.id));
  }
}

function toSwitchResponse(state: SwitchState): SwitchResponse {
  return {
    name: state.name,
    enabled: state.enabled,
    updated_at: state.updatedAt?.toISOString() ?? null,
    updated_by: state.updatedBy,
  };
}
