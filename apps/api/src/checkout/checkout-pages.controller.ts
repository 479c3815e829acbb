import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import '@fastify/cookie';
import CSRF from '@fastify/csrf';
import { Body, Controller, Get, Header, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CheckoutService, CheckoutSession, Payment } from '@danbao/checkout';
import { formatMoney } from '@danbao/money';
import { Order, OrdersService } from '@danbao/orders';
import { APP_CONFIG, AppConfig, Public } from '@danbao/platform';

/** The repository root, found from here in source and in dist/ alike. */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const VIEWS = join(projectRoot(), 'apps', 'api', 'views', 'checkout');
const CSRF_COOKIE = 'danbao_csrf';
const SESSION_ID = /^cs_[A-Za-z0-9_-]{20,60}$/;
/**
 * The pages' own policy, stricter than the app-wide one: no scripts at all, and without helmet's
 * default `upgrade-insecure-requests`, which on any plain-http origin other than localhost (a LAN
 * address, a staging host) sends the stylesheet and the card form to https and breaks the page.
 * Everything the pages load is same-origin, so on https it adds nothing.
 */
const PAGE_POLICY =
  "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'";

const BRAND_NAMES: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  unionpay: 'UnionPay',
  jcb: 'JCB',
};

const FAILURE_TEXT: Record<string, string> = {
  card_declined: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
};

interface CardForm {
  card_number?: unknown;
  expiry?: unknown;
  cvc?: unknown;
  _csrf?: unknown;
}

/**
 * The hosted checkout: server-rendered with an auto-escaping template engine (eta), a strict
 * Content-Security-Policy from helmet (no scripts at all), `frame-ancestors 'none'`, and a CSRF
 * token bound to an HttpOnly SameSite cookie on the form. The card number is handed to the
 * channel and never stored or logged: only its brand and last four digits are kept.
 */
@ApiExcludeController()
@Public()
@Controller('checkout')
export class CheckoutPagesController {
  private readonly eta = new Eta({ views: VIEWS, autoEscape: true, cache: true });
  private readonly css = readFileSync(join(VIEWS, 'checkout.css'), 'utf8');
  private readonly csrf: {
    create(secret: string): string;
    verify(secret: string, token: string): boolean;
    secretSync(): string;
  } = new CSRF() as never;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CheckoutService) private readonly checkout: CheckoutService,
    @Inject(OrdersService) private readonly orders: OrdersService,
  ) {}

  @Get('assets/checkout.css')
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  stylesheet(): string {
    return this.css;
  }

  @Get(':sessionId')
  async show(
    @Param('sessionId') sessionId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const loaded = await this.load(sessionId);
    if (!loaded) return this.invalid(reply);
    const { session, orders } = loaded;
    const state = this.stateOf(session, orders);
    if (state !== 'payable') return this.showState(reply, state, session, orders);
    const pending = orders.find((order) => order.pendingPaymentId !== null)?.pendingPaymentId;
    if (pending) return this.redirect(reply, `/checkout/${session.id}/payments/${pending}`);
    const latestPaymentId = orders[0]?.latestPayment?.id;
    const latest = latestPaymentId ? await this.checkout.payment(latestPaymentId) : undefined;
    const error = latest?.status === 'failed' ? this.failureText(latest) : undefined;
    this.renderForm(request, reply, session, orders, error, 200);
  }

  @Post(':sessionId')
  async submit(
    @Param('sessionId') sessionId: string,
    @Body() body: CardForm,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!SESSION_ID.test(sessionId)) return this.invalid(reply);
    const secret = request.cookies?.[CSRF_COOKIE];
    if (!secret || typeof body?._csrf !== 'string' || !this.csrf.verify(secret, body._csrf)) {
      return this.page(reply, 403, 'Form expired', 'status', {
        state: 'invalid',
        heading: 'This form has expired',
        message: 'For your security the payment was not sent. Open the checkout page again.',
        link: { href: `/checkout/${sessionId}`, text: 'Back to checkout' },
      });
    }
    const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 40) : '');
    // The common path (a valid card) needs no read here: submitPayment locks what it needs.
    const result = await this.checkout.submitPayment(sessionId, {
      number: text(body.card_number),
      expiry: text(body.expiry),
      cvc: text(body.cvc),
    });
    if (result.kind === 'submitted')
      return this.redirect(reply, `/checkout/${sessionId}/payments/${result.paymentId}`);
    const loaded = await this.load(sessionId);
    if (!loaded || result.kind === 'not_found') return this.invalid(reply);
    switch (result.kind) {
      case 'invalid_card':
        return this.renderForm(request, reply, loaded.session, loaded.orders, result.problem.message, 400);
      case 'not_payable':
        return this.showState(
          reply,
          result.reason === 'paid' ? 'paid' : result.reason === 'expired' ? 'expired' : 'unpayable',
          loaded.session,
          loaded.orders,
          409,
        );
    }
  }

  /** The result page: waits for the channel's answer, then goes on to the marketplace's return_url. */
  @Get(':sessionId/payments/:paymentId')
  async result(
    @Param('sessionId') sessionId: string,
    @Param('paymentId') paymentId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const loaded = await this.load(sessionId);
    const payment = loaded ? await this.checkout.payment(paymentId) : undefined;
    if (!loaded || !payment || payment.sessionId !== sessionId) return this.invalid(reply);
    const total = formatMoney(payment.amount, payment.currency);
    if (payment.status === 'processing') {
      return this.page(
        reply,
        200,
        'Processing',
        'status',
        {
          state: 'processing',
          heading: 'Processing your payment…',
          total,
          message: 'This page updates by itself.',
        },
        '1',
      );
    }
    if (payment.status === 'failed') {
      return this.page(reply, 200, 'Payment declined', 'status', {
        state: 'failed',
        heading: 'Payment declined',
        total,
        message: `${this.failureText(payment)} No money was taken. You can try another card.`,
        link: { href: `/checkout/${sessionId}`, text: 'Try again' },
      });
    }
    const returnUrl = loaded.session.returnUrl;
    return this.page(
      reply,
      200,
      'Payment received',
      'status',
      {
        state: 'succeeded',
        heading: 'Payment received',
        total,
        message: `Paid with ${BRAND_NAMES[payment.cardBrand] ?? 'a card'} ending in ${payment.cardLast4}. Danbao holds it until you confirm receipt.`,
        link: returnUrl ? { href: returnUrl, text: 'Back to the shop' } : undefined,
      },
      returnUrl ? `2;url=${returnUrl}` : undefined,
    );
  }

  private async load(sessionId: string): Promise<{ session: CheckoutSession; orders: Order[] } | undefined> {
    if (!SESSION_ID.test(sessionId)) return undefined;
    const session = await this.checkout.session(sessionId);
    if (!session) return undefined;
    const orders = await this.orders.findMany(session.orderIds);
    const byId = new Map(orders.map((order) => [order.id, order]));
    return {
      session,
      orders: session.orderIds
        .map((id) => byId.get(id))
        .filter((order): order is Order => order !== undefined),
    };
  }

  private stateOf(session: CheckoutSession, orders: Order[]): 'payable' | 'paid' | 'expired' | 'unpayable' {
    if (session.status === 'paid' || (orders.length > 0 && orders.every((order) => order.paidAt !== null)))
      return 'paid';
    if (session.status === 'expired' || session.expiresAt.getTime() <= Date.now()) return 'expired';
    if (orders.some((order) => order.status !== 'awaiting_payment')) return 'unpayable';
    return 'payable';
  }

  private showState(
    reply: FastifyReply,
    state: 'paid' | 'expired' | 'unpayable',
    session: CheckoutSession,
    orders: Order[],
    status = 200,
  ): void {
    const total = formatMoney(session.amount, session.currency);
    const views = {
      paid: { heading: 'Already paid', message: 'This order has been paid. Nothing more to do here.' },
      expired: {
        heading: 'This checkout has expired',
        message: 'It can no longer be paid. Ask the shop for a new checkout link.',
      },
      unpayable: {
        heading: 'This checkout can no longer be paid',
        message: `The order is ${orders.find((order) => order.status !== 'awaiting_payment')?.status ?? 'closed'}.`,
      },
    };
    const link =
      state === 'paid' && session.returnUrl
        ? { href: session.returnUrl, text: 'Back to the shop' }
        : undefined;
    this.page(reply, status, views[state].heading, 'status', { state, total, link, ...views[state] });
  }

  private renderForm(
    request: FastifyRequest,
    reply: FastifyReply,
    session: CheckoutSession,
    orders: Order[],
    error: string | undefined,
    status: number,
  ): void {
    let secret: string | undefined = request.cookies?.[CSRF_COOKIE];
    if (!secret) {
      secret = this.csrf.secretSync();
      reply.setCookie(CSRF_COOKIE, secret, {
        path: '/checkout',
        httpOnly: true,
        sameSite: 'strict',
        secure: this.config.publicUrl.startsWith('https://'),
      });
    }
    this.page(reply, status, 'Pay', 'pay', {
      sessionId: session.id,
      csrfToken: this.csrf.create(secret as string),
      total: formatMoney(session.amount, session.currency),
      items: orders.map((order) => ({
        description: order.description,
        amount: formatMoney(order.amount, order.currency),
      })),
      error,
      expiresAt: session.expiresAt.toISOString(),
      expiresAtText: `${session.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    });
  }

  private failureText(payment: Payment): string {
    const code = payment.failureCode ?? 'payment_failed';
    return `${FAILURE_TEXT[code] ?? 'The payment did not go through.'} (${code})`;
  }

  private invalid(reply: FastifyReply): void {
    this.page(reply, 404, 'Not found', 'status', {
      state: 'invalid',
      heading: 'This checkout link is not valid',
      message: 'Check the link the shop gave you.',
    });
  }

  private redirect(reply: FastifyReply, location: string): void {
    void reply.status(303).header('location', location).header('cache-control', 'no-store').send();
  }

  private page(
    reply: FastifyReply,
    status: number,
    title: string,
    view: 'pay' | 'status',
    data: Record<string, unknown>,
    refresh?: string,
  ): void {
    const body = this.eta.render(`./${view}`, data);
    // The escrow promise is only shown where money is about to move or has moved.
    const footer = view === 'pay' || data.state === 'succeeded' || data.state === 'processing';
    const html = this.eta.render('./layout', { title, body, refresh, footer });
    void reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', PAGE_POLICY)
      .send(html);
  }
}
