/**
 * Cache Storage names shared by the service worker and the page. The page
 * deletes the runtime caches on sign-out: they hold per-user HTML and RSC.
 */

/** Prefix of every runtime cache the service worker fills (pages and RSC payloads). */
export const RUNTIME_CACHE_PREFIX = 'baylight-rt-';

export function pagesCacheName(buildId: string): string {
  return `${RUNTIME_CACHE_PREFIX}pages-${buildId}`;
}

export function rscCacheName(buildId: string): string {
  return `${RUNTIME_CACHE_PREFIX}rsc-${buildId}`;
}

/** Prefix Workbox uses for its precache (`setCacheNameDetails`). */
export const CACHE_PREFIX = 'baylight';

/**
 * Shell pages precached per build: they render no user data (that comes from
 * the API on the client, or Graphcache offline). scripts/build-sw.mjs reads
 * this list for the precache manifest. `/kiosk/[bankId]` is dynamic: each
 * visited kiosk URL is kept by the NetworkFirst page cache instead.
 */
export const SHELL_PAGES = [
  '/',
  '/lockers',
  '/sign-in',
  '/offline',
  '/parcels',
  '/parcels/all',
  '/settings',
  '/desk',
  '/desk/recall',
  '/alerts',
  '/people',
  '/assets',
  '/loan-rules',
  '/admin/kiosks',
  '/admin/people',
  '/dropoff',
  '/kiosk',
] as const;

export const OFFLINE_PAGE = '/offline';

/**
 * The runtime configuration script (app/config.js/route.ts). Precached at
 * install (from the running server, so with its current values) and kept
 * NetworkFirst in a cache of its own: not per build and not per person, so
 * neither a new build nor a sign-out leaves an offline start without it.
 * scripts/build-sw.mjs reads it from here.
 */
export const CONFIG_SCRIPT = '/config.js';
export const CONFIG_CACHE = `${CACHE_PREFIX}-config`;
