import { Readable } from 'node:stream';
import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { toJsonAmount } from '@danbao/money';
import {
  ApiError,
  ApiPrincipalGet,
  APP_CONFIG,
  AppConfig,
  CurrentPrincipal,
  Degradable,
  Principal,
  Roles,
  VALIDATION_ERRORS,
} from '@danbao/platform';
import { StatementService } from '@danbao/settlement';
import { StatementQueryDto, StatementResponse } from './statement.dto';
import {
  CSV_COLUMNS,
  csvStatement,
  jsonStatement,
  resolvePeriod,
  statementFilename,
  wantsCsv,
} from './statement.format';

/**
 * A seller's statement: what changed its balance after release (incoming + available − owed) over
 * a period, as JSON or CSV. Both are streamed from the ledger a page at a time.
 */
@ApiTags('settlement')
@ApiBearerAuth()
@Controller('v1/statements')
export class StatementsController {
  constructor(
    @Inject(StatementService) private readonly statements: StatementService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Degradable('statements')
  @Roles('seller')
  @ApiOperation({
    summary: 'The seller’s statement over a period, oldest first, as JSON or (Accept: text/csv) CSV',
    description:
      'Balances are incoming + available − owed. `from` is inclusive, `to` exclusive (default the last ' +
      `30 days, at most 400). CSV columns: \`${CSV_COLUMNS.join(',')}\`; text cells starting with ` +
      "`=`, `+`, `-`, `@`, a tab or a carriage return get a leading `'` (amounts stay numbers).",
  })
  @ApiHeader({
    name: 'Accept',
    required: false,
    description: '`text/csv` for CSV; anything else answers JSON',
  })
  @ApiExtraModels(StatementResponse)
  // The 200 lists both media types itself: @ApiProduces would put text/csv on the errors too, which
  // are always JSON.
  @ApiOkResponse({
    description: 'The statement (streamed)',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(StatementResponse) } },
      'text/csv': {
        schema: { type: 'string' },
        example:
          `${CSV_COLUMNS.join(',')}\n` +
          '2026-11-02T08:00:00.000Z,sale,ord_01m8t431w156gxbxxcw040nneg,,9800,CNY,9800\n' +
          '2026-11-03T10:00:00.000Z,payout,,po_01m8t431w156gxbxxcw040nneh,-5000,CNY,4800\n',
      },
    },
  })
  @ApiPrincipalGet(VALIDATION_ERRORS, { status: 400, codes: ['currency_not_supported'] })
  async statement(
    @Query() query: StatementQueryDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: false }) reply: FastifyReply,
  ): Promise<void> {
    const sellerId = principal.id;
    const currency = await this.currencyOf(sellerId, query.currency);
    const { from, to } = resolvePeriod(query);
    // Read before the first byte is sent, so a failing database still answers in the error shape.
    const openingBalance = await this.statements.openingBalance(sellerId, currency, from);
    const lines = this.statements.lines(sellerId, currency, from, to, openingBalance);

    if (wantsCsv(request.headers.accept)) {
      void reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${statementFilename(currency, from, to)}"`)
        .header('cache-control', 'no-store')
        .send(csvStatement(lines, currency));
      return;
    }
    const head = {
      object: 'statement' as const,
      currency,
      from: from.toISOString(),
      to: to.toISOString(),
      opening_balance: toJsonAmount(openingBalance),
    };
    void reply
      .type('application/json; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(Readable.from(jsonStatement(head, openingBalance, lines)));
  }

  /** The asked currency (a configured one), else the seller's only one, else the first configured. */
  private async currencyOf(sellerId: string, asked: string | undefined): Promise<string> {
    if (asked !== undefined) {
      if (!this.config.currencies.includes(asked)) {
        throw ApiError.badRequest(
          'currency_not_supported',
          `The platform does not accept ${asked}; it accepts ${this.config.currencies.join(', ')}.`,
          'currency',
        );
      }
      return asked;
    }
    const held = await this.statements.currenciesOf(sellerId);
    if (held.length > 1) {
      throw ApiError.badRequest(
        'parameter_missing',
        `currency is required: the seller has money in ${held.join(', ')}.`,
        'currency',
      );
    }
    return held[0] ?? this.config.currencies[0];
  }
}
