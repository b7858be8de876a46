/**
 * What the board knows about its connection to the server: the live socket's
 * state, whether the last request reached the server, and when server data
 * last arrived. The time is persisted per person so an offline start can say
 * "showing the last known state as of …".
 */
import { useMemo, useSyncExternalStore } from 'react';

export type SocketState = 'connecting' | 'connected' | 'reconnecting';

export interface LiveSnapshot {
  socket: SocketState;
  /** False after a request failed with a network error, until the next success. */
  serverReachable: boolean;
  /** ISO time of the last data received from the server, or null if never. */
  lastDataAt: string | null;
}

export const LAST_DATA_KEY_PREFIX = 'baylight.lastDataAt.';

/** Persisting on every event would hammer localStorage on a busy board. */
const PERSIST_EVERY_MS = 2_000;

export interface LiveStatus {
  getSnapshot: () => LiveSnapshot;
  subscribe(listener: () => void): () => void;
  setSocket: (state: SocketState) => void;
  markDataReceived: (at?: Date) => void;
  markNetworkError: () => void;
  /** Writes the pending time now (also on `pagehide`, so a reload starts from the latest time). */
  flush: () => void;
  /** Flushes and stops listening for `pagehide`. */
  dispose: () => void;
}

export function lastDataKey(personId: string): string {
  return LAST_DATA_KEY_PREFIX + personId;
}

function readPersisted(key: string): string | null {
  try {
    const raw = window.localStorage.getItem(key);
    return raw && Number.isFinite(Date.parse(raw)) ? raw : null;
  } catch {
    return null;
  }
}

export function createLiveStatus(personId: string): LiveStatus {
  const key = lastDataKey(personId);
  const listeners = new Set<() => void>();
  let snapshot: LiveSnapshot = { socket: 'connecting', serverReachable: true, lastDataAt: readPersisted(key) };
  let lastPersisted = 0;
  let persistTimer: ReturnType<typeof setTimeout> | undefined;

  const update = (patch: Partial<LiveSnapshot>) => {
    const next = { ...snapshot, ...patch };
    if (
      next.socket === snapshot.socket &&
      next.serverReachable === snapshot.serverReachable &&
      next.lastDataAt === snapshot.lastDataAt
    ) {
      return;
    }
    snapshot = next;
    for (const listener of listeners) listener();
  };

  const persist = () => {
    persistTimer = undefined;
    lastPersisted = Date.now();
    try {
      if (snapshot.lastDataAt) window.localStorage.setItem(key, snapshot.lastDataAt);
    } catch {
      // Storage full or disabled: the banner then only knows this page's time.
    }
  };

  const flush = () => {
    if (persistTimer) {
      clearTimeout(persistTimer);
      persist();
    }
  };
  // A reload or tab close inside the throttle window would otherwise lose the
  // newest time, and the next offline start would show an older "as of".
  const onPageHide = () => flush();
  if (typeof window !== 'undefined') window.addEventListener('pagehide', onPageHide);

  return {
    getSnapshot: () => snapshot,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setSocket(state) {
      update(state === 'connected' ? { socket: state, serverReachable: true } : { socket: state });
    },
    markDataReceived(at = new Date()) {
      update({ lastDataAt: at.toISOString(), serverReachable: true });
      if (persistTimer) return;
      const wait = Math.max(0, PERSIST_EVERY_MS - (Date.now() - lastPersisted));
      persistTimer = setTimeout(persist, wait);
    },
    markNetworkError() {
      update({ serverReachable: false });
    },
    flush,
    dispose() {
      flush();
      if (typeof window !== 'undefined') window.removeEventListener('pagehide', onPageHide);
    },
  };
}

const idleSnapshot: LiveSnapshot = { socket: 'connecting', serverReachable: true, lastDataAt: null };
const noop = () => () => {};

export function useLiveSnapshot(live: LiveStatus | null): LiveSnapshot {
  // Stable per store, so React does not resubscribe on every render.
  const [subscribe, getSnapshot] = useMemo(
    () =>
      live
        ? [(listener: () => void) => live.subscribe(listener), () => live.getSnapshot()]
        : [noop, () => idleSnapshot],
    [live],
  );
  return useSyncExternalStore(subscribe, getSnapshot, () => idleSnapshot);
}

/** Whether what a page shows is live, and if not, as of when (`asOf`: the last data from the server). */
export interface Liveness {
  live: boolean;
  asOf: string | null;
}

/**
 * Not live: the browser is offline, the last request did not reach the
 * server, or the socket is reconnecting. Live values such as a bank's
 * ONLINE status are then only what was last known.
 */
export function livenessOf(snapshot: LiveSnapshot, online: boolean): Liveness {
  const live = online && snapshot.serverReachable && snapshot.socket !== 'reconnecting';
  return { live, asOf: snapshot.lastDataAt };
}
