import { Inject, Injectable, Logger } from '@nestjs/common';
import { type Hold, HoldResolutionService, type Resolution } from '@danbao/escrow';
import { type EventType, OutboxRelay, OutboxService } from '@danbao/notifications';
import { type Order, OrderNotFoundError, OrdersService } from '@danbao/orders';
import {
  APP_CONFIG,
  AppConfig,
  Database,
  DomainError,
  newId,
  type Principal,
  principalKey,
  runInTransaction,
  type Tx,
} from '@danbao/platform';
import { type AdminDisputeAction, DisputeAudit } from './dispute.audit';
import {
  DisputeForbiddenError,
  DisputeInputError,
  DisputeNotFoundError,
  DisputeStateError,
} from './dispute.errors';
import { DisputeJobs } from './dispute.jobs';
import { type DisputePatch, DisputeRepository, type DueDeadline } from './dispute.repository';
import {
  afterAccept,
  canAct,
  canApprove,
  canOpen,
  canTransitionDispute,
  deadlineFor,
  decideDeadline,
  type DeadlineDecision,
  type DisputeAction,
  type DisputeActor,
  type DisputeReason,
  type DisputeStatus,
  type DisputeVerdict,
  needsApproval,
  outcomeOf,
  refundWithinHold,
  type RulingOutcome,
  rulingRefund,
} from './dispute.state';
import {
  type Dispute,
  type DisputeMessage,
  toDisputeObject,
  toTimeline,
  type TimelineEntry,
} from './dispute.types';

export interface OpenDisputeInput {
  reason: DisputeReason;
  refundAmount: bigint;
  returnGoods: boolean;
  message?: string;
}

export interface MessageInput {
  text: string;
  attachmentUrls: string[];
}

export interface RulingInput {
  outcome: RulingOutcome;
  refundAmount?: bigint;
  note: string;
}

/** What must happen after a use case's commit: the refund to the channel, a resumed deadline, a job. */
interface Effects {
  resolution?: Resolution;
  unfrozen?: Hold;
  deadline?: DueDeadline;
}

interface Outcome {
  dispute: Dispute;
  effects: Effects;
  /** An admin's refused attempt: its audit row commits, then this is answered. */
  refusal?: DomainError;
}

const SWEEP_LIMIT = 10_000;

/** Who acted, as status changes and resolutions record it. */
const DEADLINE_ACTOR = 'deadline';

function isParty(dispute: Dispute, principal: Principal): boolean {
  switch (principal.role) {
    case 'admin':
      return true;
    case 'buyer':
      return dispute.buyerId === principal.id;
    case 'seller':
      return dispute.sellerId === principal.id;
    default:
      return false;
  }
}

function refusalOf(verdict: Exclude<DisputeVerdict, { ok: true }>, dispute: Dispute): DomainError {
  if (verdict.status === 403) return new DisputeForbiddenError();
  if (verdict.code === 'dispute_already_resolved' && dispute.resolutionId !== null) {
    // Two admins at once (T15): the loser learns which ruling won.
    return new DisputeStateError(
      verdict.code,
      `This dispute has already been resolved by ${dispute.resolvedBy}: resolution ${dispute.resolutionId} ` +
        `(${dispute.resolutionOutcome}, refund ${dispute.resolutionRefundAmount}), now ${dispute.status}.`,
    );
  }
  return new DisputeStateError(verdict.code);
}

/**
 * Disputes: one transaction per use case, each locking the order first (orders.lock), then the
 * dispute, then letting escrow lock the hold — the lock order of every escrow use case, so a
 * dispute and a receipt confirmation, two openings or two admins serialize on the order (T14,
 * T15, T19). Every decision comes from dispute.state.ts; money moves only through escrow
 * (freeze, unfreeze, resolve), and the network calls (the refund to the channel, jobs) after commit.
 */
@Injectable()
export class DisputesService {
  private readonly logger = new Logger(DisputesService.name);
  private readonly disputes = new DisputeRepository();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OrdersService) private readonly orders: OrdersService,
    @Inject(HoldResolutionService) private readonly escrow: HoldResolutionService,
    @Inject(OutboxService) private readonly outbox: OutboxService,
    @Inject(OutboxRelay) private readonly relay: OutboxRelay,
    @Inject(DisputeJobs) private readonly jobs: DisputeJobs,
    @Inject(DisputeAudit) private readonly audit: DisputeAudit,
  ) {}

  /**
   * The buyer opens a dispute on a paid or shipped order: the hold freezes (the receipt deadline
   * stops with the time it had left) and the seller's response window starts.
   */
  async open(
    orderId: string,
    principal: Principal,
    input: OpenDisputeInput,
    now = new Date(),
  ): Promise<Dispute> {
    if (principal.role !== 'buyer') throw new DisputeForbiddenError('Only the buyer opens a dispute.');
    const outcome = await runInTransaction(this.db, async (tx): Promise<Outcome> => {
      const order = await this.orders.lock(tx, orderId);
      if (!order || order.buyerId !== principal.id) throw new OrderNotFoundError();
      const verdict = canOpen(await this.disputes.forOrder(tx, orderId));
      if (!verdict.ok) throw refusalOf(verdict, {} as Dispute);
      const hold = await this.escrow.freeze(tx, order, now);
      if (!refundWithinHold(input.refundAmount, hold.amount)) {
        throw new DisputeInputError(
          `refund_amount must be between 1 and ${hold.amount}, the amount held`,
          'refund_amount',
        );
      }
      const deadline = deadlineFor('awaiting_seller', now, this.config)!;
      const dispute: Dispute = {
        id: newId('dsp', now.getTime()),
        orderId,
        buyerId: order.buyerId,
        sellerId: order.sellerId,
        status: 'awaiting_seller',
        reason: input.reason,
        refundAmount: input.refundAmount,
        currency: hold.currency,
        returnGoods: input.returnGoods,
        returnCarrier: null,
        returnTrackingNumber: null,
        returnShippedAt: null,
        escalatedAt: null,
        resolutionId: null,
        resolutionOutcome: null,
        resolutionRefundAmount: null,
        resolutionNote: null,
        resolvedBy: null,
        resolvedAt: null,
        approvedBy: null,
        approvedAt: null,
        deadlineKind: deadline.kind,
        deadlineAt: deadline.at,
        statusChangedAt: now,
        createdAt: now,
        updatedAt: now,
      };
      await this.disputes.insert(tx, dispute);
      await this.disputes.insertStatusChange(tx, {
        id: newId('dsc', now.getTime()),
        disputeId: dispute.id,
        from: null,
        to: 'awaiting_seller',
        actor: principalKey(principal),
        createdAt: now,
      });
      if (input.message !== undefined) {
        await this.insertMessage(tx, dispute, principal, { text: input.message, attachmentUrls: [] }, now);
      }
      await this.record(tx, ['dispute.opened'], dispute, now);
      return { dispute, effects: { deadline: { disputeId: dispute.id, dueAt: deadline.at } } };
    });
    await this.afterCommit(outcome.effects);
    return outcome.dispute;
  }

  /** One dispute with its timeline (messages and status changes), if the caller is a party or an admin. */
  async get(id: string, principal: Principal): Promise<{ dispute: Dispute; timeline: TimelineEntry[] }> {
    const dispute = await this.disputes.findById(this.db, id);
    if (!dispute || !isParty(dispute, principal)) throw new DisputeNotFoundError();
    const [messages, changes] = await Promise.all([
      this.disputes.messages(this.db, id),
      this.disputes.statusChanges(this.db, id),
    ]);
    return { dispute, timeline: toTimeline(messages, changes) };
  }

  /** The caller's disputes, newest first: a buyer's or seller's own, every one for admins. */
  async list(
    principal: Principal,
    status: DisputeStatus | undefined,
    limit: number,
    startingAfter?: string,
  ): Promise<{ data: Dispute[]; hasMore: boolean }> {
    if (principal.role !== 'buyer' && principal.role !== 'seller' && principal.role !== 'admin') {
      throw new DisputeForbiddenError();
    }
    const filter = {
      status,
      buyerId: principal.role === 'buyer' ? principal.id : undefined,
      sellerId: principal.role === 'seller' ? principal.id : undefined,
    };
    return this.disputes.list(this.db, filter, limit, startingAfter);
  }

  /** The admins' queue: disputes in a status, the longest waiting first. */
  async queue(
    status: DisputeStatus | undefined,
    limit: number,
    startingAfter?: string,
  ): Promise<{ data: Dispute[]; hasMore: boolean }> {
    return this.disputes.queue(this.db, status, limit, startingAfter);
  }

  /** The seller accepts: the refund (or first the return of the goods). */
  async accept(id: string, principal: Principal, now = new Date()): Promise<Dispute> {
    return this.run(id, principal, 'accept', now, undefined, (tx, order, dispute) =>
      this.acceptDispute(tx, order, dispute, principalKey(principal), now),
    );
  }

  /** The seller rejects, saying why: the buyer's escalation window starts. */
  async reject(id: string, principal: Principal, message: string, now = new Date()): Promise<Dispute> {
    return this.run(id, principal, 'reject', now, undefined, async (tx, _order, dispute) => {
      const moved = await this.moveTo(tx, dispute, 'rejected', principalKey(principal), now);
      await this.insertMessage(tx, dispute, principal, { text: message, attachmentUrls: [] }, now);
      await this.record(tx, ['dispute.rejected'], moved.dispute, now);
      return { dispute: moved.dispute, effects: { deadline: moved.deadline } };
    });
  }

  /** The buyer ships the goods back: the seller's confirmation window starts. */
  async shipReturn(
    id: string,
    principal: Principal,
    shipment: { carrier: string; trackingNumber: string },
    now = new Date(),
  ): Promise<Dispute> {
    return this.run(id, principal, 'ship_return', now, undefined, async (tx, _order, dispute) => {
      const moved = await this.moveTo(
        tx,
        dispute,
        'awaiting_return_confirmation',
        principalKey(principal),
        now,
        {
          returnCarrier: shipment.carrier,
          returnTrackingNumber: shipment.trackingNumber,
          returnShippedAt: now,
        },
      );
      return { dispute: moved.dispute, effects: { deadline: moved.deadline } };
    });
  }

  /** The seller confirms the returned parcel: the refund. */
  async confirmReturn(id: string, principal: Principal, now = new Date()): Promise<Dispute> {
    return this.run(id, principal, 'confirm_return', now, undefined, (tx, order, dispute) =>
      this.settle(tx, order, dispute, dispute.refundAmount, principalKey(principal), now, {}, []),
    );
  }

  /** The buyer takes a rejected dispute to the platform's admins. */
  async escalate(id: string, principal: Principal, now = new Date()): Promise<Dispute> {
    return this.run(id, principal, 'escalate', now, undefined, async (tx, _order, dispute) => {
      const moved = await this.moveTo(tx, dispute, 'escalated', principalKey(principal), now, {
        escalatedAt: now,
      });
      await this.record(tx, ['dispute.escalated'], moved.dispute, now);
      return { dispute: moved.dispute, effects: {} };
    });
  }

  /** The buyer withdraws before a ruling: the hold is held again and the receipt deadline resumes. */
  async withdraw(id: string, principal: Principal, now = new Date()): Promise<Dispute> {
    return this.run(id, principal, 'withdraw', now, undefined, (tx, order, dispute) =>
      this.endUnmoved(tx, order, dispute, 'withdrawn', principalKey(principal), now),
    );
  }

  /** A message of a party or an admin on an open dispute. */
  async addMessage(
    id: string,
    principal: Principal,
    input: MessageInput,
    now = new Date(),
  ): Promise<DisputeMessage> {
    return runInTransaction(this.db, async (tx) => {
      const found = await this.disputes.findById(tx, id);
      if (!found || !isParty(found, principal)) throw new DisputeNotFoundError();
      // Only the dispute's row: a message moves no money and takes no other lock after it.
      const dispute = (await this.disputes.lock(tx, id))!;
      const verdict = canAct('message', principal.role as DisputeActor, dispute.status);
      if (!verdict.ok) throw refusalOf(verdict, dispute);
      return this.insertMessage(tx, dispute, principal, input, now);
    });
  }

  /**
   * An admin's ruling on an escalated dispute. Above ADMIN_APPROVAL_THRESHOLD it waits for a second
   * admin (awaiting_approval) and moves no money; otherwise the money is decided now. Of two
   * admins at once, the second finds the first's ruling under the lock: 409 naming it.
   */
  async resolve(
    id: string,
    admin: Principal,
    ruling: RulingInput,
    requestId?: string,
    now = new Date(),
  ): Promise<Dispute> {
    return this.run(id, admin, 'resolve', now, requestId, async (tx, order, dispute) => {
      const hold = await this.escrow.lockHold(tx, order.id);
      if (!hold) throw new Error(`Dispute ${dispute.id} has no hold`);
      const decided = rulingRefund(ruling.outcome, hold.amount, ruling.refundAmount);
      if (!decided.ok) throw new DisputeInputError(decided.message, 'refund_amount');
      const actor = principalKey(admin);
      const patch: DisputePatch = {
        resolutionId: newId('rsl', now.getTime()),
        resolutionOutcome: ruling.outcome,
        resolutionRefundAmount: decided.refund,
        resolutionNote: ruling.note,
        resolvedBy: actor,
        resolvedAt: now,
      };
      const entry = {
        action: 'dispute.resolve' as const,
        admin,
        disputeId: dispute.id,
        requestId,
        before: { status: dispute.status },
      };
      if (needsApproval(decided.refund, BigInt(this.config.adminApprovalThreshold))) {
        const moved = await this.moveTo(tx, dispute, 'awaiting_approval', actor, now, patch);
        await this.audit.recordAdminAction(tx, {
          ...entry,
          result: 'awaiting_approval',
          after: after(moved.dispute),
        });
        return { dispute: moved.dispute, effects: {} };
      }
      const settled = await this.settle(tx, order, dispute, decided.refund, actor, now, patch, []);
      await this.audit.recordAdminAction(tx, { ...entry, result: 'applied', after: after(settled.dispute) });
      return settled;
    });
  }

  /** A second admin approves a ruling above the threshold: now its money moves. */
  async approve(id: string, admin: Principal, requestId?: string, now = new Date()): Promise<Dispute> {
    return this.run(id, admin, 'approve', now, requestId, async (tx, order, dispute) => {
      const actor = principalKey(admin);
      const entry = {
        action: 'dispute.approve' as const,
        admin,
        disputeId: dispute.id,
        requestId,
        before: { status: dispute.status },
      };
      if (!canApprove(dispute.resolvedBy, actor).ok) {
        await this.audit.recordAdminAction(tx, {
          ...entry,
          result: 'refused',
          detail: { code: 'forbidden' },
        });
        return {
          dispute,
          effects: {},
          refusal: new DisputeForbiddenError(
            'The admin who made a ruling cannot approve it: a second admin must.',
          ),
        };
      }
      const settled = await this.settle(
        tx,
        order,
        dispute,
        dispute.resolutionRefundAmount!,
        actor,
        now,
        {
          approvedBy: actor,
          approvedAt: now,
        },
        [],
      );
      await this.audit.recordAdminAction(tx, { ...entry, result: 'applied', after: after(settled.dispute) });
      return settled;
    });
  }

  /**
   * A dispute's deadline job (or the sweep's ring): decided under the locks, so a repeat, an early
   * or a stale job is a no-op. Seller silence accepts; an unconfirmed return is taken as received;
   * no escalation, or no return shipment, closes the dispute and the hold is held again.
   */
  async fireDeadline(disputeId: string, now = new Date()): Promise<DeadlineDecision> {
    const outcome = await runInTransaction(
      this.db,
      async (tx): Promise<{ decision: DeadlineDecision; effects: Effects }> => {
        const found = await this.disputes.findById(tx, disputeId);
        if (!found) return { decision: { kind: 'skip', reason: 'missing' }, effects: {} };
        const order = await this.orders.lock(tx, found.orderId);
        const dispute = await this.disputes.lock(tx, disputeId);
        const decision = decideDeadline(dispute, now);
        if (decision.kind === 'skip' || !order || !dispute) return { decision, effects: {} };
        const acted =
          decision.kind === 'accept'
            ? await this.acceptDispute(tx, order, dispute, DEADLINE_ACTOR, now)
            : decision.kind === 'confirm_return'
              ? await this.settle(tx, order, dispute, dispute.refundAmount, DEADLINE_ACTOR, now, {}, [])
              : await this.endUnmoved(tx, order, dispute, 'closed', DEADLINE_ACTOR, now);
        return { decision, effects: acted.effects };
      },
    );
    await this.afterCommit(outcome.effects);
    if (outcome.decision.kind !== 'skip') {
      this.logger.log({ dispute: disputeId, action: outcome.decision.kind }, 'dispute deadline passed');
    }
    return outcome.decision;
  }

  /** Rings again for every passed deadline in MySQL (lost jobs; deterministic ids collapse the rest). */
  async sweep(now = new Date()): Promise<number> {
    const due = await this.disputes.findDueDeadlines(this.db, now, SWEEP_LIMIT);
    await this.jobs.scheduleDeadlines(due, now.getTime());
    return due.length;
  }

  /**
   * The frame of every use case on an existing dispute: find it (404 unless the caller's), lock
   * its order, then it, ask the state table whether the caller may act, then `work`; after commit,
   * the effects. An admin's refused attempt commits its audit row and is answered afterwards.
   */
  private async run(
    id: string,
    principal: Principal,
    action: DisputeAction,
    now: Date,
    requestId: string | undefined,
    work: (tx: Tx, order: Order, dispute: Dispute) => Promise<Outcome>,
  ): Promise<Dispute> {
    const outcome = await runInTransaction(this.db, async (tx): Promise<Outcome> => {
      const found = await this.disputes.findById(tx, id);
      if (!found || !isParty(found, principal)) throw new DisputeNotFoundError();
      const order = await this.orders.lock(tx, found.orderId);
      const dispute = await this.disputes.lock(tx, id);
      if (!order || !dispute) throw new DisputeNotFoundError();
      const verdict = canAct(action, principal.role as DisputeActor, dispute.status);
      if (verdict.ok) return work(tx, order, dispute);
      const refusal = refusalOf(verdict, dispute);
      if (principal.role !== 'admin' || (action !== 'resolve' && action !== 'approve')) throw refusal;
      await this.audit.recordAdminAction(tx, {
        action: action === 'resolve' ? 'dispute.resolve' : 'dispute.approve',
        admin: principal,
        disputeId: id,
        requestId,
        before: { status: dispute.status },
        result: 'refused',
        detail: { code: refusal.code, winning_resolution: dispute.resolutionId, at: now.toISOString() },
      } satisfies AdminDisputeAction);
      return { dispute, effects: {}, refusal };
    });
    if (outcome.refusal) throw outcome.refusal;
    await this.afterCommit(outcome.effects);
    return outcome.dispute;
  }

  /** Accepted (by the seller, or by its silence): the return first if asked, else the refund now. */
  private async acceptDispute(
    tx: Tx,
    order: Order,
    dispute: Dispute,
    actor: string,
    now: Date,
  ): Promise<Outcome> {
    if (afterAccept(dispute.returnGoods) === 'awaiting_return') {
      const moved = await this.moveTo(tx, dispute, 'awaiting_return', actor, now);
      await this.record(tx, ['dispute.accepted'], moved.dispute, now);
      return { dispute: moved.dispute, effects: { deadline: moved.deadline } };
    }
    return this.settle(tx, order, dispute, dispute.refundAmount, actor, now, {}, ['dispute.accepted']);
  }

  /**
   * The money is decided: escrow refunds `refund` through the payment's channel and releases the
   * rest to the seller (fee on the released part only); the dispute ends as the hold does.
   */
  private async settle(
    tx: Tx,
    order: Order,
    dispute: Dispute,
    refund: bigint,
    actor: string,
    now: Date,
    ruling: DisputePatch,
    events: EventType[],
  ): Promise<Outcome> {
    const resolution = await this.escrow.resolve(tx, order, refund, `dispute:${dispute.id}`, now);
    const moved = await this.moveTo(tx, dispute, resolution.split.status, actor, now, {
      resolutionId: dispute.resolutionId ?? newId('rsl', now.getTime()),
      resolutionOutcome: outcomeOf(refund, resolution.hold.amount),
      resolutionRefundAmount: refund,
      resolvedBy: dispute.resolvedBy ?? actor,
      resolvedAt: dispute.resolvedAt ?? now,
      ...ruling,
    });
    await this.record(tx, [...events, 'dispute.resolved'], moved.dispute, now);
    return { dispute: moved.dispute, effects: { resolution } };
  }

  /** Ended without moving money (withdrawn, closed): the hold is held again, the deadline resumes. */
  private async endUnmoved(
    tx: Tx,
    order: Order,
    dispute: Dispute,
    to: 'withdrawn' | 'closed',
    actor: string,
    now: Date,
  ): Promise<Outcome> {
    const { hold } = await this.escrow.unfreeze(tx, order, now);
    const moved = await this.moveTo(tx, dispute, to, actor, now);
    await this.record(tx, ['dispute.resolved'], moved.dispute, now);
    return { dispute: moved.dispute, effects: { unfrozen: hold } };
  }

  /** The guarded status change of a locked dispute, its deadline set by the new status, on the timeline. */
  private async moveTo(
    tx: Tx,
    dispute: Dispute,
    to: DisputeStatus,
    actor: string,
    now: Date,
    patch: DisputePatch = {},
  ): Promise<{ dispute: Dispute; deadline?: DueDeadline }> {
    if (!canTransitionDispute(dispute.status, to)) {
      throw new Error(`Dispute ${dispute.id} cannot go from ${dispute.status} to ${to}`);
    }
    const deadline = deadlineFor(to, now, this.config);
    const full: DisputePatch = {
      ...patch,
      status: to,
      statusChangedAt: now,
      updatedAt: now,
      deadlineKind: deadline?.kind ?? null,
      deadlineAt: deadline?.at ?? null,
    };
    if (!(await this.disputes.change(tx, dispute.id, dispute.status, full))) {
      throw new Error(`Dispute ${dispute.id} changed under its lock`);
    }
    await this.disputes.insertStatusChange(tx, {
      id: newId('dsc', now.getTime()),
      disputeId: dispute.id,
      from: dispute.status,
      to,
      actor,
      createdAt: now,
    });
    return {
      dispute: { ...dispute, ...full },
      deadline: deadline ? { disputeId: dispute.id, dueAt: deadline.at } : undefined,
    };
  }

  private async insertMessage(
    tx: Tx,
    dispute: Dispute,
    principal: Principal,
    input: MessageInput,
    now: Date,
  ): Promise<DisputeMessage> {
    const message: DisputeMessage = {
      id: newId('dmsg', now.getTime()),
      disputeId: dispute.id,
      authorRole: principal.role as DisputeMessage['authorRole'],
      authorId: principal.id,
      text: input.text,
      attachmentUrls: input.attachmentUrls,
      createdAt: now,
    };
    await this.disputes.insertMessage(tx, message);
    return message;
  }

  /** Dispute events, each with the dispute object as it is now, in the use case's transaction. */
  private async record(tx: Tx, types: EventType[], dispute: Dispute, now: Date): Promise<void> {
    const object = toDisputeObject(dispute);
    await this.outbox.recordMany(
      tx,
      types.map((type) => ({ type, objectId: dispute.id, object })),
      now,
    );
  }

  private async afterCommit(effects: Effects): Promise<void> {
    if (effects.resolution) {
      try {
        await this.escrow.afterResolve(effects.resolution);
      } catch (error) {
        // The refund stays `requested`; the channels' sweep sends unanswered refunds again.
        this.logger.warn(
          { err: (error as Error).message },
          'refund send after a dispute failed; will be resent',
        );
      }
    }
    if (effects.unfrozen) await this.escrow.afterUnfreeze(effects.unfrozen);
    await this.jobs.afterCommit(effects.deadline);
    await this.relay.kick();
  }
}

function after(dispute: Dispute): { status: string; resolution_id: string | null } {
  return { status: dispute.status, resolution_id: dispute.resolutionId };
}
