/**
 * Bank leases: which instance holds a bank's controller socket, known
 * cluster-wide. In-process (the embedded default, one instance) or in Redis
 * (REDIS_URL set); same contract, tested on both (leases.test.ts).
 *
 * How the devices code is meant to use it (the wiring into
 * devices/connections.ts and service.ts is a follow-up):
 *
 * - At ws's 'connection' event, take `acceptedAt = acceptanceClock()` (beside
 *   today's acceptedOrder) and a `connectionId` unique in the cluster
 *   (`${instanceId}:${acceptedOrder}`).
 * - On the controller's `connection_ack`: `acquire(bankId, holder)`.
 *   `{ ok: false }` means a connection accepted later holds the bank
 *   somewhere: refuse this one with 4002 (superseded). `{ ok: true, replaced }`
 *   with a replaced holder on another instance: tell it (bank-channel.ts does,
 *   via `claim`), and it closes its socket with 4000 (replaced). These are
 *   PROTOCOL.md 2's "who wins" rules, across instances: ordered by when a
 *   server accepted the WebSocket, never by when the init arrived. Between
 *   instances `acceptedAt` is wall-clock time (ms, fractional, strictly
 *   increasing per instance), so it holds as far as the instances' clocks
 *   agree (NTP: milliseconds; the races the rule settles span seconds). Ties
 *   go to the greater connectionId.
 * - While the socket lives: `refresh` at least every `ttlMs / 3` (each
 *   keep-alive pong is a good moment; `keepLease` does it on a timer). A
 *   `false` answer means the lease is no longer this connection's (replaced,
 *   or it expired and another took it): close the socket with 4000.
 * - On close: `release` (it removes only this connection's lease). If the
 *   instance dies, nothing releases it and it expires `ttlMs` after the last
 *   refresh; the controller reconnects to another instance meanwhile, whose
 *   newer acceptance wins at once anyway.
 * - Anywhere: `holder(bankId)` says whether any instance holds the bank's
 *   controller (never a local listener count), and which.
 */
import type { Redis } from 'ioredis';
import { redisScript } from './redis-script.js';

export interface LeaseHolder {
  instanceId: string;
  /** Unique in the cluster: `${instanceId}:${local accepted order}`. */
  connectionId: string;
  /** When the server accepted the WebSocket (acceptanceClock()): the later one wins. */
  acceptedAt: number;
}

export type AcquireResult =
  | { ok: true; replaced: LeaseHolder | null }
  /** A connection accepted later holds the bank: refuse this one (4002). */
  | { ok: false; holder: LeaseHolder };

export interface BankLeases {
  /** How long a lease lives after its last acquire or refresh. */
  readonly ttlMs: number;
  acquire(bankId: string, holder: LeaseHolder): Promise<AcquireResult>;
  /** Extends the lease; false when it is not this connection's any more. */
  refresh(bankId: string, connectionId: string): Promise<boolean>;
  /** Removes the lease if it is this connection's; false otherwise (nothing changes). */
  release(bankId: string, connectionId: string): Promise<boolean>;
  /** Who holds the bank's controller now, on any instance; null: nobody (the bank is offline to commands). */
  holder(bankId: string): Promise<LeaseHolder | null>;
}

/** Default lease time: a few keep-alives (WS_KEEPALIVE_MS, 12 s) so one late pong does not lose it. */
export const DEFAULT_LEASE_TTL_MS = 30_000;

/** Wall-clock milliseconds, fractional and strictly increasing within this process. */
export function createAcceptanceClock(now: () => number = () => performance.timeOrigin + performance.now()) {
  let last = 0;
  return () => (last = Math.max(now(), last + 0.001));
}

/** Does `candidate` (accepted later, or tied and greater) win against `current`? */
export function newerThan(candidate: LeaseHolder, current: LeaseHolder): boolean {
  if (candidate.acceptedAt !== current.acceptedAt) return candidate.acceptedAt > current.acceptedAt;
  return candidate.connectionId > current.connectionId;
}

export function createInProcessBankLeases(opts: { ttlMs?: number; now?: () => number } = {}): BankLeases {
  const ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const now = opts.now ?? (() => Date.now());
  const leases = new Map<string, { holder: LeaseHolder; expiresAt: number }>();
  const live = (bankId: string) => {
    const lease = leases.get(bankId);
    if (lease && lease.expiresAt <= now()) leases.delete(bankId);
    return leases.get(bankId) ?? null;
  };
  return {
    ttlMs,
    acquire(bankId, holder) {
      const current = live(bankId)?.holder ?? null;
      const same = current?.connectionId === holder.connectionId;
      if (current && !same && !newerThan(holder, current)) return Promise.resolve({ ok: false, holder: current });
      leases.set(bankId, { holder: { ...holder }, expiresAt: now() + ttlMs });
      return Promise.resolve({ ok: true, replaced: current && !same ? current : null });
    },
    refresh(bankId, connectionId) {
      const lease = live(bankId);
      if (lease?.holder.connectionId !== connectionId) return Promise.resolve(false);
      lease.expiresAt = now() + ttlMs;
      return Promise.resolve(true);
    },
    release(bankId, connectionId) {
      if (live(bankId)?.holder.connectionId !== connectionId) return Promise.resolve(false);
      leases.delete(bankId);
      return Promise.resolve(true);
    },
    holder: (bankId) => Promise.resolve(live(bankId)?.holder ?? null),
  };
}

// A lease is a hash {instance, conn, at} with a TTL. `at` is kept as the string JS wrote (full precision).
const acquireScript = redisScript(`
local cur = redis.call('HMGET', KEYS[1], 'instance', 'conn', 'at')
local other = cur[2] and cur[2] ~= ARGV[2]
if other then
  local curAt = tonumber(cur[3])
  local newAt = tonumber(ARGV[3])
  if curAt > newAt or (curAt == newAt and cur[2] > ARGV[2]) then
    return {0, cur[1], cur[2], cur[3]}
  end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'instance', ARGV[1], 'conn', ARGV[2], 'at', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if other then return {1, cur[1], cur[2], cur[3]} end
return {1}
`);
const refreshScript = redisScript(`
if redis.call('HGET', KEYS[1], 'conn') == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`);
const releaseScript = redisScript(`
if redis.call('HGET', KEYS[1], 'conn') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`);

export function createRedisBankLeases(opts: { redis: Redis; ttlMs?: number; prefix?: string }): BankLeases {
  const { redis } = opts;
  const ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const key = (bankId: string) => `${opts.prefix ?? 'baylight:'}lease:bank:${bankId}`;
  const holderOf = (instanceId: string, connectionId: string, at: string): LeaseHolder => ({
    instanceId,
    connectionId,
    acceptedAt: Number(at),
  });
  return {
    ttlMs,
    async acquire(bankId, holder) {
      const [ok, instance, conn, at] = (await acquireScript(
        redis,
        [key(bankId)],
        [holder.instanceId, holder.connectionId, String(holder.acceptedAt), ttlMs],
      )) as [number, string?, string?, string?];
      const other = instance !== undefined ? holderOf(instance, conn!, at!) : null;
      return ok === 1 ? { ok: true, replaced: other } : { ok: false, holder: other! };
    },
    async refresh(bankId, connectionId) {
      return (await refreshScript(redis, [key(bankId)], [connectionId, ttlMs])) === 1;
    },
    async release(bankId, connectionId) {
      return (await releaseScript(redis, [key(bankId)], [connectionId])) === 1;
    },
    async holder(bankId) {
      const [instance, conn, at] = await redis.hmget(key(bankId), 'instance', 'conn', 'at');
      return instance && conn && at ? holderOf(instance, conn, at) : null;
    },
  };
}

/**
 * Refreshes a held lease every `everyMs` (default ttl / 3) until stopped;
 * `onLost` once when a refresh finds it is not ours any more. A refresh that
 * fails (Redis away) is retried at the next tick: the lease lives `ttlMs`.
 * `stop()` also releases it; `abandon()` only stops refreshing (what a dead
 * instance does; tests use it).
 */
export function keepLease(
  leases: BankLeases,
  bankId: string,
  connectionId: string,
  opts: { everyMs?: number; onLost?: () => void; onError?: (err: unknown) => void } = {},
): { stop(): Promise<void>; abandon(): void } {
  let stopped = false;
  const timer = setInterval(
    () => {
      leases.refresh(bankId, connectionId).then(
        (held) => {
          if (held || stopped) return;
          stopped = true;
          clearInterval(timer);
          opts.onLost?.();
        },
        (err: unknown) => opts.onError?.(err),
      );
    },
    opts.everyMs ?? Math.max(10, Math.floor(leases.ttlMs / 3)),
  );
  timer.unref();
  return {
    abandon() {
      stopped = true;
      clearInterval(timer);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await leases.release(bankId, connectionId).catch((err: unknown) => opts.onError?.(err));
    },
  };
}
