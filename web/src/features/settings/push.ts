/**
 * Web push on this device: turning the VAPID key into what PushManager wants,
 * a subscription into the API's input, and a readable label for the device.
 */

/** Base64url (no padding) → bytes, for `applicationServerKey`. */
export function base64UrlToBytes(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export interface SubscriptionJson {
  endpoint?: string;
  keys?: Record<string, string | undefined>;
}

export interface PushInput {
  endpoint: string;
  p256dh: string;
  auth: string;
  label: string;
}

/** `PushSubscription.toJSON()` → `PushSubscriptionInput`; null if a key is missing. */
export function subscriptionInput(json: SubscriptionJson, label: string): PushInput | null {
  const p256dh = json.keys?.p256dh;
  const auth = json.keys?.auth;
  if (!json.endpoint || !p256dh || !auth) return null;
  return { endpoint: json.endpoint, p256dh, auth, label };
}

/** "Chrome on Android", "Safari on iPhone", "Firefox on Windows" … from the user agent. */
export function deviceLabel(userAgent: string): string {
  const ua = userAgent;
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /OPR\//.test(ua)
      ? 'Opera'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /SamsungBrowser\//.test(ua)
          ? 'Samsung Internet'
          : /Chrome\/|Chromium\/|CriOS\//.test(ua)
            ? 'Chrome'
            : /Safari\//.test(ua)
              ? 'Safari'
              : 'Browser';
  const os = /iPhone/.test(ua)
    ? 'iPhone'
    : /iPad/.test(ua)
      ? 'iPad'
      : /Android/.test(ua)
        ? 'Android'
        : /Windows/.test(ua)
          ? 'Windows'
          : /Mac OS X|Macintosh/.test(ua)
            ? 'Mac'
            : /CrOS/.test(ua)
              ? 'ChromeOS'
              : /Linux/.test(ua)
                ? 'Linux'
                : 'this device';
  return `${browser} on ${os}`;
}

/** HH:MM (24 h) or empty. */
export function isTimeOfDay(value: string): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(value);
}

export type QuietHoursProblem = 'both-or-neither' | 'format' | 'same' | null;

/** Quiet hours need both ends or neither, and a start different from the end (they may cross midnight). */
export function quietHoursProblem(start: string, end: string): QuietHoursProblem {
  if (!start && !end) return null;
  if (!start || !end) return 'both-or-neither';
  if (!isTimeOfDay(start) || !isTimeOfDay(end)) return 'format';
  if (start === end) return 'same';
  return null;
}

/** Where this browser remembers which registered device it is (per person). */
export function thisDeviceKey(personId: string): string {
  return `baylight.pushDevice.${personId}`;
}
