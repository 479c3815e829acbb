/**
 * One webhook delivery attempt: a POST to a merchant's URL, made safe to run from inside our
 * network. No retries and no bookkeeping here; the caller records the result and schedules.
 */
import type { LookupAddress, LookupOptions } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import { bareHostname, resolveDestination } from './destination';

export interface WebhookAttemptResult {
  /** Only a 2xx answer counts as delivered. */
  ok: boolean;
  /** The HTTP status, or null when no response head arrived. */
  status: number | null;
  latencyMs: number;
  /** The first maxResponseBytes of the response body, as UTF-8 (a cut character is dropped). */
  responseSnippet: string;
  /**
   * Why the attempt failed short of an answer, or null when the receiver answered with a
   * non-redirect status (then `status` tells): 'timeout', 'redirect_not_followed',
   * 'forbidden_destination: …', 'dns_error: …', 'connection_error: …', 'invalid_url: …'.
   */
  error: string | null;
}

export interface PostWebhookOptions {
  /** The whole attempt, DNS and connect through the last byte read (10 s in production). */
  timeoutMs: number;
  /** How much of the response body to keep; reading stops there (e.g. 2048). */
  maxResponseBytes: number;
  /** Development only: lets a receiver on this machine be reached. */
  allowLoopback: boolean;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * POSTs `body` to `url` once. The hostname is resolved and checked right here, and the socket
 * connects to exactly that checked address (a DNS answer changing between check and connect —
 * DNS rebinding — cannot turn the request inward). Redirects are never followed, the whole
 * attempt is cut at timeoutMs, and at most maxResponseBytes of the answer are read.
 */
export async function postWebhook(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: PostWebhookOptions,
): Promise<WebhookAttemptResult> {
  const started = performance.now();
  let status: number | null = null;
  let settle!: (result: WebhookAttemptResult) => void;
  const outcome = new Promise<WebhookAttemptResult>((resolve) => (settle = resolve));
  let settled = false;
  const finish = (error: string | null, snippet = '') => {
    if (settled) return;
    settled = true;
    clearTimeout(deadline);
    const ok = error === null && status !== null && status >= 200 && status < 300;
    settle({
      ok,
      status,
      latencyMs: Math.round(performance.now() - started),
      responseSnippet: snippet,
      error,
    });
  };
  // One deadline for everything, DNS included: a slow resolver or a receiver that accepts the
  // connection and never answers (or trickles its body) must not hold a worker.
  const deadline = setTimeout(() => finish('timeout'), options.timeoutMs);

  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    finish(`invalid_url: ${url.protocol} is not http(s)`);
    return outcome;
  }
  const destination = await resolveDestination(url, { allowLoopback: options.allowLoopback });
  if (settled) return outcome; // timed out while resolving
  if (!destination.ok) {
    finish(destination.reason);
    return outcome;
  }

  // Hand the socket the address we just checked instead of letting it resolve the name again.
  const pinnedLookup = (_host: string, lookupOptions: LookupOptions, callback: LookupCallback) => {
    if (lookupOptions.all) callback(null, [{ address: destination.address, family: destination.family }]);
    else callback(null, destination.address, destination.family);
  };
  const host = bareHostname(url);
  const secure = url.protocol === 'https:';
  const requestOptions: https.RequestOptions = {
    method: 'POST',
    hostname: host,
    port: url.port || (secure ? 443 : 80),
    path: `${url.pathname}${url.search}`,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Danbao-Webhooks/1.0',
      ...headers,
      host: url.host, // the name the merchant registered, not the address
      'content-length': String(Buffer.byteLength(body)),
    },
    lookup: pinnedLookup as unknown as http.RequestOptions['lookup'],
    agent: false, // a fresh connection per attempt: nothing pooled under a name is reused
    // The certificate is checked against the registered name (SNI must not be an IP literal).
    ...(secure && destination.address !== host ? { servername: host } : {}),
  };

  const request = (secure ? https : http).request(requestOptions, (response) => {
    status = response.statusCode ?? null;
    if (status !== null && status >= 300 && status < 400) {
      // The Location is not requested: it could point anywhere, including inward.
      finish('redirect_not_followed');
      return;
    }
    const decoder = new StringDecoder('utf8');
    let snippet = '';
    let kept = 0;
    response.on('data', (chunk: Buffer) => {
      const room = options.maxResponseBytes - kept;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      snippet += decoder.write(part); // holds back a character cut in two
      kept += part.length;
      // Enough: stop reading (finish destroys the socket) so a receiver streaming gigabytes
      // costs us nothing more.
      if (kept >= options.maxResponseBytes) finish(null, snippet);
    });
    response.on('end', () => finish(null, snippet));
    response.on('error', (error) => finish(`connection_error: ${errorCode(error)}`, snippet));
  });
  request.on('error', (error) => finish(`connection_error: ${errorCode(error)}`));
  // Whatever ended the attempt (answer, cut-off, timeout), nothing more is wanted from this
  // socket: destroy it rather than drain or reuse it.
  void outcome.then(() => request.destroy());
  request.end(body);
  return outcome;
}

function errorCode(error: Error): string {
  return (error as NodeJS.ErrnoException).code ?? error.message;
}
