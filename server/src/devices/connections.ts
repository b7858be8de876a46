/**
 * The controllers' connections on this instance, one live per bank, and the
 * banks' presence (PROTOCOL.md 2).
 *
 * Who wins: a controller whose link died without a close frame reconnects
 * before the server notices the old socket is dead, and a timed-out earlier
 * attempt's connection_init may still arrive after the newer one's. So
 * connections are ordered by when the server accepted the WebSocket (a
 * counter taken at ws's 'connection' event, before any message), never by
 * when their init arrived: a later-accepted socket replaces the live one
 * (4000), an earlier-accepted one is refused (4002) and unseats nothing.
 *
 * Presence: ONLINE from the ack until the socket has been closed for longer
 * than the grace period. That is exactly when commands are kept for the bank
 * (service.ts), so the stored status is what decides whether a command is
 * taken; it is also what other instances read.
 *
 * Which connection is live is decided in memory, at once (claim, release,
 * drop are synchronous there); the database writes that follow (status,
 * last_seen_at, the commands expired when the bank goes OFFLINE) are
 * asynchronous and run one after another per bank, in the order they were
 * asked for (serial.ts), so a quick reconnect's ONLINE never lands before the
 * OFFLINE it follows.
 */
import type { LockerService } from '../lockers/service.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { DeviceCloseCode } from './protocol.js';
import { createSerialQueues } from './serial.js';

export interface DeviceConnection {
  /** When the server accepted the socket, as a number that only grows: the later one wins. */
  readonly acceptedOrder: number;
  close(code: number, reason: string): void;
}

export type ClaimResult = { ok: true; replaced: DeviceConnection | null } | { ok: false; live: DeviceConnection };

export interface ConnectionRegistryDeps {
  lockers: LockerService;
  clock: Clock;
  logger: Logger;
  offlineGraceMs: number;
  /** Signs of life (pongs, messages) update `last_seen_at` at most this often per bank. */
  lastSeenIntervalMs: number;
  /** The bank has just become OFFLINE: nothing may stay queued for it (awaited, in the bank's queue). */
  onOffline(bankId: string): Promise<void>;
}

export function createConnectionRegistry(deps: ConnectionRegistryDeps) {
  const { lockers, clock, logger } = deps;
  const live = new Map<string, DeviceConnection>();
  const offlineTimers = new Map<string, NodeJS.Timeout>();
  /** When `last_seen_at` was last written, per bank. */
  const lastSeenWritten = new Map<string, number>();
  let disposed = false;
  /** Each bank's database writes, one after another in the order asked for. */
  const queues = createSerialQueues();
  /** Writes started from timers and sockets, which nobody awaits: failures are logged, never unhandled. */
  const inBackground = (bankId: string, what: string, fn: () => Promise<void>) => {
    void queues.run(bankId, fn).catch((err: unknown) => logger.error({ err, bankId }, `bank ${what} failed`));
  };

  /** In the bank's queue. */
  async function setStatus(bankId: string, status: 'ONLINE' | 'OFFLINE') {
    const now = clock.now();
    const bank = await lockers.store.setBankStatus(bankId, status, now);
    if (status === 'ONLINE') lastSeenWritten.set(bankId, now.getTime());
    if (bank) {
      logger.info({ bankId, status }, `bank ${bank.name} is ${status.toLowerCase()}`);
      lockers.publishBank(bank);
    }
    if (status === 'OFFLINE') {
      lastSeenWritten.delete(bankId);
      await deps.onOffline(bankId);
    }
  }

  function scheduleOffline(bankId: string) {
    // Sockets closed by a shutdown are not controllers going away.
    if (disposed) return;
    clearTimeout(offlineTimers.get(bankId));
    const timer = setTimeout(() => {
      offlineTimers.delete(bankId);
      // Whether a connection came back is asked when the write's turn comes, not before.
      inBackground(bankId, 'status OFFLINE', async () => {
        if (!live.has(bankId)) await setStatus(bankId, 'OFFLINE');
      });
    }, deps.offlineGraceMs);
    timer.unref();
    offlineTimers.set(bankId, timer);
  }

  return {
    /**
     * Makes `connection` the bank's live one, unless the live one was accepted
     * after it (then the caller refuses it with 4002). A live one accepted
     * before it is closed with 4000. The bank is ONLINE from here on: which
     * connection is live is decided before the first await, and the promise
     * resolves once ONLINE is stored (it rejects if that write fails; the
     * connection is then still the live one, and the caller closes it).
     */
    async claim(bankId: string, connection: DeviceConnection): Promise<ClaimResult> {
      const current = live.get(bankId);
      if (current && current !== connection && current.acceptedOrder > connection.acceptedOrder) {
        return { ok: false, live: current };
      }
      live.set(bankId, connection);
      clearTimeout(offlineTimers.get(bankId));
      offlineTimers.delete(bankId);
      const replaced = current && current !== connection ? current : null;
      replaced?.close(DeviceCloseCode.Replaced, 'Replaced by a newer connection');
      await queues.run(bankId, () => setStatus(bankId, 'ONLINE'));
      return { ok: true, replaced };
    },

    /**
     * A controller's socket closed. True when it was the live one: the bank
     * then stays ONLINE for the grace period and shows OFFLINE only if no
     * connection comes back in time.
     */
    release(bankId: string, connection: DeviceConnection): boolean {
      if (live.get(bankId) !== connection) return false;
      live.delete(bankId);
      scheduleOffline(bankId);
      return true;
    },

    /** Closes the bank's live connection (e.g. its token was rotated); the grace period starts. */
    drop(bankId: string, code: number, reason: string): boolean {
      const current = live.get(bankId);
      if (!current) return false;
      live.delete(bankId);
      current.close(code, reason);
      scheduleOffline(bankId);
      return true;
    },

    isLive: (bankId: string, connection: DeviceConnection) => live.get(bankId) === connection,
    hasLive: (bankId: string) => live.has(bankId),
    liveCount: () => live.size,

    /** After a restart, banks recorded ONLINE get the grace period to reconnect to this instance. */
    async resumePresence(): Promise<void> {
      for (const bank of await lockers.store.listBanks()) {
        if (bank.status === 'ONLINE' && !live.has(bank.id)) scheduleOffline(bank.id);
      }
    },

    /**
     * A pong or a message from the bank's controller: `last_seen_at` moves,
     * at most once per interval, so keep-alives cost one write per bank per
     * interval however chatty the controller is. The throttle is decided at
     * once; the write is queued behind the bank's other writes. The promise
     * never rejects (a failed write is logged), so socket listeners may
     * leave it unawaited.
     */
    noteSignOfLife(bankId: string): Promise<void> {
      const now = clock.now();
      const last = lastSeenWritten.get(bankId);
      if (last !== undefined && now.getTime() - last < deps.lastSeenIntervalMs) return Promise.resolve();
      lastSeenWritten.set(bankId, now.getTime());
      return queues
        .run(bankId, () => lockers.store.touchBank(bankId, now))
        .catch((err: unknown) => logger.error({ err, bankId }, 'bank last_seen_at failed'));
    },

    /** Resolves when the bank's queued writes have run (tests, shutdown). */
    settled: (bankId: string): Promise<void> => queues.run(bankId, () => Promise.resolve()),

    dispose() {
      disposed = true;
      for (const t of offlineTimers.values()) clearTimeout(t);
      offlineTimers.clear();
    },
  };
}
export type ConnectionRegistry = ReturnType<typeof createConnectionRegistry>;

/**
 * Per connection: its one `lockerCommands` stream (PROTOCOL.md 5) and the
 * commands it was sent, so no command goes out twice on one connection, not
 * even to a stream opened after an earlier one completed.
 */
export function createCommandStreams() {
  const streaming = new Set<unknown>();
  /** Per connection: command id → its expiry (ms); ids of expired commands are forgotten. */
  const sent = new Map<unknown, Map<string, number>>();

  return {
    /** False when the connection already runs a stream. */
    claim(connection: unknown): boolean {
      if (streaming.has(connection)) return false;
      streaming.add(connection);
      return true;
    },
    release(connection: unknown) {
      streaming.delete(connection);
    },
    /** Records a command as sent on the connection; false when it was sent on it before. */
    markSent(connection: unknown, id: string, expiresAt: Date, now: Date): boolean {
      let ids = sent.get(connection);
      if (!ids) {
        ids = new Map();
        sent.set(connection, ids);
      }
      if (ids.has(id)) return false;
      for (const [other, expiry] of ids) if (expiry < now.getTime()) ids.delete(other);
      ids.set(id, expiresAt.getTime());
      return true;
    },
    /** The connection closed: forget it. */
    forget(connection: unknown) {
      streaming.delete(connection);
      sent.delete(connection);
    },
  };
}
export type CommandStreams = ReturnType<typeof createCommandStreams>;

/** A stream that fails its first `next()`: graphql-ws answers the operation with an `error` message. */
export function refusedStream<T>(error: Error): AsyncIterableIterator<T> {
  const iterator: AsyncIterableIterator<T> = {
    next: () => Promise.reject(error),
    return: () => Promise.resolve({ value: undefined, done: true }),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** Calls `release` once when the stream ends, however it ends (completed, returned, failed). */
export function releasedWhenDone<T>(source: AsyncIterableIterator<T>, release: () => void): AsyncIterableIterator<T> {
  let released = false;
  const once = () => {
    if (released) return;
    released = true;
    release();
  };
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      try {
        const r = await source.next();
        if (r.done) once();
        return r;
      } catch (err) {
        once();
        throw err;
      }
    },
    async return(value?: unknown) {
      once();
      return (await source.return?.(value)) ?? { value: undefined, done: true };
    },
    async throw(err?: unknown) {
      once();
      if (source.throw) return source.throw(err);
      throw err;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
