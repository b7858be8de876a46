import { describe, expect, it } from 'vitest';
import { cleanToken, parseKioskCredential } from './credential';
import { tokenMatches } from './forget';
import { formatCountdown, isComplete, keyAction, keypadReducer, slots } from './keypad';

describe('keypad', () => {
  it('takes at most 8 digits', () => {
    let d = '';
    for (const digit of '1234567890') d = keypadReducer(d, { type: 'digit', digit });
    expect(d).toBe('12345678');
    expect(isComplete(d)).toBe(true);
  });
  it('ignores anything but digits', () => {
    expect(keypadReducer('12', { type: 'digit', digit: 'a' })).toBe('12');
  });
  it('deletes and clears', () => {
    expect(keypadReducer('123', { type: 'back' })).toBe('12');
    expect(keypadReducer('', { type: 'back' })).toBe('');
    expect(keypadReducer('123', { type: 'clear' })).toBe('');
  });
  it('keeps the digits of a pasted code', () => {
    expect(keypadReducer('', { type: 'paste', text: '1234 5678 9' })).toBe('12345678');
  });
  it('maps physical keys', () => {
    expect(keyAction('7')).toEqual({ type: 'digit', digit: '7' });
    expect(keyAction('Backspace')).toEqual({ type: 'back' });
    expect(keyAction('Escape')).toEqual({ type: 'clear' });
    expect(keyAction('Enter')).toBe('submit');
    expect(keyAction('a')).toBeNull();
  });
  it('shows slots 4 + 4', () => {
    expect(slots('12345')).toEqual([
      ['1', '2', '3', '4'],
      ['5', '', '', ''],
    ]);
  });
  it('formats a lockout countdown', () => {
    expect(formatCountdown(45)).toBe('0:45');
    expect(formatCountdown(125)).toBe('2:05');
    expect(formatCountdown(-3)).toBe('0:00');
  });
});

describe('kiosk credential', () => {
  const stored = { token: 'blk_abc', kioskId: 'k1', bankId: 'b1', bankName: 'Library' };
  it('reads a stored credential', () => {
    expect(parseKioskCredential(JSON.stringify(stored))).toEqual(stored);
  });
  it('treats anything else as not paired', () => {
    expect(parseKioskCredential(null)).toBeNull();
    expect(parseKioskCredential('{')).toBeNull();
    expect(parseKioskCredential(JSON.stringify({ ...stored, token: '' }))).toBeNull();
    // A person's session is never taken for a kiosk credential.
    expect(parseKioskCredential(JSON.stringify({ token: 't', expiresAt: 'x', person: {} }))).toBeNull();
  });
  it('cleans pasted tokens', () => {
    expect(cleanToken('  Bearer blk_abc \n')).toBe('blk_abc');
    expect(cleanToken('"blk_abc"')).toBe('blk_abc');
  });
});

describe('forgetting the credential', () => {
  it('needs exactly the stored token', () => {
    expect(tokenMatches('blk_abc', 'blk_abc')).toBe(true);
    expect(tokenMatches(cleanToken(' Bearer blk_abc '), 'blk_abc')).toBe(true);
    expect(tokenMatches('blk_ab', 'blk_abc')).toBe(false);
    expect(tokenMatches('blk_abcd', 'blk_abc')).toBe(false);
    expect(tokenMatches('blk_abd', 'blk_abc')).toBe(false);
    expect(tokenMatches('', '')).toBe(false);
  });
});
