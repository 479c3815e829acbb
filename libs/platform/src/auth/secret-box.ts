import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** The prefix of a sealed value; a clear-text value of an older release never has a '.'. */
const VERSION = 'v1';

/**
 * Seals a secret for storage with AES-256-GCM under DANBAO_SECRET_KEY: `v1.<iv>.<tag>.<ciphertext>`
 * (base64url). `label` (the row's name) is authenticated too, so a sealed value cannot be moved to
 * another row.
 */
export function sealSecret(key: Buffer, label: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(label, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** True for a value sealSecret wrote; false for a clear-text value stored by an older release. */
export function isSealed(stored: string): boolean {
  return stored.startsWith(`${VERSION}.`);
}

/** The secret of a sealed value, or undefined when `key` (or `label`) is not the one it was sealed with. */
export function openSecret(key: Buffer, label: string, stored: string): string | undefined {
  const [version, iv, tag, ciphertext] = stored.split('.');
  if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined)
    return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(label, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return undefined;
  }
}
