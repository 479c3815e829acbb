import { Body, Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  type Dispute,
  DisputesService,
  RULING_OUTCOMES,
  type RulingOutcome,
  type TimelineEntry,
} from '@danbao/disputes';
import { EscrowService, type Hold, splitResolution } from '@danbao/escrow';
import { formatMoney, splitFee } from '@danbao/money';
import { OrdersService } from '@danbao/orders';
import { ApiError, APP_CONFIG, type AppConfig, CurrentPrincipal, type Principal } from '@danbao/platform';
import { AdminConsolePages } from './console-auth.filter';
import { ConsoleForm, ConsolePages } from './console-pages';
import { adminLabel, rulingText, waited, when } from './console.controller';

interface ResolveForm extends ConsoleForm {
  outcome?: unknown;
  refund_amount?: unknown;
  note?: unknown;
}

const DISPUTE_ID = /^dsp_[0-9a-z]{26}$/;
const NOTE_MAX = 2000;

/** What the page says after a ruling or an approval (the redirect carries only this key). */
const NOTICES: Record<string, string> = {
  resolved: 'The ruling was applied: the money moves in the worker.',
  awaiting_approval:
    'The ruling was recorded; it refunds more than the approval threshold, so a second admin must approve it before any money moves.',
  approved: 'The ruling was approved: the money moves in the worker.',
};

interface TimelineRow {
  at: number;
  when: string;
  who: string;
  change?: string;
  text?: string;
}

/**
 * Messages and status changes, oldest first, and the ruling where it was made: its outcome and
 * the split it decides (back to the buyer; released to the seller, its fee and net).
 */
function timelineRows(dispute: Dispute, entries: TimelineEntry[], hold: Hold | undefined): TimelineRow[] {
  const rows: TimelineRow[] = entries.map((entry) => {
    const at = new Date(entry.created_at).getTime();
    return entry.type === 'message'
      ? { at, when: when(entry.created_at), who: `${entry.author_role} ${entry.author_id}`, text: entry.text }
      : {
          at,
          when: when(entry.created_at),
          who: entry.actor,
          change: `${entry.from ?? 'opened'} → ${entry.to}`,
        };
  });
  if (dispute.resolvedAt && dispute.resolutionRefundAmount !== null && hold) {
    const money = (amount: bigint) => formatMoney(amount, dispute.currency);
    const split = splitResolution(hold.amount, dispute.resolutionRefundAmount, (gross) =>
      splitFee(gross, hold.feeBps),
    );
    const waits = dispute.status === 'awaiting_approval' ? ' (waits for a second admin)' : '';
    rows.push({
      at: new Date(dispute.resolvedAt).getTime(),
      when: when(dispute.resolvedAt),
      who: dispute.resolvedBy ?? '',
      change:
        `ruling ${dispute.resolutionOutcome}${waits}: ${money(split.refund)} back to the buyer; ` +
        `${money(split.releasedGross)} released to the seller, fee ${money(split.fee)}, net ${money(split.net)}`,
      text: dispute.resolutionNote ?? undefined,
    });
  }
  // Stable: the ruling follows the status change it made.
  return rows.sort((a, b) => a.at - b.at);
}

/**
 * A dispute in the console: the order, the money split, the timeline, and the forms of
 * arbitration (resolve an escalated dispute; approve another admin's ruling awaiting approval).
 * What DisputesService refuses is shown on the page with the API's status.
 */
@AdminConsolePages()
@Controller('admin/disputes')
export class ConsoleDisputesController {
  constructor(
    @Inject(ConsolePages) private readonly pages: ConsolePages,
    @Inject(DisputesService) private readonly disputes: DisputesService,
    @Inject(OrdersService) private readonly orders: OrdersService,
    @Inject(EscrowService) private readonly escrow: EscrowService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get(':id')
  async show(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const done = (request.query as Record<string, unknown> | undefined)?.done;
    const notice = typeof done === 'string' ? NOTICES[done] : undefined;
    await this.render(id, principal, request, reply, 200, { notice });
  }

  @Post(':id/resolve')
  async resolve(
    @Param('id') id: string,
    @Body() form: ResolveForm,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!this.pages.csrfValid(request, form)) return this.pages.formExpired(reply, `/admin/disputes/${id}`);
    const outcome = typeof form.outcome === 'string' ? form.outcome : '';
    const amountText = typeof form.refund_amount === 'string' ? form.refund_amount.trim() : '';
    const note = typeof form.note === 'string' ? form.note.trim() : '';
    const entered = { refundAmount: amountText.slice(0, 20), note: note.slice(0, NOTE_MAX) };
    const refuse = (status: number, error: string) =>
      this.render(id, principal, request, reply, status, { error, form: entered });
    if (!(RULING_OUTCOMES as readonly string[]).includes(outcome))
      return refuse(400, `Choose an outcome: ${RULING_OUTCOMES.join(', ')}.`);
    if (outcome !== 'partial_refund' && amountText !== '')
      return refuse(
        400,
        'A refund amount is only for a partial refund (refund returns all of the hold, release none).',
      );
    if (outcome === 'partial_refund' && !/^[1-9][0-9]{0,12}$/.test(amountText))
      return refuse(
        400,
        'A partial refund needs a refund amount: a whole number of minor units, at least 1.',
      );
    if (note.length === 0 || note.length > NOTE_MAX)
      return refuse(400, `Write a note of 1 to ${NOTE_MAX} characters.`);
    try {
      const dispute = await this.disputes.resolve(
        id,
        principal,
        {
          outcome: outcome as RulingOutcome,
          refundAmount: outcome === 'partial_refund' ? BigInt(amountText) : undefined,
          note,
        },
        request.id,
      );
      const done = dispute.status === 'awaiting_approval' ? 'awaiting_approval' : 'resolved';
      return this.pages.redirect(reply, `/admin/disputes/${dispute.id}?done=${done}`);
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) return refuse(error.status, error.message);
      throw error;
    }
  }

  @Post(':id/approve')
  async approve(
    @Param('id') id: string,
    @Body() form: ConsoleForm,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!this.pages.csrfValid(request, form)) return this.pages.formExpired(reply, `/admin/disputes/${id}`);
    try {
      const dispute = await this.disputes.approve(id, principal, request.id);
      return this.pages.redirect(reply, `/admin/disputes/${dispute.id}?done=approved`);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status >= 500) throw error;
      const message =
        error.status === 403
          ? 'You cannot approve your own ruling: a second admin must approve it.'
          : error.message;
      return this.render(id, principal, request, reply, error.status, { error: message });
    }
  }

  private async render(
    id: string,
    principal: Principal,
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    messages: { notice?: string; error?: string; form?: { refundAmount: string; note: string } },
  ): Promise<void> {
    const found = DISPUTE_ID.test(id)
      ? await this.disputes.get(id, principal).catch((error: unknown) => {
          if (error instanceof ApiError && error.status === 404) return undefined;
          throw error;
        })
      : undefined;
    const csrfToken = this.pages.csrfToken(request, reply);
    const session = { admin: adminLabel(principal), csrfToken };
    if (!found) {
      return this.pages.render(
        reply,
        404,
        'message',
        'Not found',
        { heading: 'No such dispute', message: 'Check the link.', link: { href: '/admin', text: 'Home' } },
        session,
      );
    }
    const { dispute, timeline } = found;
    const [[order], holds] = await Promise.all([
      this.orders.findMany([dispute.orderId]),
      this.escrow.holdsForOrders([dispute.orderId]),
    ]);
    const hold = holds.get(dispute.orderId);
    const money = (amount: bigint) => formatMoney(amount, dispute.currency);
    const held = hold?.amount ?? 0n;
    // What ruling for the refund asked would leave the seller (a partial refund: the fee is on the released part only).
    const partial =
      hold && dispute.refundAmount > 0n && dispute.refundAmount < hold.amount
        ? splitResolution(hold.amount, dispute.refundAmount, (gross) => splitFee(gross, hold.feeBps))
        : undefined;
    this.pages.render(
      reply,
      status,
      'dispute',
      `Dispute ${dispute.id}`,
      {
        ...messages,
        csrfToken,
        form: messages.form ?? { refundAmount: '', note: '' },
        dispute: {
          id: dispute.id,
          status: dispute.status,
          reason: dispute.reason,
          returnGoods: dispute.returnGoods,
          resolvedBy: dispute.resolvedBy ?? '',
          waiting: waited(Date.now() - new Date(dispute.statusChangedAt).getTime()),
        },
        order: {
          id: dispute.orderId,
          description: order?.description ?? '',
          amount: order ? formatMoney(order.amount, order.currency) : '',
          status: order?.status ?? '',
          buyerId: dispute.buyerId,
          sellerId: dispute.sellerId,
        },
        money: {
          currency: dispute.currency,
          minorHint: `whole minor units: ${money(100n)} is 100`,
          held: money(held),
          refundAsked: money(dispute.refundAmount),
          partial: partial && {
            released: money(partial.releasedGross),
            fee: money(partial.fee),
            net: money(partial.net),
          },
          ruling: dispute.resolutionOutcome === null ? undefined : rulingText(dispute),
          hold: hold
            ? `${hold.status}: ${money(hold.refunded + hold.refundDue)} to the buyer, ${money(hold.released)} released (fee ${money(hold.fee)})`
            : undefined,
        },
        resolveForm: dispute.status === 'escalated',
        approveForm: dispute.status === 'awaiting_approval',
        approvalThreshold: money(BigInt(this.config.adminApprovalThreshold)),
        timeline: timelineRows(dispute, timeline, hold),
      },
      session,
    );
  }
}
