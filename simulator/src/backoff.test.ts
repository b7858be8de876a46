import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RETRY, validateRetry } from './backoff.js';
import { seededRandom } from './random.js';

describe('backoffDelay', () => {
  const retry = { minMs: 100, maxMs: 10_000 };

  it('stays within [minMs, maxMs] for any attempt and any random draw', () => {
    const random = seededRandom(7);
    for (let attempt = 0; attempt < 2000; attempt++) {
      const d = backoffDelay(attempt, retry, random);
      expect(d).toBeGreaterThanOrEqual(100);
      expect(d).toBeLessThanOrEqual(10_000);
    }
    for (const r of [0, 0.5, 0.999999, 1]) {
      expect(backoffDelay(0, retry, () => r)).toBeGreaterThanOrEqual(100);
      expect(backoffDelay(5000, retry, () => r)).toBeLessThanOrEqual(10_000);
    }
  });

  it('doubles its ceiling with every attempt until the cap', () => {
    const top = (attempt: number) => backoffDelay(attempt, retry, () => 1);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(top)).toEqual([200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
    expect(backoffDelay(3, retry, () => 0)).toBe(100);
  });

  it('spreads simultaneous reconnects (jitter)', () => {
    const random = seededRandom(3);
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(6, retry, random)));
    expect(delays.size).toBeGreaterThan(40);
  });

  it('defaults to what PROTOCOL.md asks: from 1 s, capped at 30 s', () => {
    expect(backoffDelay(0, DEFAULT_RETRY, () => 0)).toBe(1000);
    expect(backoffDelay(0, DEFAULT_RETRY, () => 1)).toBe(2000);
    expect(backoffDelay(100, DEFAULT_RETRY, () => 1)).toBe(30_000);
  });

  it('refuses bounds that make no sense', () => {
    expect(() => validateRetry({ minMs: 500, maxMs: 100 })).toThrow(RangeError);
    expect(() => validateRetry({ minMs: -1, maxMs: 100 })).toThrow(RangeError);
    expect(() => validateRetry({ minMs: 1, maxMs: Infinity })).toThrow(RangeError);
    expect(validateRetry({ minMs: 10, maxMs: 10 })).toEqual({ minMs: 10, maxMs: 10 });
  });
});
