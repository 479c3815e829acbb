import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { suspenseReconciler } from '@danbao/channels';
import { settlementReconcilers } from '@danbao/settlement';
import { LedgerService } from '@danbao/ledger';
import { ApiPrincipalGet, Roles } from '@danbao/platform';
import { LedgerCheckResponse } from './admin.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/ledger')
export class AdminLedgerController {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  /** The books check of `npm run ledger:check -- --json`, suspense reconciliation included. */
  @Get('check')
  @Roles('admin')
  @ApiOperation({
    summary: 'Check that the books balance (admin)',
    description:
      'The report of `npm run ledger:check -- --json`: debits and credits per currency (decimal strings ' +
      'of minor units) and every violation found, naming the account or journal transaction. Reads the ' +
      'whole ledger in one snapshot: an operator tool, not something to poll.',
  })
  @ApiOkResponse({ type: LedgerCheckResponse })
  @ApiPrincipalGet()
  check(): Promise<LedgerCheckResponse> {
    return this.ledger.check(undefined, [
      suspenseReconciler(this.ledger),
      ...settlementReconcilers(this.ledger),
    ]);
  }
}
