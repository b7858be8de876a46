import { randomBytes, randomUUID } from 'node:crypto';

/** Row ids: a readable prefix and a UUID, e.g. `bank_3f2c…`. */
export const newId = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '')}`;

/** 256 bits of randomness, URL-safe: for bearer and device tokens. */
export const randomToken = (prefix: string) => `${prefix}_${randomBytes(32).toString('base64url')}`;
