import { promises as dnsPromises } from 'node:dns';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isForbiddenAddress } from './destination';
import { postWebhook } from './webhook-http';

/** A real HTTP server on 127.0.0.1 that records what reached it. */
interface Receiver {
  port: number;
  hits: http.IncomingMessage[];
  bodies: string[];
  /** Resolves when the server side of the first connection closes. */
  firstSocketClosed: Promise<void>;
  close(): Promise<void>;
}

async function receiver(
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<Receiver> {
  const hits: http.IncomingMessage[] = [];
  const bodies: string[] = [];
  let socketClosed!: () => void;
  const firstSocketClosed = new Promise<void>((resolve) => (socketClosed = resolve));
  const server = http.createServer((req, res) => {
    hits.push(req);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => bodies.push(body));
    handle(req, res);
  });
  server.once('connection', (socket) => socket.once('close', () => socketClosed()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    bodies,
    firstSocketClosed,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const dev = { timeoutMs: 5_000, maxResponseBytes: 2048, allowLoopback: true };
const strict = { ...dev, allowLoopback: false };
const json = '{"type":"order.paid","id":"evt_1"}';

describe('postWebhook against real receivers', () => {
  const servers: Receiver[] = [];
  const start = async (handle: Parameters<typeof receiver>[0]) => {
    const server = await receiver(handle);
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('delivers: 200 is ok, with the body, the headers and a snippet of the answer', async () => {
    const server = await start((_req, res) => res.writeHead(200).end('{"received":true}'));
    const result = await postWebhook(
      new URL(`http://localhost:${server.port}/hooks?shop=1`),
      json,
      { 'danbao-signature': 't=1,v1=ab' },
      dev,
    );
    expect(result).toEqual({
      ok: true,
      status: 200,
      latencyMs: expect.any(Number),
      responseSnippet: '{"received":true}',
      error: null,
    });
    const [hit] = server.hits;
    expect(hit.method).toBe('POST');
    expect(hit.url).toBe('/hooks?shop=1');
    // Connected to the pinned address, but the Host is the registered name.
    expect(hit.headers.host).toBe(`localhost:${server.port}`);
    expect(hit.headers['content-type']).toBe('application/json');
    expect(hit.headers['user-agent']).toBe('Danbao-Webhooks/1.0');
    expect(hit.headers['danbao-signature']).toBe('t=1,v1=ab');
    expect(server.bodies).toEqual([json]);
  });

  // The check's answer is scripted for a name no resolver knows: if the socket resolved the name
  // again (where a rebinding DNS server could answer differently) it would fail with ENOTFOUND.
  it('connects to the address that was checked, not to a second resolution of the name', async () => {
    const server = await start((_req, res) => res.writeHead(204).end());
    const checked = jest
      .spyOn(dnsPromises, 'lookup')
      .mockResolvedValue([{ address: '127.0.0.1', family: 4 }] as never);
    try {
      const result = await postWebhook(new URL(`http://rebind.invalid:${server.port}/`), json, {}, dev);
      expect(result).toMatchObject({ ok: true, status: 204, error: null });
      expect(checked).toHaveBeenCalledTimes(1);
      expect(server.hits[0].headers.host).toBe(`rebind.invalid:${server.port}`);
    } finally {
      checked.mockRestore();
    }
  });

  it('a 500 is not ok, and keeps its snippet', async () => {
    const server = await start((_req, res) => res.writeHead(500).end('upstream exploded'));
    const result = await postWebhook(new URL(`http://127.0.0.1:${server.port}/`), json, {}, dev);
    expect(result).toMatchObject({
      ok: false,
      status: 500,
      responseSnippet: 'upstream exploded',
      error: null,
    });
  });

  it('times out a receiver that never answers at ~timeoutMs, and drops the connection', async () => {
    const server = await start(() => undefined); // accepts, reads, never responds
    const began = Date.now();
    const result = await postWebhook(
      new URL(`http://127.0.0.1:${server.port}/`),
      json,
      {},
      {
        ...dev,
        timeoutMs: 300,
      },
    );
    const elapsed = Date.now() - began;
    expect(result).toMatchObject({ ok: false, status: null, error: 'timeout', responseSnippet: '' });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1_500);
    expect(server.hits).toHaveLength(1);
    // The receiver sees its connection closed: we destroyed the socket rather than leave it open.
    await server.firstSocketClosed;
  });

  it('times out a receiver that answers 200 but never finishes its body', async () => {
    const server = await start((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    const result = await postWebhook(
      new URL(`http://127.0.0.1:${server.port}/`),
      json,
      {},
      {
        ...dev,
        timeoutMs: 300,
      },
    );
    expect(result).toMatchObject({ ok: false, status: 200, error: 'timeout' });
    await server.firstSocketClosed;
  });

  it.each([
    ['the metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['another receiver on loopback', (target: Receiver) => `http://127.0.0.1:${target.port}/stolen`],
  ])('does not follow a 302 to %s', async (_case, location) => {
    const target = await start((_req, res) => res.writeHead(200).end('followed'));
    const redirecting = await start((_req, res) => res.writeHead(302, { location: location(target) }).end());
    const result = await postWebhook(new URL(`http://127.0.0.1:${redirecting.port}/`), json, {}, dev);
    expect(result).toMatchObject({ ok: false, status: 302, error: 'redirect_not_followed' });
    expect(redirecting.hits).toHaveLength(1);
    expect(target.hits).toHaveLength(0);
  });

  it('reads at most maxResponseBytes of a receiver streaming 10 MB, then hangs up', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    let finishedStreaming = false;
    const server = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.on('close', () => (finishedStreaming = res.writableFinished));
      const pump = () => {
        while (sent < 10 * 1024 * 1024 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const result = await postWebhook(new URL(`http://127.0.0.1:${server.port}/`), json, {}, dev);
    expect(result).toMatchObject({ ok: true, status: 200, error: null });
    expect(result.responseSnippet).toBe('x'.repeat(2048));
    await server.firstSocketClosed;
    expect(finishedStreaming).toBe(false); // cut off mid-stream, not read to the end
    expect(sent).toBeLessThan(10 * 1024 * 1024);
  });

  it('drops a UTF-8 character cut by the byte limit instead of keeping half of it', async () => {
    const server = await start((_req, res) => res.writeHead(200).end('ab€cd')); // € is 3 bytes
    const result = await postWebhook(
      new URL(`http://127.0.0.1:${server.port}/`),
      json,
      {},
      {
        ...dev,
        maxResponseBytes: 4,
      },
    );
    expect(result.responseSnippet).toBe('ab');
  });

  it('reports a refused connection as a connection_error', async () => {
    const server = await start(() => undefined);
    const port = server.port;
    await servers.splice(0)[0].close();
    const result = await postWebhook(new URL(`http://127.0.0.1:${port}/`), json, {}, dev);
    expect(result).toMatchObject({ ok: false, status: null, error: 'connection_error: ECONNREFUSED' });
  });

  describe('with loopback not allowed (production)', () => {
    it.each([['127.0.0.1'], ['[::1]'], ['localhost']])(
      'refuses http://%s:<port> without any request reaching the receiver',
      async (host) => {
        const server = await start((_req, res) => res.writeHead(200).end());
        const result = await postWebhook(new URL(`http://${host}:${server.port}/`), json, {}, strict);
        expect(result).toMatchObject({ ok: false, status: null, responseSnippet: '' });
        expect(result.error).toMatch(/^forbidden_destination: /);
        expect(server.hits).toHaveLength(0);
      },
    );

    // `localhost` is a name that goes through the resolver like any merchant's host name and
    // comes back 127.0.0.1: it stands for "a DNS name that resolves inward" (an attacker's
    // domain with an A record of 10.0.0.5 or 169.254.169.254) without a DNS server of our own.
    it('refuses a host name that resolves to a loopback address', async () => {
      const server = await start((_req, res) => res.writeHead(200).end());
      const result = await postWebhook(new URL(`http://localhost:${server.port}/`), json, {}, strict);
      expect(result.error).toMatch(/^forbidden_destination: localhost resolves to (127\.0\.0\.1|::1)$/);
      expect(server.hits).toHaveLength(0);
    });

    // Another name the machine resolves inward, read (never written) from /etc/hosts, when it has one.
    const hostsName = inwardNameFromEtcHosts();
    (hostsName ? it : it.skip)(`refuses ${hostsName ?? 'an /etc/hosts name'} resolving inward`, async () => {
      const server = await start((_req, res) => res.writeHead(200).end());
      const result = await postWebhook(new URL(`http://${hostsName}:${server.port}/`), json, {}, strict);
      expect(result.error).toMatch(new RegExp(`^forbidden_destination: ${hostsName} resolves to `));
      expect(server.hits).toHaveLength(0);
    });
  });
});

/** The first name other than localhost that /etc/hosts maps to a forbidden IPv4 address. */
function inwardNameFromEtcHosts(): string | undefined {
  let hosts: string;
  try {
    hosts = readFileSync('/etc/hosts', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of hosts.split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (
      !address ||
      !/^\d+\.\d+\.\d+\.\d+$/.test(address) ||
      !isForbiddenAddress(address, { allowLoopback: false })
    )
      continue;
    const name = names.find((n) => /^[a-z0-9][a-z0-9.-]*$/i.test(n) && !/localhost/i.test(n));
    if (name) return name;
  }
  return undefined;
}
