/**
 * The web app's security headers, as pure functions so one test checks them
 * (security-headers.test.ts). Two places send them:
 *
 * - next.config.ts `headers()`: what never changes (nosniff, referrer,
 *   framing, opener, permissions); fixed at build time.
 * - proxy.ts, per request: the Content-Security-Policy, whose connect-src
 *   names the API (BAYLIGHT_API_URL is read when `next start` runs, not at
 *   build), and Strict-Transport-Security when the request came over TLS.
 *
 * Why 'unsafe-inline' stays in script-src: Next's App Router puts the page's
 * React Server Components payload in inline `<script>self.__next_f.push(…)`
 * tags. A nonce would need every page rendered per request (Next applies
 * nonces only while rendering), but Baylight's pages are prerendered at build
 * and precached by the service worker so the app starts offline; the inline
 * payload differs per page and build, so hashes would have to be computed from
 * the build output. What the policy still enforces: scripts only from this
 * origin (no third-party or injected `src`), no plugins, no `<base>`
 * hijacking, no framing, and connections only to this origin and the API.
 * style-src keeps 'unsafe-inline' for React's `style` attributes.
 */

/** Pages that scan barcodes and QR codes with the camera. */
export const CAMERA_PATH_PREFIXES = ['/desk', '/dropoff', '/kiosk', '/assets'] as const;

export function usesCamera(pathname: string): boolean {
  return CAMERA_PATH_PREFIXES.some((p) => pathname === p || pathname.startsWith(`${p}/`));
}

/**
 * Powerful features the app never uses are off for every page; the camera is
 * on (for this origin only) where scanning needs it. The policy holds per
 * document, so the app reaches camera pages with a full page load
 * (lib/roles.ts `needsOwnDocument`), never a client-side navigation from a page
 * without the camera.
 */
export function permissionsPolicy(pathname: string): string {
  return [
    `camera=${usesCamera(pathname) ? '(self)' : '()'}`,
    'microphone=()',
    'geolocation=()',
    'payment=()',
    'usb=()',
    'serial=()',
    'hid=()',
    'midi=()',
    'display-capture=()',
    'accelerometer=()',
    'gyroscope=()',
    'magnetometer=()',
    'xr-spatial-tracking=()',
    'idle-detection=()',
    'publickey-credentials-get=()',
  ].join(', ');
}

/** Headers that do not depend on the request: every response. */
export const STATIC_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** The HTTP and WebSocket origins of the API URL (absolute, or a path on the page's own host). */
export function apiOrigins(apiUrl: string, host: string | null, tls: boolean): string[] {
  let url: URL;
  try {
    url = new URL(apiUrl, host ? `${tls ? 'https' : 'http'}://${host}` : undefined);
  } catch {
    return [];
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return [];
  const ws = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return [url.origin, `${ws}//${url.host}`];
}

export interface CspInput {
  /** The API URL the browser is given (`/config.js`). */
  apiUrl: string;
  /** The request's Host, for a relative API URL (and dev's own WebSocket). */
  host: string | null;
  /** The page was requested over TLS (directly, or per X-Forwarded-Proto). */
  tls: boolean;
  /** `next dev`: React's dev tools need eval, and Next's dev server its WebSocket. */
  dev: boolean;
}

export function contentSecurityPolicy({ apiUrl, host, tls, dev }: CspInput): string {
  const connect = new Set(["'self'", ...apiOrigins(apiUrl, host, tls)]);
  // 'self' covers ws: of this origin in current browsers; named too for the ones that read it strictly.
  if (host) connect.add(`${tls ? 'wss' : 'ws'}://${host}`);
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "font-src 'self'",
    `connect-src ${[...connect].join(' ')}`,
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(tls ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

/** Headers proxy.ts adds to each response it sees. */
export function requestSecurityHeaders(input: CspInput): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(input),
    // Only over TLS: a browser that saw it over plain HTTP would ignore it anyway, and a demo on
    // http://localhost must not pin itself. No includeSubDomains: other campus hosts are not ours.
    ...(input.tls ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}),
  };
}

/** Whether a request reached us over TLS: its own scheme, or a reverse proxy's X-Forwarded-Proto. */
export function requestIsTls(protocol: string, forwardedProto: string | null): boolean {
  const first = forwardedProto?.split(',')[0]?.trim().toLowerCase();
  return first ? first === 'https' : protocol === 'https:';
}
