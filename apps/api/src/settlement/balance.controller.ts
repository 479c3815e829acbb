import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EscrowService } from '@danbao/escrow';
import { toJsonAmount } from '@danbao/money';
import { ApiPrincipalGet, CurrentPrincipal, Principal, Roles } from '@danbao/platform';
import { SettlementService } from '@danbao/settlement';
import { BalanceResponse } from './settlement.dto';

/** A seller's balance: `pending` from escrow, the rest from the seller's ledger accounts. */
export async function sellerBalance(
  sellerId: string,
  escrow: EscrowService,
  settlement: SettlementService,
): Promise<BalanceResponse> {
  const [pending, balances] = await Promise.all([
    escrow.pendingBySeller(sellerId),
    settlement.balances(sellerId),
  ]);
  const byCurrency = new Map(balances.map((balance) => [balance.currency, balance]));
  const currencies = [...new Set([...pending.keys(), ...byCurrency.keys()])].sort();
  const column = (pick: (currency: string) => bigint) =>
    currencies.map((currency) => ({ amount: toJsonAmount(pick(currency)), currency }));
  return {
    object: 'balance',
    pending: column((currency) => pending.get(currency) ?? 0n),
    incoming: column((currency) => byCurrency.get(currency)?.incoming ?? 0n),
    available: column((currency) => byCurrency.get(currency)?.available ?? 0n),
    in_payout: column((currency) => byCurrency.get(currency)?.inPayout ?? 0n),
    owed: column((currency) => byCurrency.get(currency)?.owed ?? 0n),
  };
}

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
