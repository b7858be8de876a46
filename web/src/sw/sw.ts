/**
 * Baylight's service worker, bundled by scripts/build-sw.mjs after `next build`
 * (Turbopack builds cannot use webpack PWA plugins). It follows the recipe in
 * STACK.md that was tested with Next 16 and Chromium:
 *
 * - precache the static chunks and the shell pages, revisioned per build;
 * - navigations: NetworkFirst, one cached HTML copy per URL;
 * - RSC requests (header `RSC: 1`): NetworkFirst keyed by the FULL URL, `_rsc`
 *   included (it hashes the router state the response varies on);
 * - a page reached by a client-side navigation also gets its HTML cached, so a
 *   reload offline works;
 * - documents that cannot be served fall back to the precached /offline page;
 * - runtime caches are named per build and older ones deleted on activate;
 * - `/config.js` (the API URL from the web server's environment) is
 *   NetworkFirst in a cache of its own, falling back to the copy precached at
 *   install, so an offline start talks to the same server as the last online one.
 *
 * The GraphQL API is never cached here: Graphcache keeps data for offline use.
 *
 * Web push: a `push` shows the notification described by the JSON payload
 * `{ title, body, url, tag }`; a click focuses a window already on that URL,
 * else navigates an open window of the app there, else opens a new one.
 */
import { cacheNames, clientsClaim, setCacheNameDetails } from 'workbox-core';
import { ExpirationPlugin } from 'workbox-expiration';
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import type { RouteMatchCallbackOptions } from 'workbox-core/types';
import { registerRoute, setCatchHandler } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';
import {
  CACHE_PREFIX,
  CONFIG_CACHE,
  CONFIG_SCRIPT,
  OFFLINE_PAGE,
  RUNTIME_CACHE_PREFIX,
  SHELL_PAGES,
  pagesCacheName,
  rscCacheName,
} from '../shared/cache-names';
import { payloadFromText, type PushPayload } from '../shared/push-payload';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (PrecacheEntry | string)[] };
/** Replaced by esbuild with the Next build id. */
declare const __BUILD_ID__: string;

const BUILD_ID = __BUILD_ID__;
const PAGES_CACHE = pagesCacheName(BUILD_ID);
const RSC_CACHE = rscCacheName(BUILD_ID);
const NETWORK_TIMEOUT_SECONDS = 3;

setCacheNameDetails({ prefix: CACHE_PREFIX });

// A new worker waits until the page says "reload" (workbox-window messageSkipWaiting).
self.addEventListener('message', (event: ExtendableMessageEvent) => {
  const data = event.data as { type?: string } | null;
  if (data?.type === 'SKIP_WAITING') void self.skipWaiting();
});

// The first install controls open pages at once, so they work offline without a reload.
clientsClaim();
cleanupOutdatedCaches();

function isApi(url: URL): boolean {
  return url.pathname.startsWith('/graphql') || url.pathname.startsWith('/api/');
}

function isRsc(request: Request): boolean {
  return request.headers.get('RSC') === '1';
}

function isPrefetch(request: Request): boolean {
  return request.headers.has('Next-Router-Prefetch');
}

// ---- Runtime configuration (/config.js) ----------------------------------
// Before the precache route, so a running server's current values win when it answers.
const config = new NetworkFirst({
  cacheName: CONFIG_CACHE,
  networkTimeoutSeconds: NETWORK_TIMEOUT_SECONDS,
  plugins: [
    {
      // No network and no runtime copy yet (the first visit loaded it before this worker took over).
      handlerDidError: async () => (await matchPrecache(CONFIG_SCRIPT)) ?? Response.error(),
    },
  ],
});

registerRoute(
  ({ url }: RouteMatchCallbackOptions) => url.origin === self.location.origin && url.pathname === CONFIG_SCRIPT,
  config,
);

// ---- Navigations (HTML documents) ----------------------------------------
// Registered before the precache route, so shell pages are fresh from the
// network when it is there; the precache only serves as their fallback.
const pages = new NetworkFirst({
  cacheName: PAGES_CACHE,
  networkTimeoutSeconds: NETWORK_TIMEOUT_SECONDS,
  plugins: [new ExpirationPlugin({ maxEntries: 50, purgeOnQuotaError: true })],
});

registerRoute(
  ({ request, url }: RouteMatchCallbackOptions) =>
    request.mode === 'navigate' && url.origin === self.location.origin && !isApi(url),
  pages,
);

// ---- RSC payloads (client-side navigations and next/link prefetches) -----
const rsc = new NetworkFirst({
  cacheName: RSC_CACHE,
  networkTimeoutSeconds: NETWORK_TIMEOUT_SECONDS,
  plugins: [new ExpirationPlugin({ maxEntries: 200, purgeOnQuotaError: true })],
});

/** Caches a page's HTML once when it was reached by a click, so a reload offline finds it. */
async function cachePageHtml(pathAndQuery: string): Promise<void> {
  const cache = await caches.open(PAGES_CACHE);
  if (await cache.match(pathAndQuery)) return;
  const response = await fetch(pathAndQuery, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
  if (response.ok && (response.headers.get('Content-Type') ?? '').includes('text/html')) {
    await cache.put(pathAndQuery, response);
  }
}

registerRoute(
  ({ request, url }: RouteMatchCallbackOptions) => url.origin === self.location.origin && !isApi(url) && isRsc(request),
  async (options) => {
    const response = await rsc.handle(options);
    const request = options.request;
    if (response.ok && !isPrefetch(request)) {
      const page = new URL(request.url);
      page.searchParams.delete('_rsc');
      options.event.waitUntil(cachePageHtml(page.pathname + page.search).catch(() => undefined));
    }
    return response;
  },
);

// ---- Precache: static chunks, shell pages, icons -------------------------
precacheAndRoute(self.__WB_MANIFEST, {
  // Shell pages are precached by their own URLs ("/", "/sign-in"): no index.html or .html guessing.
  directoryIndex: '',
  cleanURLs: false,
  ignoreURLParametersMatching: [/^__WB_REVISION__$/],
});

// ---- When nothing could answer -------------------------------------------
setCatchHandler(async ({ request }) => {
  if (request.destination === 'document' || request.mode === 'navigate') {
    // A shell page (/, /sign-in) from this build, else the offline page. The URL stays as it was.
    const path = new URL(request.url).pathname;
    const shell = (SHELL_PAGES as readonly string[]).includes(path) ? await matchPrecache(path) : undefined;
    return shell ?? (await matchPrecache(OFFLINE_PAGE)) ?? Response.error();
  }
  // RSC and other requests: a network error makes Next fall back to a full page load.
  return Response.error();
});

// ---- Old builds' runtime caches go when this build takes over -------------
self.addEventListener('activate', (event: ExtendableEvent) => {
  event.waitUntil(
    (async () => {
      const keep = new Set([PAGES_CACHE, RSC_CACHE, cacheNames.precache]);
      const names = await caches.keys();
      await Promise.all(
        names.filter((n) => n.startsWith(RUNTIME_CACHE_PREFIX) && !keep.has(n)).map((n) => caches.delete(n)),
      );
    })(),
  );
});

// ---- Web push ------------------------------------------------------------
self.addEventListener('push', (event: PushEvent) => {
  const payload: PushPayload = payloadFromText(event.data?.text() ?? '', self.location.origin);
  event.waitUntil(
    self.registration.showNotification(payload.title, {
      body: payload.body,
      tag: payload.tag,
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      data: { url: payload.url },
    }),
  );
});

self.addEventListener('notificationclick', (event: NotificationEvent) => {
  event.notification.close();
  const data = event.notification.data as { url?: unknown } | null;
  const path = typeof data?.url === 'string' ? data.url : '/parcels';
  const target = new URL(path, self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const exact = windows.find((w) => w.url === target);
      if (exact) {
        await exact.focus();
        return;
      }
      const ours = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (ours) {
        const focused = await ours.focus();
        await focused.navigate(target).catch(() => self.clients.openWindow(target));
        return;
      }
      await self.clients.openWindow(target);
    })(),
  );
});
