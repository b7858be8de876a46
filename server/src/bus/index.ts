/**
 * The `Bus` port: publish/subscribe of domain events between the code that
 * changes state and the subscribers that show it. The embedded default is
 * in-process (in-process.ts); with REDIS_URL set, every instance runs the
 * Redis bus (redis.ts) and an event published on any instance reaches
 * subscribers on every instance.
 *
 * Delivery is at most once to whoever listens at the time. Clients that were
 * away resync by re-querying (every payload carries full state and a version),
 * never by replay.
 *
 * Resync: a bus that may have lost events it should have delivered (the Redis
 * bus after its connection dropped and came back, or after a peer instance
 * could not publish for a while) says so by publishing a `BusResync` on the
 * local topic `BUS_RESYNC_TOPIC` on each instance concerned. A subscription
 * layer learns it the same way it learns anything else:
 *
 *     for await (const r of bus.subscribe<BusResync>(BUS_RESYNC_TOPIC, signal)) …
 *
 * and then tells its clients to re-read the state they show (or sends each
 * a fresh snapshot); payloads carry versions, so re-reading is always safe and
 * a signal that comes twice costs a second read, nothing more. The in-process
 * bus never loses an event and never emits it.
 */
export interface Bus {
  publish<T>(topic: string, payload: T): void;
  /**
   * Subscribes and returns an async iterator of payloads. Subscription is
   * active as soon as this returns (before the first `next()`), so a caller
   * can subscribe, then load a snapshot, without a gap between the two.
   * (Redis bus: for events published on this instance; see redis.ts for
   * events from other instances.)
   */
  subscribe<T>(topic: string, signal?: AbortSignal): AsyncIterableIterator<T>;
  /**
   * How many subscribers listen on `topic` on this instance. Local only, on
   * every implementation: never use it to decide whether anyone in the
   * cluster listens (a bank's presence is its lease, cluster/leases.ts).
   */
  listenerCount(topic: string): number;
  /**
   * Readiness probe (GET /readyz): resolves when the Bus can carry messages
   * between instances right now (e.g. Redis answers PING), rejects with the
   * reason otherwise. The in-process Bus has none: it is always ready.
   */
  ready?(): Promise<void>;
}

/** Topics starting with this stay on the instance that publishes them, on every bus. */
export const LOCAL_TOPIC_PREFIX = 'local:';

/** Published (locally, on each instance concerned) when subscribers should re-read state by version. */
export const BUS_RESYNC_TOPIC = `${LOCAL_TOPIC_PREFIX}bus:resync`;

export interface BusResync {
  /**
   * `reconnected`: this instance's subscription to Redis dropped and was
   * restored; `peer-reconnected`: another instance's publishing connection
   * dropped and came back, so what it published meanwhile may be lost.
   */
  reason: 'reconnected' | 'peer-reconnected';
  /** The instance whose connection dropped. */
  instanceId: string;
  at: Date;
}

export { createInProcessBus } from './in-process.js';
