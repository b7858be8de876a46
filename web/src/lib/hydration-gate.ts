/**
 * Holds operations back until Graphcache has restored its IndexedDB copy.
 *
 * Graphcache's offlineExchange persists only writes made after its storage
 * finished loading (`data.storage` is null until `readData` resolves). If the
 * board's first answer arrives before that, nothing of it is ever saved, and a
 * later identical answer is not saved either (unchanged fields are not
 * written): offline, the page would have nothing to show. So every query,
 * mutation and subscription waits here until `onCacheHydrated` has fired
 * (makeDefaultStorage's option), and then goes on in its original order.
 *
 * The gate opens anyway after `timeoutMs`, so a storage that never answers
 * (a broken IndexedDB) costs offline data, not the app.
 */
import type { Exchange, Operation } from '@urql/core';
import { filter, makeSubject, merge, pipe } from 'wonka';

export interface HydrationGate {
  /** True once the cache was restored (or the gate gave up waiting). */
  readonly open: boolean;
  /** Called by the storage when the cache is restored (makeDefaultStorage `onCacheHydrated`). */
  markHydrated: () => void;
  /** Calls `listener` once the gate opens (at once if it is open). Returns an unsubscribe. */
  onOpen: (listener: () => void) => () => void;
  /** Stops the timeout (client disposed). */
  dispose: () => void;
}

/** How long to wait for the cache before letting operations through regardless. */
export const HYDRATION_TIMEOUT_MS = 10_000;

export function createHydrationGate({
  timeoutMs = HYDRATION_TIMEOUT_MS,
  onTimeout,
}: { timeoutMs?: number; onTimeout?: () => void } = {}): HydrationGate {
  let open = false;
  const listeners = new Set<() => void>();
  const release = () => {
    if (open) return;
    open = true;
    clearTimeout(timer);
    const waiting = [...listeners];
    listeners.clear();
    for (const listener of waiting) listener();
  };
  const timer = setTimeout(() => {
    if (open) return;
    onTimeout?.();
    release();
  }, timeoutMs);
  return {
    get open() {
      return open;
    },
    markHydrated: release,
    onOpen(listener) {
      if (open) {
        listener();
        return () => undefined;
      }
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      clearTimeout(timer);
      listeners.clear();
    },
  };
}

/**
 * The exchange, placed directly above `offlineExchange`. Operations that are
 * torn down while held are dropped with their teardown (never sent, so there
 * is nothing to cancel further down).
 */
export function holdUntilHydratedExchange(gate: HydrationGate): Exchange {
  return ({ forward }) =>
    (operations$) => {
      const held: Operation[] = [];
      const released = makeSubject<Operation>();
      gate.onOpen(() => {
        for (const operation of held.splice(0)) released.next(operation);
      });
      const passing$ = pipe(
        operations$,
        filter((operation) => {
          if (gate.open && held.length === 0) return true;
          if (operation.kind === 'teardown') {
            const before = held.length;
            for (let i = held.length - 1; i >= 0; i--) {
              if (held[i]!.key === operation.key) held.splice(i, 1);
            }
            // Held and dropped: the operation never went down, so neither does its teardown.
            if (held.length !== before) return false;
            return true;
          }
          held.push(operation);
          return false;
        }),
      );
      return forward(merge([passing$, released.source]));
    };
}
