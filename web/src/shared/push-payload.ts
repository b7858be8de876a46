/**
 * The JSON a push message carries: `{ title, body, url, tag }`. Shared by the
 * service worker (which shows it) and the tests.
 */

export interface PushPayload {
  title: string;
  body: string;
  /** Path on this site to open on click. */
  url: string;
  tag?: string;
}

export const DEFAULT_PUSH_URL = '/parcels';

/**
 * Reads a payload defensively: missing fields get defaults, and the URL must be
 * on this site (a relative path, or an absolute URL with this origin), so a
 * notification can never send anyone elsewhere.
 */
export function parsePushPayload(data: unknown, origin: string): PushPayload {
  const d = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  return {
    title: text(d.title) ?? 'Baylight',
    body: text(d.body) ?? '',
    url: sameSitePath(text(d.url), origin),
    tag: text(d.tag),
  };
}

function sameSitePath(url: string | undefined, origin: string): string {
  if (!url) return DEFAULT_PUSH_URL;
  try {
    const parsed = new URL(url, origin);
    if (parsed.origin !== origin) return DEFAULT_PUSH_URL;
    return parsed.pathname + parsed.search + parsed.hash;
  } catch {
    return DEFAULT_PUSH_URL;
  }
}

/** A push body that is not JSON is shown as the text of a generic notification. */
export function payloadFromText(text: string, origin: string): PushPayload {
  try {
    return parsePushPayload(JSON.parse(text), origin);
  } catch {
    return parsePushPayload({ body: text }, origin);
  }
}
