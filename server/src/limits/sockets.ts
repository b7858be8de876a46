/**
 * WebSocket limits below graphql-ws: sockets per client address, and output
 * a socket may leave unsent. Call `guardSockets` before `useServer`, so its
 * `connection` listener runs first (it wraps `socket.send` before graphql-ws
 * uses it).
 *
 * Close codes (documented in devices/PROTOCOL.md and docs/security.md):
 *   1013 "Too many sockets from this address": the client already has
 *        WS_MAX_SOCKETS_PER_CLIENT open sockets (sockets not yet
 *        authenticated and people's; controllers are released once known).
 *   1013 "Slow consumer": the socket's unsent output would pass
 *        WS_MAX_BUFFERED_BYTES; the socket is terminated a second later if the
 *        close cannot get through (a client that stopped reading never reads it).
 * 1013 (Try Again Later) is one graphql-ws clients retry with back-off, and
 * the web app re-queries after a reconnect, so a dropped client heals itself.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../shared/logger.js';

export const TRY_AGAIN_LATER = 1013;
const TERMINATE_AFTER_MS = 1_000;

export interface SocketGuardOptions {
  maxSocketsPerClient: number;
  maxBufferedBytes: number;
  clientOf: (req: IncomingMessage) => string | null;
  logger: Logger;
}

export interface SocketGuard {
  /** Whether this socket was refused on connect (graphql-ws must then not accept its connection_init). */
  refused(socket: WebSocket): boolean;
  /** The client address the socket was counted under. */
  clientOf(socket: WebSocket): string | null;
  /**
   * Stops counting an authenticated controller's socket against its address:
   * a campus's controllers often share one, and each device token holds at
   * most one socket anyway (a newer connection replaces the older, 4000).
   */
  release(socket: WebSocket): void;
  /** Open sockets per client address (for tests and health). */
  openSockets(client: string): number;
  /** Sockets closed as slow consumers since start. */
  slowConsumersDropped(): number;
}

export function guardSockets(wss: WebSocketServer, opts: SocketGuardOptions): SocketGuard {
  const perClient = new Map<string, number>();
  const refusedSockets = new WeakSet<WebSocket>();
  const clients = new WeakMap<WebSocket, string | null>();
  const counted = new WeakSet<WebSocket>();
  let dropped = 0;
  const uncount = (socket: WebSocket) => {
    if (!counted.delete(socket)) return;
    const key = clients.get(socket) ?? 'unknown';
    const left = (perClient.get(key) ?? 1) - 1;
    if (left <= 0) perClient.delete(key);
    else perClient.set(key, left);
  };

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const client = opts.clientOf(request);
    clients.set(socket, client);
    const key = client ?? 'unknown';
    const open = perClient.get(key) ?? 0;
    if (open >= opts.maxSocketsPerClient) {
      refusedSockets.add(socket);
      opts.logger.warn({ client, open }, 'socket refused: too many sockets from this address');
      socket.close(TRY_AGAIN_LATER, 'Too many sockets from this address');
      return;
    }
    perClient.set(key, open + 1);
    counted.add(socket);
    socket.once('close', () => uncount(socket));

    // Output that cannot leave piles up in the socket's buffer: refuse to add to it past the cap.
    // graphql-ws waits for each send's callback per subscription, so the buffer holds about one
    // message per active operation; big results on many operations are what fill it.
    const send = socket.send.bind(socket) as (data: unknown, ...rest: unknown[]) => void;
    let dropping = false;
    socket.send = ((data: unknown, ...rest: unknown[]) => {
      const at = rest.findIndex((r) => typeof r === 'function');
      const callback = at >= 0 ? (rest[at] as (err?: Error) => void) : undefined;
      const size =
        typeof data === 'string' ? Buffer.byteLength(data) : ((data as { byteLength?: number }).byteLength ?? 0);
      if (dropping || socket.bufferedAmount + size > opts.maxBufferedBytes) {
        if (!dropping) {
          dropping = true;
          dropped++;
          opts.logger.warn(
            { client, bufferedBytes: socket.bufferedAmount },
            'slow consumer: socket closed before its output buffer passed the limit',
          );
          socket.close(TRY_AGAIN_LATER, 'Slow consumer');
          setTimeout(() => socket.terminate(), TERMINATE_AFTER_MS).unref();
        }
        // Discarded, and reported as done: the operation sending it moves on (and ends when the
        // socket closes) instead of waiting forever for a callback.
        if (callback) process.nextTick(callback);
        return;
      }
      // A write cut short because the socket is closing is expected here, not an error of the operation
      // (graphql-ws would log each one as an internal error).
      if (callback) rest[at] = (err?: Error) => callback(socket.readyState === socket.OPEN ? err : undefined);
      send(data, ...rest);
    }) as WebSocket['send'];
  });

  return {
    refused: (socket) => refusedSockets.has(socket),
    clientOf: (socket) => clients.get(socket) ?? null,
    release: uncount,
    openSockets: (client) => perClient.get(client) ?? 0,
    slowConsumersDropped: () => dropped,
  };
}
