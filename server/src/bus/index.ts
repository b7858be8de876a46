/**
 * The `Bus` port: publish/subscribe of domain events between the code that
 * changes state and the subscribers that show it. The embedded default is
 * in-process; a Redis implementation can replace it when several server
 * instances share the work.
 *
 * Delivery is at most once to whoever listens at the time. Clients that were
 * away resync by re-querying (every payload carries full state and a version),
 * never by replay.
 */
export interface Bus {
  publish<T>(topic: string, payload: T): void;
  /**
   * Subscribes and returns an async iterator of payloads. Subscription is
   * active as soon as this returns (before the first `next()`), so a caller
   * can subscribe, then load a snapshot, without a gap between the two.
   */
  subscribe<T>(topic: string, signal?: AbortSignal): AsyncIterableIterator<T>;
  /** How many subscribers listen on `topic` on this instance. */
  listenerCount(topic: string): number;
  /**
   * Readiness probe (GET /readyz): resolves when the Bus can carry messages
   * between instances right now (e.g. Redis answers PING), rejects with the
   * reason otherwise. The in-process Bus has none: it is always ready.
   */
  ready?(): Promise<void>;
}

export { createInProcessBus } from './in-process.js';
