import { Body, Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RefundService } from '@danbao/channels';
import { type Dispute, DisputesService } from '@danbao/disputes';
import { EscrowService } from '@danbao/escrow';
import { formatMoney } from '@danbao/money';
import {
  adminActorOf,
  AuditLog,
  type AuditRecord,
  CurrentPrincipal,
  Database,
  isSwitchName,
  type Principal,
  SwitchBoard,
} from '@danbao/platform';
import { AdminConsolePages } from './console-auth.filter';
import { ConsoleForm, ConsolePages } from './console-pages';

/** Rows a home page section shows; more is said as "20+". */
const SECTION_ROWS = 20;
const REFUND_ID = /^rfd_[0-9a-z]{26}$/;

export function when(date: Date | string | null): string {
  return date ? `${new Date(date).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
}

/** How long something has waited, in its two largest units ("2 d 3 h", "5 min"). */
export function waited(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes % 60} min`;
  return `${minutes} min`;
}

const count = (rows: number, hasMore: boolean): string => `${rows}${hasMore ? '+' : ''}`;

function actorText(actor: AuditRecord['actor']): string {
  if (actor.type === 'admin') return actor.email ?? actor.id ?? 'admin';
  if (actor.type === 'operator') return `operator (${actor.id ?? ''})`;
  return `not signed in${actor.email ? ` (${actor.email})` : ''}`;
}

/** The text of a ruling: its outcome and what goes back to the buyer. */
export function rulingText(dispute: Dispute): string {
  const refund =
    dispute.resolutionRefundAmount === null
      ? ''
      : `, refund ${formatMoney(dispute.resolutionRefundAmount, dispute.currency)}`;
  return `${dispute.resolutionOutcome ?? ''}${refund}`;
}

/** How the navigation names the signed-in admin. */
export function adminLabel(principal: Principal): string {
  return principal.role === 'admin' ? (principal.email ?? principal.id) : principal.id;
}

/**
 * The admin console (issue 12): server-rendered pages for admins only, signed in with the
 * `danbao_admin` cookie (the guard reads it for these routes and refuses any other role; the
 * filter sends a refused browser to the sign-in page). Every form carries a CSRF token.
 */
@AdminConsolePages()
@Controller('admin')
export class ConsoleController {
  constructor(
    @Inject(ConsolePages) private readonly pages: ConsolePages,
    @Inject(EscrowService) private readonly escrow: EscrowService,
    @Inject(RefundService) private readonly refunds: RefundService,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(Database) private readonly db: Database,
    @Inject(DisputesService) private readonly disputes: DisputesService,
    @Inject(SwitchBoard) private readonly switches: SwitchBoard,
  ) {}

  @Get()
  async home(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const query = (request.query ?? {}) as Record<string, unknown>;
    let notice: string | undefined;
    if (query.done === 'refund_retried' && typeof query.refund === 'string' && REFUND_ID.test(query.refund)) {
      notice = `The refund was retried: ${query.refund} was sent to the channel.`;
    } else if (
      (query.done === 'switched_on' || query.done === 'switched_off') &&
      typeof query.name === 'string' &&
      isSwitchName(query.name)
    ) {
      notice = `${query.name} is switched ${query.done === 'switched_on' ? 'on' : 'off'}; every process follows within 5 seconds.`;
    }
    await this.renderHome(request, reply, principal, 200, { notice });
  }

  @Post('refunds/:id/retry')
  async retryRefund(
    @Param('id') id: string,
    @Body() form: ConsoleForm,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!this.pages.csrfValid(request, form)) return this.pages.formExpired(reply, '/admin');
    const retried = await this.refunds.retry(id, adminActorOf(principal), request.id);
    if (typeof retried === 'string') {
      const refusals = {
        refund_not_found: [404, 'There is no such refund.'],
        refund_not_failed: [409, 'Only a refund the channel refused can be retried.'],
        refund_already_retried: [409, 'This refund has been retried already.'],
      } as const;
      const [status, error] = refusals[retried];
      return this.renderHome(request, reply, principal, status, { error });
    }
    this.pages.redirect(reply, `/admin?done=refund_retried&refund=${retried.id}`);
  }

  /** A degrade switch flipped from the console: the same change (and audit row) as the API's PUT. */
  @Post('switches/:name')
  async flipSwitch(
    @Param('name') name: string,
    @Body() form: ConsoleForm & { enabled?: unknown },
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!this.pages.csrfValid(request, form)) return this.pages.formExpired(reply, '/admin');
    if (!isSwitchName(name) || (form.enabled !== 'true' && form.enabled !== 'false')) {
      return this.renderHome(request, reply, principal, 400, { error: 'There is no such switch setting.' });
    }
    const enabled = form.enabled === 'true';
    await this.switches.set(name, enabled, adminActorOf(principal), request.id);
    this.pages.redirect(
      reply,
      `/admin?done=${enabled ? 'switched_on' : 'switched_off'}&name=${name}#switches`,
    );
  }

  private async renderHome(
    request: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
    status: number,
    messages: { notice?: string; error?: string },
  ): Promise<void> {
    // The audit view is a report: while `reports` is switched off the home does not read it.
    const reportsOn = this.switches.isOn('reports');
    const [escalated, awaitingApproval, holds, failed, audit, switches] = await Promise.all([
      this.disputes.queue('escalated', SECTION_ROWS),
      this.disputes.queue('awaiting_approval', SECTION_ROWS),
      this.escrow.listOverdue(SECTION_ROWS),
      this.refunds.list('failed', SECTION_ROWS + 1),
      reportsOn ? this.audit.list(this.db, { limit: SECTION_ROWS }) : { data: [], hasMore: false },
      this.switches.list(),
    ]);
    const refunds = failed.slice(0, SECTION_ROWS);
    const csrfToken = this.pages.csrfToken(request, reply);
    const now = Date.now();
    const waiting = (dispute: Dispute) => waited(now - new Date(dispute.statusChangedAt).getTime());
    this.pages.render(
      reply,
      status,
      'home',
      'Home',
      {
        ...messages,
        csrfToken,
        counts: [
          {
            label: 'escalated disputes',
            value: count(escalated.data.length, escalated.hasMore),
            href: '#escalated',
          },
          {
            label: 'rulings awaiting approval',
            value: count(awaitingApproval.data.length, awaitingApproval.hasMore),
            href: '#approvals',
          },
          { label: 'overdue holds', value: count(holds.data.length, holds.hasMore), href: '#holds' },
          {
            label: 'failed refunds',
            value: count(refunds.length, failed.length > SECTION_ROWS),
            href: '#refunds',
          },
        ],
        disputes: {
          escalated: escalated.data.map((dispute) => ({
            id: dispute.id,
            orderId: dispute.orderId,
            reason: dispute.reason,
            refundAmount: formatMoney(dispute.refundAmount, dispute.currency),
            waiting: waiting(dispute),
          })),
          awaitingApproval: awaitingApproval.data.map((dispute) => ({
            id: dispute.id,
            orderId: dispute.orderId,
            ruling: `${rulingText(dispute)} by ${dispute.resolvedBy ?? ''}`,
            waiting: waiting(dispute),
          })),
        },
        holds: holds.data.map((hold) => ({
          id: hold.id,
          orderId: hold.orderId,
          sellerId: hold.sellerId,
          amount: formatMoney(hold.amount, hold.currency),
          status: hold.status,
          expiresAt: when(hold.expiresAt),
        })),
        refunds: refunds.map((refund) => ({
          id: refund.id,
          paymentId: refund.paymentId,
          orderId: refund.orderId ?? '',
          amount: formatMoney(refund.amount, refund.currency),
          reason: refund.reason,
          failureCode: refund.failureCode ?? '',
          createdAt: when(refund.createdAt),
        })),
        switches: switches.map((item) => ({
          name: item.name,
          enabled: item.enabled,
          updated: item.updatedAt ? `${when(item.updatedAt)} by ${item.updatedBy ?? ''}` : 'never flipped',
        })),
        auditOff: !reportsOn,
        audit: audit.data.map((entry) => ({
          createdAt: when(entry.created_at),
          actor: actorText(entry.actor),
          action: entry.action,
          subject: entry.subject_id ? `${entry.subject_type ?? ''} ${entry.subject_id}` : '',
          requestId: entry.request_id ?? '',
        })),
      },
      { admin: adminLabel(principal), csrfToken },
    );
  }
}
