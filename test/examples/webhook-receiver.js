// An example webhook receiver for Danbao, in plain Node (no dependencies): it verifies the
// Danbao-Signature header over the raw body and refuses a timestamp more than 5 minutes away, then
// handles each event once (by its id). Run: DANBAO_WEBHOOK_SECRET=whsec_… PORT=4000 node webhook-receiver.js
// test/e2e/webhook-receiver-example.e2e-spec.ts runs this very file against the platform.
const { createHmac, timingSafeEqual } = require('node:crypto');
const { createServer } = require('node:http');

const secret = process.env.DANBAO_WEBHOOK_SECRET;
const TOLERANCE_SECONDS = 300;
const seen = new Set(); // a real receiver keeps event ids in its database (a unique key)

/** True when `header` (`t=<unix>,v1=<hex>[,v1=<hex>]`) signs `body` with `secret`, within 5 minutes. */
function verify(body, header, now = Math.floor(Date.now() / 1000)) {
  const parts = String(header || '')
    .split(',')
    .map((part) => part.trim().split('='));
  const t = Number(parts.find(([key]) => key === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(now - t) > TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return parts
    .filter(([key, value]) => key === 'v1' && /^[0-9a-f]{64}$/.test(value || ''))
    .some(([, value]) => timingSafeEqual(Buffer.from(value, 'hex'), expected));
}

createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8'); // the raw body: verify before parsing
    if (!verify(body, req.headers['danbao-signature'])) {
      res.writeHead(400).end('bad signature');
      return;
    }
    const event = JSON.parse(body);
    if (!seen.has(event.id)) {
      seen.add(event.id);
      // Handle the event here (ship when order.paid, tell the seller about dispute.opened, …).
      process.stdout.write(`${JSON.stringify({ received: event.id, type: event.type })}\n`);
    }
    res.writeHead(200).end('ok'); // answer fast; do slow work after
  });
}).listen(Number(process.env.PORT || 4000), '127.0.0.1');
