import { settlementReconcilers } from '@danbao/settlement';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { RefundService } from '@danbao/channels';
import { Accounts, LedgerService } from '@danbao/ledger';
import { AppConfig, TokenService } from '@danbao/platform';
import {
  makePaidOrder,
  PaidOrder,
  PaidOrderInput,
  RunningProcess,
  Stack,
  startStack,
  waitFor,
} from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';

/*
 * What the dispute suites share: the api in-process listening on a port (the sandbox's refund
 * notifications come back to it), a real worker process (deadlines, sandbox deliveries), MariaDB
 * and Redis; tokens for the parties and admins; and readers of the money on both sides — our
 * ledger and the sandbox channel's own records (sandbox_charges rows of kind 'refund').
 */

export interface HoldRow {
  status: string;
  amount: string;
  fee: string;
  released: string;
  refunded: string;
  refund_due: string;
  release_due_at: Date | null;
  frozen_at: Date | null;
  deadline_left_ms: string | null;
}

export interface SandboxRefund {
  reference: string;
  amount: string;
  result: string;
}

export class DisputeHarness {
  app!: NestFastifyApplication;
  worker!: RunningProcess;
  dataSource!: DataSource;
  ledger!: LedgerService;
  config!: AppConfig;
  private stack?: Stack;
  private tokens!: TokenService;

  async start(overrides: Record<string, string>): Promise<void> {
    this.stack = await startStack(AppModule.forRoot, { overrides, listen: true, worker: true });
    ({ app: this.app, config: this.config } = this.stack);
    this.worker = this.stack.worker!;
    this.dataSource = this.app.get(DataSource);
    this.ledger = this.app.get(LedgerService);
    this.tokens = this.app.get(TokenService);
  }

  async stop(): Promise<void> {
    await this.stack?.stop();
  }

  /** The books balance, suspense included, and every escrow account holds what its hold still owes. */
  async expectCleanBooks(): Promise<void> {
    const report = await this.ledger.check(undefined, [
      this.app.get(RefundService).suspenseReconciler,
      ...settlementReconcilers(this.ledger),
    ]);
    expect(report.violations).toEqual([]);
    expect(report.balanced).toBe(true);
  }

  http() {
    return request(this.app.getHttpServer());
  }

  bearer(role: 'buyer' | 'seller' | 'admin', id: string) {
    const email = role === 'admin' ? `${id}@x.test` : undefined;
    return { Authorization: `Bearer ${this.tokens.mint(role, id, 600, email).token}` };
  }

  buyerOf(order: PaidOrder) {
    return this.bearer('buyer', order.buyerId);
  }

  sellerOf(order: PaidOrder) {
    return this.bearer('seller', order.sellerId);
  }

  admin(id = 'adm_1') {
    return this.bearer('admin', id);
  }

  /** A paid order whose payment the sandbox really charged (so it can refund it). */
  paidOrder(
    input: PaidOrderInput = {},
    options: { cardLast4?: string; maxHoldMs?: number } = {},
  ): Promise<PaidOrder> {
    return makePaidOrder(this.dataSource, input, { withPayment: true, ...options });
  }

  /** Ships through the api (the receipt deadline starts and its job is queued). */
  async ship(order: PaidOrder, method = 'express'): Promise<Record<string, any>> {
    const body =
      method === 'express' ? { method, carrier: 'SF Express', tracking_number: 'SF1234567890' } : { method };
    const response = await this.http()
      .post(`/v1/orders/${order.orderId}/shipments`)
      .set(this.sellerOf(order))
      .send(body)
      .expect(200);
    return response.body;
  }

  open(order: PaidOrder, body: Record<string, unknown>, as = this.buyerOf(order)) {
    return this.http().post(`/v1/orders/${order.orderId}/disputes`).set(as).send(body);
  }

  /** Opens a dispute that must be created; answers its body. */
  async opened(order: PaidOrder, body: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const response = await this.open(order, {
      reason: 'damaged',
      refund_amount: Number(order.amount),
      ...body,
    });
    expect(response.status).toBe(201);
    return response.body;
  }

  act(disputeId: string, action: string, as: Record<string, string>, body: Record<string, unknown> = {}) {
    return this.http().post(`/v1/disputes/${disputeId}/${action}`).set(as).send(body);
  }

  adminAct(disputeId: string, action: 'resolve' | 'approve', as: Record<string, string>, body = {}) {
    return this.http().post(`/v1/admin/disputes/${disputeId}/${action}`).set(as).send(body);
  }

  async hold(order: PaidOrder): Promise<HoldRow> {
    const [row] = await this.dataSource.query('SELECT * FROM holds WHERE id = ?', [order.holdId]);
    return row as HoldRow;
  }

  async orderRow(order: PaidOrder): Promise<{ status: string; auto_confirm_at: Date | null }> {
    const [row] = await this.dataSource.query('SELECT status, auto_confirm_at FROM orders WHERE id = ?', [
      order.orderId,
    ]);
    return row;
  }

  async dispute(id: string): Promise<Record<string, any>> {
    const response = await this.http().get(`/v1/disputes/${id}`).set(this.admin()).expect(200);
    return response.body;
  }

  waitForDispute(id: string, status: string, timeoutMs = 20_000) {
    return waitFor(
      () => this.dispute(id),
      (dispute) => dispute.status === status,
      timeoutMs,
    );
  }

  /** The sandbox channel's own refunds of the order's payment. */
  async sandboxRefunds(order: PaidOrder): Promise<SandboxRefund[]> {
    return this.dataSource.query(
      "SELECT reference, amount, result FROM sandbox_charges WHERE kind = 'refund' AND payment_reference = ? ORDER BY created_at",
      [order.paymentId],
    );
  }

  /** Waits until the channel confirmed refunds of `amount` in all and escrow booked them out. */
  waitForRefunded(order: PaidOrder, amount: bigint) {
    return waitFor(
      () => this.hold(order),
      (hold) => BigInt(hold.refunded) === amount,
      20_000,
    );
  }

  escrowBalance(order: PaidOrder) {
    return this.ledger.balance(Accounts.escrow(order.orderId), order.currency);
  }

  sellerIncoming(order: PaidOrder) {
    return this.ledger.balance(Accounts.sellerIncoming(order.sellerId), order.currency);
  }

  /** The fee posted for this order's release (platform:fees is shared by every order). */
  async feeOf(order: PaidOrder): Promise<bigint> {
    const transactions = await this.ledger.transactionsForOrder(order.orderId);
    return transactions
      .flatMap((transaction) => transaction.entries)
      .filter((entry) => entry.account === Accounts.platformFees())
      .reduce((sum, entry) => sum + entry.amount, 0n);
  }

  /** What the channel owes us for this order, net: −amount once paid, back to 0 once all refunded. */
  async channelNet(order: PaidOrder): Promise<bigint> {
    const transactions = await this.ledger.transactionsForOrder(order.orderId);
    return transactions
      .flatMap((transaction) => transaction.entries)
      .filter((entry) => entry.account === Accounts.channel('sandbox'))
      .reduce((sum, entry) => sum + entry.amount, 0n);
  }

  async kinds(order: PaidOrder): Promise<string[]> {
    return (await this.ledger.transactionsForOrder(order.orderId))
      .map((transaction) => transaction.kind)
      .sort();
  }

  async events(disputeId: string): Promise<{ type: string; status: string }[]> {
    const rows: { type: string; payload: string }[] = await this.dataSource.query(
      'SELECT type, payload FROM outbox_events WHERE object_id = ? ORDER BY id',
      [disputeId],
    );
    return rows.map((row) => ({ type: row.type, status: JSON.parse(row.payload).data.object.status }));
  }
}
