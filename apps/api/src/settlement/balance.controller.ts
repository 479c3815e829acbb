import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EscrowService } from '@danbao/escrow';
import { ApiPrincipalGet, CurrentPrincipal, Principal, Roles } from '@danbao/platform';
import { SettlementService } from '@danbao/settlement';
import { sellerBalance } from './seller-balance';
import { BalanceResponse } from './settlement.dto';

@ApiTags('settlement')
@ApiBearerAuth()
@Controller('v1/balance')
export class BalanceController {
  constructor(
    @Inject(EscrowService) private readonly escrow: EscrowService,
    @Inject(SettlementService) private readonly settlement: SettlementService,
  ) {}

  @Get()
  @Roles('seller')
  @ApiOperation({
    summary:
      'The seller’s balance per currency: pending (in escrow), incoming (inside the payout delay), available, in payout',
  })
  @ApiOkResponse({ type: BalanceResponse })
  @ApiPrincipalGet()
  async balance(@CurrentPrincipal() principal: Principal): Promise<BalanceResponse> {
    return sellerBalance(principal.id, this.escrow, this.settlement);
  }
}
