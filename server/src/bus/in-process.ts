import type { Bus } from './index.js';

/** Bounded so a stalled subscriber cannot grow memory without end; it is cut off instead. */
const MAX_QUEUED_PER_SUBSCRIBER = 10_000;

interface Subscriber {
  push(payload: unknown): void;
}

/**
 * Told when a topic gains its first listener on this instance and loses its
 * last one (returned, aborted, or cut off for falling behind). The Redis bus
 * SUBSCRIBEs and UNSUBSCRIBEs its one connection from these.
 */
export interface LocalFanoutHooks {
  onFirstListener?(topic: string): void;
  onLastListener?(topic: string): void;
}

/** In-process bus: one Map of topic → subscribers. Payloads are shared, never copied. */
export function createInProcessBus(): Bus {
  return createLocalFanout();
}

/**
 * The local half of every bus: topic → this instance's subscribers, each with
 * its own bounded queue. `publish` delivers synchronously to the subscribers
 * registered at the time.
 */
export function createLocalFanout(hooks: LocalFanoutHooks = {}): Bus & { topics(): string[] } {
  const topics = new Map<string, Set<Subscriber>>();

  return {
    publish(topic, payload) {
      const subs = topics.get(topic);
      if (!subs) return;
      for (const sub of subs) sub.push(payload);
    },

    listenerCount(topic) {
      return topics.get(topic)?.size ?? 0;
    },

    topics: () => [...topics.keys()],

    subscribe<T>(topic: string, signal?: AbortSignal): AsyncIterableIterator<T> {
      const queue: T[] = [];
      let waiting: ((r: IteratorResult<T>) => void) | null = null;
      let done = false;

      const stop = () => {
        if (done) return;
        done = true;
        const subs = topics.get(topic);
        subs?.delete(sub);
        if (subs?.size === 0) {
          topics.delete(topic);
          hooks.onLastListener?.(topic);
        }
        signal?.removeEventListener('abort', stop);
        queue.length = 0;
        if (waiting) {
          waiting({ value: undefined, done: true });
          waiting = null;
        }
      };

      const sub: Subscriber = {
        push(payload) {
          if (done) return;
          if (waiting) {
            const w = waiting;
            waiting = null;
            w({ value: payload as T, done: false });
            return;
          }
          if (queue.length >= MAX_QUEUED_PER_SUBSCRIBER) {
            stop();
            return;
          }
          queue.push(payload as T);
        },
      };

      let subs = topics.get(topic);
      if (!subs) {
        topics.set(topic, (subs = new Set()));
        hooks.onFirstListener?.(topic);
      }
      subs.add(sub);
      if (signal) {
        if (signal.aborted) stop();
        else signal.addEventListener('abort', stop, { once: true });
      }

      const iterator: AsyncIterableIterator<T> = {
        next() {
          if (queue.length > 0) return Promise.resolve({ value: queue.shift() as T, done: false });
          if (done) return Promise.resolve({ value: undefined, done: true });
          return new Promise((resolve) => (waiting = resolve));
        },
        return() {
          stop();
          return Promise.resolve({ value: undefined, done: true });
        },
        throw(err?: unknown) {
          stop();
          return Promise.reject(err instanceof Error ? err : new Error(String(err)));
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },
  };
}
