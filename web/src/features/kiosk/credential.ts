/**
 * The kiosk's own credential, kept in localStorage under its own key: never
 * mixed with a person's session (`baylight.session`), and never cleared by a
 * person signing out.
 */

export const KIOSK_STORAGE_KEY = 'baylight.kiosk';

export interface KioskCredential {
  token: string;
  kioskId: string;
  bankId: string;
  bankName: string;
}

export function parseKioskCredential(raw: string | null): KioskCredential | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    if (
      typeof v.token === 'string' &&
      v.token.length > 0 &&
      typeof v.kioskId === 'string' &&
      typeof v.bankId === 'string' &&
      typeof v.bankName === 'string'
    ) {
      return { token: v.token, kioskId: v.kioskId, bankId: v.bankId, bankName: v.bankName };
    }
    return null;
  } catch {
    return null;
  }
}

export function readKioskCredential(): KioskCredential | null {
  try {
    return parseKioskCredential(window.localStorage.getItem(KIOSK_STORAGE_KEY));
  } catch {
    return null;
  }
}

export function saveKioskCredential(credential: KioskCredential): void {
  window.localStorage.setItem(KIOSK_STORAGE_KEY, JSON.stringify(credential));
}

export function clearKioskCredential(): void {
  try {
    window.localStorage.removeItem(KIOSK_STORAGE_KEY);
  } catch {
    // Nothing stored then.
  }
}

/** Pasted tokens often carry spaces, quotes or a "Bearer " prefix. */
export function cleanToken(input: string): string {
  return input
    .trim()
    .replace(/^bearer\s+/i, '')
    .replace(/^["']|["']$/g, '')
    .trim();
}
