/**
 * The only module that reads the environment. `NEXT_PUBLIC_*` values are inlined
 * by Next at build time, so they must be read with their full literal names.
 */

const DEFAULT_API_URL = 'http://localhost:4000/graphql';

/** GraphQL HTTP endpoint: absolute (`https://api.example/graphql`) or relative (`/graphql` behind a proxy). */
export const apiUrl: string = process.env.NEXT_PUBLIC_API_URL || DEFAULT_API_URL;

/** True in `next build` output; the service worker is only registered there (dev would cache stale chunks). */
export const isProduction: boolean = process.env.NODE_ENV === 'production';

/**
 * Resolves the HTTP endpoint against the page's location. A relative URL only
 * makes sense in the browser; on the server (prerender) it is kept as is.
 */
export function httpUrl(base: string = apiUrl, location?: Pick<Location, 'href'>): string {
  const here = location ?? (typeof window === 'undefined' ? undefined : window.location);
  if (!here) return base;
  return new URL(base, here.href).toString();
}

/** The graphql-ws endpoint derived from the HTTP one: http→ws, https→wss, same host, port and path. */
export function wsUrl(base: string = apiUrl, location?: Pick<Location, 'href'>): string {
  const url = new URL(httpUrl(base, location));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}
