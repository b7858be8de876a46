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
import { createBankChannel, keepLease, type BankLeases, type LeaseHolder } from '../cluster/index.js';
import type { Bus } from '../bus/index.js';
import type { LockerService } from '../lockers/service.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { DeviceCloseCode } from './protocol.js';
import { createSerialQueues } from '../shared/serial.js';

export interface DeviceConnection {
  /** When this instance accepted the socket, as a number that only grows: the later one wins. */
  readonly acceptedOrder: number;
  /** Unique in the cluster (`${instanceId}:${acceptedOrder}`): the bank lease's holder. */
  readonly connectionId: string;
  /** When the socket was accepted, wall-clock ms (cluster/leases.ts createAcceptanceClock): orders connections across instances. */
  readonly acceptedAt: number;
  close(code: number, reason: string): void;
}

export type ClaimResult =
  | { ok: true; replaced: DeviceConnection | null }
  /** `live`: the connection that holds the bank here; null when it is held on another instance. */
  | { ok: false; live: DeviceConnection | null };

export interface ConnectionRegistryDeps {
  lockers: LockerService;
  /**
   * Which connection holds each bank across instances (cluster mode: Redis).
   * Absent on one instance (the embedded default): the map below is then the
   * whole truth, and no lease, timer or subscription per bank is kept.
   */
  leases?: BankLeases;
  /** Carries "replaced" to the instance holding the socket a newer connection unseats (bank-channel.ts). */
  bus: Bus;
  instanceId: string;
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
  /** Per live connection: its lease claim and the timer keeping it. */
  const held = new Map<DeviceConnection, { release(): Promise<void>; keeper: { abandon(): void } }>();
  const leases = deps.leases;
  const channel = leases ? createBankChannel<never>({ bus: deps.bus, leases }) : null;
  /** Who holds the bank on another instance (never, on one instance). */
  const heldElsewhere = async (bankId: string) => (leases ? !!(await leases.holder(bankId)) : false);
  const holderOf = (connection: DeviceConnection): LeaseHolder => ({
    instanceId: deps.instanceId,
    connectionId: connection.connectionId,
    acceptedAt: connection.acceptedAt,
  });
  /** Lets go of the connection's lease (in the background: a socket's close does not wait on Redis). */
  function letGo(bankId: string, connection: DeviceConnection) {
    const claim = held.get(connection);
    if (!claim) return;
    held.delete(connection);
    claim.keeper.abandon();
    void claim.release().catch((err: unknown) => logger.warn({ err, bankId }, 'bank lease release failed'));
  }
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
        // Not if a connection came back here, nor if one holds the bank on another instance.
        if (live.has(bankId) || (await heldElsewhere(bankId))) return;
        await setStatus(bankId, 'OFFLINE');
        // A controller that connected elsewhere between that look and the write stored ONLINE
        // before this OFFLINE, or will store it after: asked again, the last write is right.
        if (!live.has(bankId) && (await heldElsewhere(bankId))) await setStatus(bankId, 'ONLINE');
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
      if (replaced) {
        letGo(bankId, replaced);
        replaced.close(DeviceCloseCode.Replaced, 'Replaced by a newer connection');
      }
      // The same rule across instances: the bank's lease. A holder on another instance that this
      // one replaces is told (it closes its socket with 4000); one accepted later refuses this.
      const lost = () => {
        if (live.get(bankId) !== connection) return;
        live.delete(bankId);
        letGo(bankId, connection);
        connection.close(DeviceCloseCode.Replaced, 'Replaced by a newer connection');
      };
      if (!channel || !leases) {
        await queues.run(bankId, () => setStatus(bankId, 'ONLINE'));
        return { ok: true, replaced };
      }
      const lease = await channel.claim(bankId, holderOf(connection), {
        // Commands travel on their own topic (service.ts); revocations through the socket registry.
        onMessage: () => {},
        onReplaced: lost,
      });
      if (!lease.ok) {
        if (live.get(bankId) === connection) live.delete(bankId);
        return { ok: false, live: null };
      }
      if (live.get(bankId) !== connection) {
        // Replaced or closed while the lease was asked for: let go of it at once.
        void lease.release().catch(() => {});
        return { ok: false, live: live.get(bankId) ?? null };
      }
      const keeper = keepLease(leases, bankId, connection.connectionId, {
        onLost: lost,
        onError: (err) => logger.warn({ err, bankId }, 'bank lease refresh failed (retried)'),
      });
      held.set(connection, { release: () => lease.release(), keeper });
      await queues.run(bankId, () => setStatus(bankId, 'ONLINE'));
      return { ok: true, replaced };
    },

    /**
     * A controller's socket closed. True when it was the live one: the bank
     * then stays ONLINE for the grace period and shows OFFLINE only if no
     * connection comes back in time.
     */
    release(bankId: string, connection: DeviceConnection): boolean {
      letGo(bankId, connection);
      if (live.get(bankId) !== connection) return false;
      live.delete(bankId);
      scheduleOffline(bankId);
      return true;
    },

    /**
     * Closes the bank's live connection on this instance (e.g. its token was
     * rotated; a socket on another instance is closed by the revocation the
     * caller publishes); the grace period starts.
     */
    drop(bankId: string, code: number, reason: string): boolean {
      const current = live.get(bankId);
      if (!current) return false;
      live.delete(bankId);
      letGo(bankId, current);
      current.close(code, reason);
      scheduleOffline(bankId);
      return true;
    },

    /**
     * Banks stored ONLINE that no connection holds on any instance (an instance
     * died without closing its sockets, so nobody started their grace period):
     * they get it now. Run periodically by every instance; harmless twice.
     */
    async sweepPresence(): Promise<void> {
      for (const bank of await lockers.store.listBanks()) {
        if (bank.status !== 'ONLINE' || live.has(bank.id) || offlineTimers.has(bank.id)) continue;
        if (!(await heldElsewhere(bank.id))) scheduleOffline(bank.id);
      }
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
      // The sockets close with the server; their leases go with them (or expire, if Redis is away).
      for (const [connection, claim] of held) {
        claim.keeper.abandon();
        void claim.release().catch(() => {});
        held.delete(connection);
      }
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
