/**
 * The open WebSockets of this instance and who each one authenticated as, so
 * a revocation reaches the sockets it concerns. Authorisation decided when a
 * socket connected goes stale: a revoked kiosk, a signed-out session, a
 * disabled person or a changed role must not keep working on a socket opened
 * before. Services publish a Revocation on the Bus after their change commits
 * (bus/revocations.ts); every instance's registry closes its matching sockets.
 * ws.ts also re-authenticates every operation, so nothing slips through
 * between the change and the close.
 */
import type { GraphQLError } from 'graphql';
import type { Bus } from '../bus/index.js';
import {
  deviceCredentialId,
  REVOCATIONS_TOPIC,
  RevocationCloseCode,
  type Revocation,
  type RevocationMatch,
} from '../bus/revocations.js';
import type { DeviceIdentity } from '../devices/types.js';
import type { Viewer } from '../people/types.js';
import type { Services } from '../services.js';
import type { Logger } from '../shared/logger.js';
import { wsUnauthenticated } from './errors.js';

/** Who a socket is, in the terms a revocation names. */
export interface SocketPrincipal {
  kind: 'person' | 'kiosk' | 'device';
  /** person_tokens.id, the kiosk credential's id, or `device:<bankId>:<generation>`. */
  tokenId: string;
  personId?: string;
  kioskId?: string;
  bankId?: string;
}

export interface ClosableSocket {
  close(code: number, reason: string): void;
}

export function principalOfViewer(viewer: Viewer): SocketPrincipal {
  if (viewer.role === 'KIOSK')
    return {
      kind: 'kiosk',
      tokenId: viewer.tokenId,
      kioskId: viewer.tokenId,
      ...(viewer.bankId ? { bankId: viewer.bankId } : {}),
    };
  return { kind: 'person', tokenId: viewer.tokenId, personId: viewer.personId };
}

export function principalOfDevice(device: DeviceIdentity): SocketPrincipal {
  return { kind: 'device', tokenId: deviceCredentialId(device.bankId, device.generation), bankId: device.bankId };
}

const FIELDS = ['kind', 'tokenId', 'personId', 'kioskId', 'bankId'] as const;

/** Every field the match gives must be the principal's; a match that gives none matches nothing. */
export function matches(principal: SocketPrincipal, match: RevocationMatch): boolean {
  const given = FIELDS.filter((f) => match[f] !== undefined);
  return given.length > 0 && given.every((f) => principal[f] === match[f]);
}

/**
 * Authenticates a socket's operation again (graphql-ws onSubscribe). Undefined
 * when the credential still holds, the identity refreshed (a role may have
 * changed); otherwise the errors to answer with, and the socket is closed with
 * 4403 right after the answer has gone out.
 */
export async function reauthenticate(
  services: Pick<Services, 'authenticate' | 'devices'>,
  extra: {
    identity?: { kind: 'person'; viewer: Viewer } | { kind: 'device'; device: DeviceIdentity };
    socket: ClosableSocket;
  },
  bearerToken: string | null,
  params: Record<string, unknown>,
): Promise<GraphQLError[] | undefined> {
  const identity = extra.identity;
  if (identity?.kind === 'device') {
    const found = await services.devices.authenticate(params.deviceToken);
    if (found?.identity.generation === identity.device.generation) return undefined;
  } else if (identity?.kind === 'person') {
    const viewer = await services.authenticate(bearerToken);
    if (viewer?.tokenId === identity.viewer.tokenId) {
      identity.viewer = viewer;
      return undefined;
    }
  }
  setImmediate(() => extra.socket.close(RevocationCloseCode.Revoked, 'Credential revoked'));
  return [wsUnauthenticated('This credential is no longer valid: sign in (or pair the kiosk) again.')];
}

export function createSocketRegistry({ bus, logger }: { bus: Bus; logger: Logger }) {
  const sockets = new Map<ClosableSocket, SocketPrincipal>();
  let following: AbortController | null = null;

  /** Closes this instance's sockets that match; returns how many. */
  function closeMatching(match: RevocationMatch, code: number, reason: string): number {
    let closed = 0;
    for (const [socket, principal] of sockets) {
      if (!matches(principal, match)) continue;
      sockets.delete(socket);
      socket.close(code, reason);
      closed++;
    }
    if (closed) logger.info({ match, code, closed }, `closed ${closed} socket(s): ${reason}`);
    return closed;
  }

  return {
    register(socket: ClosableSocket, principal: SocketPrincipal) {
      sockets.set(socket, principal);
    },
    unregister(socket: ClosableSocket) {
      sockets.delete(socket);
    },
    closeMatching,
    /** Sockets by who they are, for /metrics (read on scrape). */
    countByKind() {
      const counts = { controller: 0, kiosk: 0, person: 0 };
      for (const { kind } of sockets.values()) counts[kind === 'device' ? 'controller' : kind]++;
      return counts;
    },
    get size() {
      return sockets.size;
    },

    /** Follows revocations published on the Bus by any instance. */
    start() {
      if (following) return;
      const ctrl = new AbortController();
      following = ctrl;
      // Subscribed before this returns: a revocation published right after is not missed.
      const revocations = bus.subscribe<Revocation>(REVOCATIONS_TOPIC, ctrl.signal);
      void (async () => {
        for await (const r of revocations) {
          try {
            closeMatching(r.match, r.code, r.reason);
          } catch (err) {
            logger.error({ err }, 'closing revoked sockets failed');
          }
        }
      })();
    },

    stop() {
      following?.abort();
      following = null;
    },
  };
}
export type SocketRegistry = ReturnType<typeof createSocketRegistry>;
