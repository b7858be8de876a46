import { describe, expect, it } from 'vitest';
import { depositPhase, normaliseTracking, sizeForKey, startOfDay } from './deposit';
import { moveActive } from './RecipientSearch';
import { fitsSomewhere, freeBySize } from '@/features/desk/free';
import { matchesSearch } from '@/features/desk/search';

describe('depositPhase', () => {
  it('follows the door until the parcel is in', () => {
    expect(depositPhase({ status: 'AWAITING_DEPOSIT', door: 'CLOSED', sawOpen: false })).toBe('opening');
    expect(depositPhase({ status: 'AWAITING_DEPOSIT', door: 'OPEN', sawOpen: true })).toBe('open');
    expect(depositPhase({ status: 'AWAITING_DEPOSIT', door: 'CLOSED', sawOpen: true })).toBe('closed');
    expect(depositPhase({ status: 'READY_FOR_PICKUP', door: 'CLOSED', sawOpen: true })).toBe('deposited');
    expect(depositPhase({ status: 'AT_DESK', door: 'CLOSED', sawOpen: true })).toBe('failed');
  });
  it('trusts the parcel status over the door', () => {
    expect(depositPhase({ status: 'READY_FOR_PICKUP', door: 'OPEN', sawOpen: false })).toBe('deposited');
  });
});

describe('intake keys and input', () => {
  it('maps 1–4 to sizes', () => {
    expect(['1', '2', '3', '4', '5', 'm'].map(sizeForKey)).toEqual(['S', 'M', 'L', 'XL', null, null]);
  });
  it('normalises tracking numbers', () => {
    expect(normaliseTracking('  1Z 999   AA1 ')).toBe('1Z 999 AA1');
  });
  it('moves through options with wrap-around', () => {
    expect(moveActive('ArrowDown', -1, 3)).toBe(0);
    expect(moveActive('ArrowDown', 2, 3)).toBe(0);
    expect(moveActive('ArrowUp', 0, 3)).toBe(2);
    expect(moveActive('ArrowUp', -1, 3)).toBe(2);
    expect(moveActive('End', 0, 3)).toBe(2);
    expect(moveActive('ArrowDown', 0, 0)).toBeNull();
    expect(moveActive('x', 0, 3)).toBeNull();
  });
  it('starts the day at local midnight', () => {
    const noon = new Date(2026, 10, 27, 12, 30).getTime();
    expect(startOfDay(noon)).toBe(new Date(2026, 10, 27, 0, 0).getTime());
  });
});

describe('free compartments', () => {
  const c = (size: 'S' | 'M' | 'L' | 'XL', state: 'AVAILABLE' | 'IN_USE') => ({ size, state });
  it('counts available ones by size', () => {
    expect(freeBySize([c('S', 'AVAILABLE'), c('S', 'IN_USE'), c('L', 'AVAILABLE')])).toEqual({
      S: 1,
      M: 0,
      L: 1,
      XL: 0,
    });
  });
  it('knows a larger free compartment fits a smaller parcel', () => {
    const free = { S: 0, M: 0, L: 1, XL: 0 };
    expect(fitsSomewhere(free, 'M')).toBe(true);
    expect(fitsSomewhere(free, 'XL')).toBe(false);
  });
});

describe('desk search', () => {
  const parcel = {
    tracking: '1Z 999 AA1',
    recipient: { name: 'Ada Lovelace', email: 'ada@uni.edu', studentId: 'S123' },
  };
  it('matches tracking (ignoring spaces), name, e-mail and student id', () => {
    expect(matchesSearch(parcel, '1z999')).toBe(true);
    expect(matchesSearch(parcel, 'lovelace')).toBe(true);
    expect(matchesSearch(parcel, 'ADA@')).toBe(true);
    expect(matchesSearch(parcel, 's123')).toBe(true);
    expect(matchesSearch(parcel, 'bob')).toBe(false);
    expect(matchesSearch(parcel, '  ')).toBe(true);
  });
});
