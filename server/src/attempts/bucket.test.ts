import { describe, expect, it } from 'vitest';
import { blockedUntil, charged, drained, emptyBucket, failed, refunded } from './bucket.js';
import type { Budget } from './budgets.js';

const budget: Budget = {
  capacity: 5,
  drainPerHour: 60,
  baseLockoutMs: 60_000,
  maxLockoutMs: 3_600_000,
  lockoutDrainMs: 3_600_000,
};
const t0 = new Date('2026-12-01T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

/** n wrong attempts, each charged then failed, at one instant. */
function failN(n: number, now: Date, start = emptyBucket(now)) {
  let s = start;
  const locks: number[] = [];
  for (let i = 0; i < n; i++) {
    if (blockedUntil(drained(s, budget, now), budget, now)) break;
    const r = failed(charged(drained(s, budget, now)), budget, now);
    if (r.lockedNow) locks.push(r.lockedUntil!.getTime() - now.getTime());
    s = r;
  }
  return { s, locks };
}

describe('attempt bucket', () => {
  it('locks when the bucket fills, and refuses the next attempt until the lockout ends', () => {
    const { s, locks } = failN(5, t0);
    expect(locks).toEqual([60_000]);
    expect(blockedUntil(s, budget, t0)).toEqual(at(60_000));
    expect(blockedUntil(drained(s, budget, at(60_001)), budget, at(60_001))).toBeNull();
  });

  it('a success refunds only its own charge: mixing right codes between wrong ones gains nothing', () => {
    let s = emptyBucket(t0);
    let wrong = 0;
    for (let round = 0; round < 100; round++) {
      for (let i = 0; i < 4; i++) {
        if (blockedUntil(s, budget, t0)) break;
        s = failed(charged(s), budget, t0);
        wrong++;
      }
      if (!blockedUntil(s, budget, t0)) s = refunded(charged(s));
    }
    expect(wrong).toBe(5);
  });

  it('lockouts escalate and their count drains with time only', () => {
    let { s } = failN(5, t0);
    // After the first lockout the bucket has drained 1 (60/h for 60 s): one more failure re-locks, doubled.
    const later = at(60_000);
    const again = failed(charged(drained(s, budget, later)), budget, later);
    expect(again.lockedNow).toBe(true);
    expect(again.lockedUntil!.getTime() - later.getTime()).toBe(120_000);
    s = again;
    // A day later everything has drained.
    const dayLater = drained(s, budget, at(24 * 3_600_000));
    expect(dayLater.level).toBe(0);
    expect(dayLater.lockouts).toBe(0);
    expect(dayLater.total).toBe(6);
  });

  it('in-flight attempts count: the bucket refuses before any of them has failed', () => {
    let s = emptyBucket(t0);
    let admitted = 0;
    for (let i = 0; i < 60; i++) {
      if (blockedUntil(s, budget, t0)) continue;
      s = charged(s);
      admitted++;
    }
    expect(admitted).toBe(budget.capacity);
  });
});
