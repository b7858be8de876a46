import { createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/** Tokens carry 256 bits of entropy, so a fast hash is enough to store them. */
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Short codes (sign-in, pickup) have little entropy: keyed with the server secret so a stolen database is not enough. */
export const hmac = (secret: string, value: string) => createHmac('sha256', secret).update(value).digest('hex');

export function safeEqualHex(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** A uniformly random numeric code of `digits` digits, leading zeros kept. */
export const numericCode = (digits: number) =>
  Array.from({ length: digits }, () => randomInt(0, 10).toString()).join('');
