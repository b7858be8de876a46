/**
 * The kiosk keypad: 8 digits, typed on screen or on a keyboard. Pure, so the
 * rules are tested without a browser.
 */

export const CODE_LENGTH = 8;

export type KeypadAction =
  { type: 'digit'; digit: string } | { type: 'back' } | { type: 'clear' } | { type: 'paste'; text: string };

export function keypadReducer(digits: string, action: KeypadAction): string {
  switch (action.type) {
    case 'digit':
      return /^\d$/.test(action.digit) && digits.length < CODE_LENGTH ? digits + action.digit : digits;
    case 'back':
      return digits.slice(0, -1);
    case 'clear':
      return '';
    case 'paste':
      return action.text.replace(/\D/g, '').slice(0, CODE_LENGTH);
  }
}

export function isComplete(digits: string): boolean {
  return digits.length === CODE_LENGTH;
}

/** What a physical key does on the keypad screen; null for keys it ignores. */
export function keyAction(key: string): KeypadAction | 'submit' | null {
  if (/^\d$/.test(key)) return { type: 'digit', digit: key };
  if (key === 'Backspace') return { type: 'back' };
  if (key === 'Escape' || key === 'Delete') return { type: 'clear' };
  if (key === 'Enter') return 'submit';
  return null;
}

/** The 8 slots for display: typed digits, then blanks, grouped 4 + 4. */
export function slots(digits: string): [string[], string[]] {
  const all = Array.from({ length: CODE_LENGTH }, (_, i) => digits[i] ?? '');
  return [all.slice(0, 4), all.slice(4)];
}

/** "0:45" for a lockout countdown. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
