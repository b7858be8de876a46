/**
 * The only module that reads configuration.
 *
 * The API URL is a runtime setting of the web server, so one build serves any
 * server: `next start` reads `BAYLIGHT_API_URL` and serves it at `/config.js`
 * (app/config.js/route.ts), which the root layout loads before the app
 * starts; it sets `self.__BAYLIGHT_CONFIG__`. In the browser the URL is taken,
 * in this order, from that global, from `NEXT_PUBLIC_API_URL` (inlined at build
 * time, kept for older deployments), else the default. `NEXT_PUBLIC_*` values
 * must be read with their full literal names for Next to inline them.
 */

export const DEFAULT_API_URL = 'http://localhost:4000/graphql';

import { CONFIG_SCRIPT } from '@/shared/cache-names';

/** Where the browser loads the runtime configuration from (also precached by the service worker). */
export const CONFIG_SCRIPT_PATH = CONFIG_SCRIPT;

/** What `/config.js` assigns to `self.__BAYLIGHT_CONFIG__`. */
export interface RuntimeConfig {
  apiUrl?: string;
}

declare global {
  var __BAYLIGHT_CONFIG__: RuntimeConfig | undefined;
}

/** True in `next build` output; the service worker is only registered there (dev would cache stale chunks). */
export const isProduction: boolean = process.env.NODE_ENV === 'production';

/** An absolute http(s) URL, or a path on the web app's own origin (`/graphql`, not `//host`). */
export function isUsableApiUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.trim() !== value || value === '') return false;
  if (value.startsWith('/')) return !value.startsWith('//');
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The URL baked in at build time (older deployments), if any. */
function builtApiUrl(): string | undefined {
  const value = process.env.NEXT_PUBLIC_API_URL;
  return isUsableApiUrl(value) ? value : undefined;
}

/**
 * GraphQL HTTP endpoint: absolute (`https://api.example/graphql`) or relative
 * (`/graphql` behind a proxy). Read on each call, so it sees `/config.js`.
 */
export function apiUrl(): string {
  const runtime = pageConfig()?.apiUrl;
  if (isUsableApiUrl(runtime)) return runtime;
  return builtApiUrl() ?? DEFAULT_API_URL;
}

/** The page's runtime configuration (browser only). */
function pageConfig(): RuntimeConfig | undefined {
  if (typeof window === 'undefined') return undefined;
  globalThis.__BAYLIGHT_CONFIG__ ??= loadConfigNow();
  return globalThis.__BAYLIGHT_CONFIG__;
}

/**
 * Last resort: the app asked before `/config.js` ran. Next loads it before it
 * hydrates, so this should not happen; if it ever does, a synchronous request
 * (answered by the service worker when offline) beats talking to the wrong server.
 */
function loadConfigNow(): RuntimeConfig {
  try {
    const request = new XMLHttpRequest();
    request.open('GET', CONFIG_SCRIPT, false);
    request.send();
    if (request.status === 200) return parseConfigScript(request.responseText) ?? {};
  } catch {
    // No configuration then: the build's URL or the default.
  }
  return {};
}

/** Reads what `configScript` wrote, without running it. */
export function parseConfigScript(text: string): RuntimeConfig | null {
  const match = /^self\.__BAYLIGHT_CONFIG__ = (\{.*\});\s*$/s.exec(text);
  if (!match) return null;
  try {
    const value = JSON.parse(match[1]!) as unknown;
    if (typeof value !== 'object' || value === null) return null;
    const apiUrl = (value as RuntimeConfig).apiUrl;
    return isUsableApiUrl(apiUrl) ? { apiUrl } : {};
  } catch {
    return null;
  }
}

export type ServerConfigResult = { ok: true; config: Required<RuntimeConfig> } | { ok: false; problem: string };

/**
 * On the web server (the `/config.js` route): `BAYLIGHT_API_URL` as `next start`
 * sees it, else the build's `NEXT_PUBLIC_API_URL`, else the default.
 */
export function serverRuntimeConfig(env: Record<string, string | undefined> = process.env): ServerConfigResult {
  const raw = env.BAYLIGHT_API_URL;
  if (raw === undefined || raw.trim() === '') return { ok: true, config: { apiUrl: builtApiUrl() ?? DEFAULT_API_URL } };
  const value = raw.trim();
  if (!isUsableApiUrl(value)) {
    return {
      ok: false,
      problem: `BAYLIGHT_API_URL must be an http(s) URL or a path such as /graphql, got ${JSON.stringify(raw)}`,
    };
  }
  return { ok: true, config: { apiUrl: value } };
}

/** The body of `/config.js`. JSON is valid JavaScript; `<` is escaped so it is also safe inline in HTML. */
export function configScript(result: ServerConfigResult): string {
  if (!result.ok) {
    return `console.error(${JSON.stringify(`Baylight: ${result.problem}. Using the built-in API URL.`)});\n`;
  }
  const json = JSON.stringify(result.config).replace(/</g, '\\u003c');
  return `self.__BAYLIGHT_CONFIG__ = ${json};\n`;
}

/**
 * Resolves the HTTP endpoint against the page's location. A relative URL only
 * makes sense in the browser; on the server (prerender) it is kept as is.
 */
export function httpUrl(base: string = apiUrl(), location?: Pick<Location, 'href'>): string {
  const here = location ?? (typeof window === 'undefined' ? undefined : window.location);
  if (!here) return base;
  return new URL(base, here.href).toString();
}

/** The graphql-ws endpoint derived from the HTTP one: http→ws, https→wss, same host, port and path. */
export function wsUrl(base: string = apiUrl(), location?: Pick<Location, 'href'>): string {
  const url = new URL(httpUrl(base, location));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}
