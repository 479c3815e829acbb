import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface Received {
  body: string;
  signature: string | undefined;
  eventId: string | undefined;
}

/** A webhook receiver on 127.0.0.1 whose answers a test scripts. */
export class Receiver {
  readonly received: Received[] = [];
  /** Answers in order; when they run out, 200. `hang` never answers; `redirect` answers 302 to the metadata address. */
  script: Array<number | 'hang' | 'redirect'> = [];
  private server!: Server;

  async start(port = 0): Promise<this> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        this.received.push({
          body,
          signature: req.headers['danbao-signature'] as string | undefined,
          eventId: req.headers['danbao-event-id'] as string | undefined,
        });
        const answer = this.script.shift() ?? 200;
        if (answer === 'hang') return;
        if (answer === 'redirect') {
          res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
          return;
        }
        res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer === 200 ? 'ok' : 'boom');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return this;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  of(eventId: string): Received[] {
    return this.received.filter((hit) => hit.eventId === eventId);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
