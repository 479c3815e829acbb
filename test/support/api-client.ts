import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { signPayload } from '@danbao/channels';
import { ApiKeyService } from '@danbao/platform';

export const SANDBOX_SECRET = 'test_sandbox_secret_0123456789';

/** A marketplace, its buyers and sellers, talking to the api as a real integration would. */
export class ApiClient {
  constructor(
    readonly app: NestFastifyApplication,
    readonly apiKey: string,
  ) {}

  static async create(app: NestFastifyApplication): Promise<ApiClient> {
    const { key } = await app.get(ApiKeyService).create('test marketplace');
    return new ApiClient(app, key);
  }

  http() {
    return request(this.app.getHttpServer());
  }

  asMarketplace() {
    return { Authorization: `Bearer ${this.apiKey}` };
  }

  async tokenFor(role: 'buyer' | 'seller', subjectId: string): Promise<{ Authorization: string }> {
    const response = await this.http()
      .post('/v1/auth/tokens')
      .set(this.asMarketplace())
      .send({ role, subject_id: subjectId })
      .expect(201);
    return { Authorization: `Bearer ${response.body.token as string}` };
  }

  async createOrder(overrides: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const response = await this.http()
      .post('/v1/orders')
      .set(this.asMarketplace())
      .send({
        buyer_id: 'buyer_a',
        seller_id: 'seller_a',
        amount: 1999,
        currency: 'CNY',
        description: 'A teapot',
        ...overrides,
      })
      .expect(201);
    return response.body;
  }

  /** Opens the hosted page and submits a card, as the buyer's browser would (cookie + CSRF token). */
  async submitCard(
    checkoutUrl: string,
    cardNumber: string,
  ): Promise<{ status: number; location?: string; paymentId?: string; text: string }> {
    const path = new URL(checkoutUrl).pathname;
    const page = await this.http().get(path).expect(200);
    const cookie = page.headers['set-cookie'];
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    const submit = await this.http()
      .post(path)
      .set('cookie', cookie)
      .type('form')
      .send({ _csrf: token, card_number: cardNumber, expiry: '12/34', cvc: '123' });
    const location = submit.headers.location as string | undefined;
    return {
      status: submit.status,
      location,
      paymentId: location ? /payments\/(pay_[0-9a-z]+)/.exec(location)?.[1] : undefined,
      text: submit.text,
    };
  }

  notify(body: Record<string, unknown>, options: { secret?: string; timestamp?: number } = {}) {
    const raw = JSON.stringify(body);
    return this.http()
      .post('/v1/channels/sandbox/notifications')
      .set('content-type', 'application/json')
      .set('danbao-signature', signPayload(options.secret ?? SANDBOX_SECRET, raw, options.timestamp))
      .send(raw);
  }

  paymentNotification(
    id: string,
    paymentId: string,
    amount: number,
    currency = 'CNY',
    type = 'payment.succeeded',
    extra: Record<string, unknown> = {},
  ) {
    return {
      id,
      type,
      created: Math.floor(Date.now() / 1000),
      data: { reference: paymentId, amount, currency, channel_reference: `ch_${id}`, ...extra },
    };
  }
}
