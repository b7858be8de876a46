/**
 * urql clients. Anonymous visitors (sign-in page) get a plain fetch client
 * with no cache, so nothing is stored before anyone signs in. A signed-in
 * person gets the full client: Graphcache persisted to IndexedDB (the last
 * known state shows offline), live updates over graphql-ws, and a resync of
 * the board after every reconnect because missed events are not replayed.
 * Its operations wait until the persisted cache is restored (hydration-gate.ts):
 * Graphcache saves nothing written before that.
 */
import {
  Client,
  fetchExchange,
  mapExchange,
  subscriptionExchange,
  type CombinedError,
  type Exchange,
} from '@urql/core';
import { cacheExchange, offlineExchange } from '@urql/exchange-graphcache';
import { makeDefaultStorage, type DefaultStorage } from '@urql/exchange-graphcache/default-storage';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { httpUrl, wsUrl } from '@/config';
import { LockerBoardQuery } from '@/features/board/documents';
import { cacheKeys, cacheResolvers, cacheUpdates } from './cache-config';
import { createHydrationGate, holdUntilHydratedExchange } from './hydration-gate';
import { createLiveStatus, type LiveStatus } from './live-status';
import type { Session } from './session';
import { VersionBook } from './version-book';

/** IndexedDB name per person: one person's cached lockers are never read while another is signed in. */
export const GRAPHCACHE_DB_PREFIX = 'baylight-graphcache-';

export function graphcacheDbName(personId: string): string {
  return GRAPHCACHE_DB_PREFIX + personId;
}

/** Cached data older than this is dropped when the cache is restored. */
const CACHE_MAX_AGE_DAYS = 7;

/** Backoff between WebSocket reconnects: 1 s, 2 s, 4 s … capped, with jitter so a fleet does not stampede. */
const MAX_RETRY_WAIT_MS = 15_000;

export function retryDelayMs(retries: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_RETRY_WAIT_MS, 1_000 * 2 ** Math.min(retries, 10));
  return Math.round(base * (0.75 + random() * 0.5));
}

export function isUnauthenticated(error: CombinedError): boolean {
  if (error.response instanceof Response && error.response.status === 401) return true;
  return error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
}

/** The graphql-ws close code the server uses for a missing or invalid token. */
const WS_FORBIDDEN = 4403;
/** server/src/bus/revocations.ts: "reconnect and re-authorise" (a role change). */
const WS_REAUTHORISE = 4001;

export interface AuthedClient {
  client: Client;
  live: LiveStatus;
  /** Empties this person's persisted cache (sign-out). */
  clearCache: () => Promise<void>;
  /** Closes the live connection and stops persisting. */
  dispose: () => void;
}

export interface AuthedClientHooks {
  /** The server no longer accepts the token: end the session. */
  onUnauthenticated: () => void;
  /** The person's role changed (the server closed the socket with 4001): read who they are now. */
  onReauthorise: () => void;
}

/**
 * The pair of exchanges around Graphcache that keep the newest version of each
 * entity (see VersionBook for why this cannot be a Graphcache updater).
 */
export function versionGuardExchanges(
  book: VersionBook,
  hooks: { onNetworkData?: () => void; onNetworkError?: () => void } = {},
): { aboveCache: Exchange; belowCache: Exchange } {
  return {
    // Learns every version the cache hands out, including what it restored from IndexedDB.
    aboveCache: mapExchange({
      onResult(result) {
        if (result.data) book.reconcile(result.data, 'observe');
      },
    }),
    // Every result from the network passes here before the cache writes it.
    belowCache: mapExchange({
      onResult(result) {
        if (result.error?.networkError) hooks.onNetworkError?.();
        if (result.data) {
          book.reconcile(result.data, 'patch');
          hooks.onNetworkData?.();
        }
      },
    }),
  };
}

export function createAnonymousClient(): Client {
  return new Client({
    url: httpUrl(),
    preferGetMethod: false, // Apollo's CSRF prevention refuses simple GET requests
    requestPolicy: 'network-only',
    exchanges: [fetchExchange],
  });
}

/** A one-off client carrying a token but no cache: for signOut, which must never be queued offline. */
export function createOneShotClient(token: string): Client {
  return new Client({
    url: httpUrl(),
    preferGetMethod: false,
    requestPolicy: 'network-only',
    fetchOptions: { headers: { authorization: `Bearer ${token}` } },
    exchanges: [fetchExchange],
  });
}

export function createAuthedClient(session: Session, hooks: AuthedClientHooks): AuthedClient {
  const authorization = `Bearer ${session.token}`;
  const live = createLiveStatus(session.person.id);
  const book = new VersionBook();
  const guard = versionGuardExchanges(book, {
    onNetworkData: () => live.markDataReceived(),
    onNetworkError: () => live.markNetworkError(),
  });
  let disposed = false;
  let connectedBefore = false;

  const gate = createHydrationGate({
    onTimeout: () => console.warn('Baylight: the offline copy did not load in time; continuing without it.'),
  });
  const storage: DefaultStorage = makeDefaultStorage({
    idbName: graphcacheDbName(session.person.id),
    maxAge: CACHE_MAX_AGE_DAYS,
    onCacheHydrated: gate.markHydrated,
  });

  // Filled in below; the socket's `connected` handler needs the client to resync.
  const holder: { client?: Client } = {};

  const ws: WsClient = createWsClient({
    url: wsUrl(),
    lazy: false, // connect now: the board wants live state as soon as it opens
    // Connection problems show in the banner (live status); no console noise for each retry.
    onNonLazyError: () => {},
    retryAttempts: Infinity,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, retryDelayMs(retries))),
    // Read per attempt so a reconnect always carries the current token.
    connectionParams: () => ({ authorization }),
    on: {
      connecting: () => live.setSocket(connectedBefore ? 'reconnecting' : 'connecting'),
      connected: () => {
        live.setSocket('connected');
        if (connectedBefore && holder.client && !disposed) {
          // Events sent while we were away are not replayed: re-read the board.
          void holder.client.query(LockerBoardQuery, {}, { requestPolicy: 'network-only' }).toPromise();
        }
        connectedBefore = true;
      },
      closed: (event) => {
        if (disposed) return;
        live.setSocket(connectedBefore ? 'reconnecting' : 'connecting');
        const code = typeof event === 'object' && event !== null ? (event as CloseEvent).code : null;
        if (code === WS_FORBIDDEN) hooks.onUnauthenticated();
        else if (code === WS_REAUTHORISE) hooks.onReauthorise();
      },
    },
  });

  const client = new Client({
    url: httpUrl(),
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { authorization } }),
    exchanges: [
      mapExchange({
        onError(error) {
          if (!disposed && isUnauthenticated(error)) hooks.onUnauthenticated();
        },
      }),
      guard.aboveCache,
      // Nothing reaches the cache before it has restored (and can therefore persist) its data.
      holdUntilHydratedExchange(gate),
      offlineExchange({
        storage,
        keys: cacheKeys,
        updates: cacheUpdates,
        resolvers: cacheResolvers,
      }),
      guard.belowCache,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });

  holder.client = client;

  return {
    client,
    live,
    clearCache: async () => {
      book.clear();
      await storage.clear();
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      gate.dispose();
      live.dispose();
      // dispose() rejects with the CloseEvent when the socket is mid-connect or retrying: nothing to do then.
      Promise.resolve(ws.dispose()).catch(() => undefined);
    },
  };
}

export interface MemoryClient {
  client: Client;
  /** Null when made without a socket. */
  live: LiveStatus | null;
  dispose: () => void;
}

/**
 * A client for a credential that must leave nothing behind on the device: the
 * kiosk (its own token, live grid over graphql-ws) and a courier signed in on
 * the kiosk for one drop-off (no socket). Graphcache lives in memory only.
 */
export function createMemoryClient(
  token: string,
  { socket, onUnauthenticated }: { socket: boolean; onUnauthenticated?: () => void },
): MemoryClient {
  const authorization = `Bearer ${token}`;
  const live = socket ? createLiveStatus('kiosk') : null;
  const book = new VersionBook();
  const guard = versionGuardExchanges(book, {
    onNetworkData: () => live?.markDataReceived(),
    onNetworkError: () => live?.markNetworkError(),
  });
  let disposed = false;
  let connectedBefore = false;

  const ws: WsClient | null = socket
    ? createWsClient({
        url: wsUrl(),
        lazy: true,
        onNonLazyError: () => {},
        retryAttempts: Infinity,
        retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, retryDelayMs(retries))),
        connectionParams: () => ({ authorization }),
        on: {
          connecting: () => live?.setSocket(connectedBefore ? 'reconnecting' : 'connecting'),
          connected: () => {
            live?.setSocket('connected');
            connectedBefore = true;
          },
          closed: (event) => {
            if (disposed) return;
            live?.setSocket(connectedBefore ? 'reconnecting' : 'connecting');
            if (typeof event === 'object' && event !== null && (event as CloseEvent).code === WS_FORBIDDEN) {
              onUnauthenticated?.();
            }
          },
        },
      })
    : null;

  const exchanges: Exchange[] = [
    mapExchange({
      onError(error) {
        if (!disposed && isUnauthenticated(error)) onUnauthenticated?.();
      },
    }),
    guard.aboveCache,
    cacheExchange({ keys: cacheKeys, updates: cacheUpdates, resolvers: cacheResolvers }),
    guard.belowCache,
    fetchExchange,
  ];
  if (ws) {
    exchanges.push(
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    );
  }

  const client = new Client({
    url: httpUrl(),
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { authorization } }),
    exchanges,
  });

  return {
    client,
    live,
    dispose() {
      if (disposed) return;
      disposed = true;
      live?.dispose();
      if (ws) Promise.resolve(ws.dispose()).catch(() => undefined);
    },
  };
}
