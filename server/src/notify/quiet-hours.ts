/**
 * Quiet hours: a notice due inside the recipient's quiet hours waits until
 * they end. Times are HH:MM in the site's time zone; a window may span
 * midnight (22:00–07:00).
 */
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export const isHhmm = (s: string) => HHMM.test(s);

export function minutesOf(hhmm: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new Error(`bad time ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const h = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  const min = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  return h * 60 + min;
}

/** When a notice due at `at` may be sent. */
export function afterQuietHours(at: Date, start: string | null, end: string | null, timeZone: string): Date {
  if (!start || !end || start === end) return at;
  const s = minutesOf(start);
  const e = minutesOf(end);
  const now = localMinutes(at, timeZone);
  const inside = s < e ? now >= s && now < e : now >= s || now < e;
  if (!inside) return at;
  const wait = (e - now + 24 * 60) % (24 * 60);
  const result = new Date(at.getTime() + wait * 60_000);
  result.setUTCSeconds(0, 0);
  return result;
}
