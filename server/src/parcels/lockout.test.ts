import { describe, expect, it } from 'vitest';
import { afterFailure, BASE_LOCKOUT_MS, isLocked, type ThrottleState } from './lockout.js';

describe('exponential lockout', () => {
  it('locks for a minute after five failures, then two, then four', () => {
    const now = new Date('2026-11-27T10:00:00Z');
    let s: ThrottleState = { failures: 0, lockouts: 0, lockedUntil: null };
    const lockDurations: number[] = [];
    for (let i = 0; i < 15; i++) {
      const next = afterFailure(s, now);
      if (next.lockedNow) lockDurations.push(next.lockedUntil!.getTime() - now.getTime());
      else expect(next.lockedUntil).toBe(s.lockedUntil);
      s = next;
    }
    expect(lockDurations).toEqual([BASE_LOCKOUT_MS, 2 * BASE_LOCKOUT_MS, 4 * BASE_LOCKOUT_MS]);
    expect(isLocked(s, now)).toBe(true);
    expect(isLocked(s, new Date(now.getTime() + 4 * BASE_LOCKOUT_MS + 1))).toBe(false);
  });
});
