import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatMoney } from '@danbao/money';
import { CurrentPrincipal, Degradable, type Principal } from '@danbao/platform';
import { invalidDate, type ReconciliationLine, ReconciliationService, yesterdayOf } from '@danbao/settlement';
import { AdminConsolePages } from './console-auth.filter';
import { ConsolePages } from './console-pages';
import { adminLabel, when } from './console.controller';

/** What each kind of mismatch means, in the page's words. */
const KIND_TEXT: Record<string, string> = {
  missing_ours: 'the channel has it, we do not',
  missing_theirs: 'we have it, the channel does not',
  amount_mismatch: 'the amounts differ',
  status_mismatch: 'the channel decided otherwise',
  duplicate: 'twice on one side',
  missing_ledger: 'no ledger transaction',
};

/** A line as the page shows it: "payment CNY 10.00 succeeded" (minor units if the currency is unknown). */
function lineText(line: ReconciliationLine | undefined): string {
  if (!line) return '';
  let amount: string;
  try {
    amount = formatMoney(line.amount, line.currency);
  } catch {
    amount = `${line.amount} ${line.currency}`;
  }
  return `${line.type} ${amount} ${line.status}`;
}

/**
 * A day's reconciliation in the console (`/admin/reconciliation?date=`, default yesterday, UTC):
 * the kept report of `GET /v1/admin/reconciliation`, or a run now when the day has none.
 */
@AdminConsolePages()
@Controller('admin/reconciliation')
export class ConsoleReconciliationController {
  constructor(
    @Inject(ConsolePages) private readonly pages: ConsolePages,
    @Inject(ReconciliationService) private readonly reconciliation: ReconciliationService,
  ) {}

  @Get()
  @Degradable('reports')
  async page(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const now = new Date();
    const query = (request.query ?? {}) as Record<string, unknown>;
    const date = typeof query.date === 'string' && query.date !== '' ? query.date : yesterdayOf(now);
    const session = { admin: adminLabel(principal), csrfToken: this.pages.csrfToken(request, reply) };
    const invalid = invalidDate(date, now);
    if (invalid) {
      return this.pages.render(
        reply,
        400,
        'message',
        'Reconciliation',
        {
          heading: 'No such day',
          message: `The ${invalid.replace(/^date/, 'day')}.`,
          link: { href: '/admin/reconciliation', text: 'Yesterday’s reconciliation' },
        },
        session,
      );
    }
    const report = await this.reconciliation.report(date, {}, now);
    this.pages.render(
      reply,
      200,
      'reconciliation',
      `Reconciliation ${date}`,
      {
        date,
        clean: report.clean,
        checkedAt: when(report.checkedAt),
        counts: report.counts,
        mismatches: report.mismatches.map((mismatch) => ({
          kind: mismatch.kind,
          meaning: KIND_TEXT[mismatch.kind] ?? '',
          reference: mismatch.reference,
          ours: lineText(mismatch.ours),
          theirs: lineText(mismatch.theirs),
        })),
      },
      session,
    );
  }
}
