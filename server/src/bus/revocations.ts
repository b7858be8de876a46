/**
 * Revocations travel on the Bus, not just inside one process: a kiosk
 * revoked, a session signed out, a person disabled or given another role on
 * one instance must close the sockets that credential holds on every
 * instance (graphql/sockets.ts does the closing). Authorisation decided when a
 * socket connected goes stale otherwise.
 */
import type { Bus } from './index.js';

export const REVOCATIONS_TOPIC = 'auth:revocations';

/** WebSocket close codes for people, kiosks and controllers whose authorisation changed (docs/api.md). */
export const RevocationCloseCode = {
  /** The credential is revoked, expired or its person disabled: do not reconnect with it (graphql-ws's Forbidden). */
  Revoked: 4403,
  /**
   * What was decided at connect changed (a role, the pickup keys of a
   * controller): reconnect now with the same credential. Not 4401, which
   * graphql-ws clients treat as fatal and never retry.
   */
  Reconnect: 4001,
} as const;
export type RevocationCloseCode = (typeof RevocationCloseCode)[keyof typeof RevocationCloseCode];

/** Which sockets: every field given must match the socket's principal. */
export interface RevocationMatch {
  kind?: 'person' | 'kiosk' | 'device';
  /** A person's token (person_tokens.id), a kiosk credential's id, or `device:<bankId>:<generation>`. */
  tokenId?: string;
  personId?: string;
  kioskId?: string;
  bankId?: string;
}

export interface Revocation {
  match: RevocationMatch;
  code: RevocationCloseCode;
  /** Close reason (at most 123 bytes on the wire). */
  reason: string;
}

/** A controller's credential is its bank's token generation: rotating the token makes a new one. */
export const deviceCredentialId = (bankId: string, generation: number) => `device:${bankId}:${generation}`;

/** Call after the change committed, so a reconnect cannot race it and still be let in. */
export function publishRevocation(bus: Bus, revocation: Revocation): void {
  bus.publish<Revocation>(REVOCATIONS_TOPIC, revocation);
}
