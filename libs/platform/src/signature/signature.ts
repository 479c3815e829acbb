import { createHmac, timingSafeEqual } from 'node:crypto';

/** Notifications older or further ahead than this are refused (replay window). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** `t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`, as channel notifications and outbound webhooks are signed. */
export function signPayload(
  secret: string,
  body: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
): string {
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${digest}`;
}

/**
 * One `v1` per secret, in the order given: while a rolled secret's old value still signs (24 h),
 * a receiver holding either the old or the new secret verifies the same header.
 */
export function signWithSecrets(
  secrets: string[],
  body: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
): string {
  if (secrets.length === 0) throw new Error('signWithSecrets needs at least one secret');
  const digests = secrets.map(
    (secret) => `v1=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`,
  );
  return `t=${timestampSeconds},${digests.join(',')}`;
}

export type SignatureCheck = { valid: true } | { valid: false; reason: string };

/** Verifies a signature header over the raw body; several v1 values are accepted (secret rotation). */
export function verifySignature(
  secret: string,
  body: string,
  header: string | undefined,
  nowSeconds = Math.floor(Date.now() / 1000),
): SignatureCheck {
  if (!header) return { valid: false, reason: 'missing signature header' };
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && /^\d{1,12}$/.test(value ?? '')) timestamp = Number(value);
    if (key === 'v1' && /^[0-9a-f]{64}$/.test(value ?? '')) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0)
    return { valid: false, reason: 'malformed signature header' };
  if (Math.abs(nowSeconds - timestamp) > SIGNATURE_TOLERANCE_SECONDS)
    return { valid: false, reason: 'timestamp outside the 5-minute window' };
  const expected = Buffer.from(
    createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex'),
    'hex',
  );
  const matches = signatures.some((signature) => timingSafeEqual(Buffer.from(signature, 'hex'), expected));
  return matches ? { valid: true } : { valid: false, reason: 'signature does not match' };
}
