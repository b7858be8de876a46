import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from './rate-limiter.js';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('the in-memory token bucket', () => {
  it('gives a quiet key its whole burst, then refuses with the time until the next token', () => {
    const c = clock();
    const limiter = createMemoryRateLimiter({ capacity: 3, refillPerSecond: 2, now: c.now });
    expect([1, 2, 3].map(() => limiter.take('a').ok)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterMs: 500 });
    c.advance(500);
    expect(limiter.take('a').ok).toBe(true);
  });

  it('keeps keys apart and charges the cost asked for', () => {
    const c = clock();
    const limiter = createMemoryRateLimiter({ capacity: 10, refillPerSecond: 1, now: c.now });
    expect(limiter.take('a', 10).ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
    expect(limiter.take('b', 10).ok).toBe(true);
    // A refused take spends nothing: 4 s later 4 tokens are there, not 4 minus the refused ones.
    expect(limiter.take('a', 5).ok).toBe(false);
    c.advance(4_000);
    expect(limiter.take('a', 4).ok).toBe(true);
  });

  it('forgets buckets once they are full again, and never holds more than maxKeys', () => {
    const c = clock();
    const limiter = createMemoryRateLimiter({ capacity: 2, refillPerSecond: 1, maxKeys: 100, now: c.now });
    for (let i = 0; i < 1_000; i++) limiter.take(`k${i}`);
    expect(limiter.size()).toBeLessThanOrEqual(100);
    c.advance(20_000);
    limiter.take('fresh');
    expect(limiter.size()).toBe(1);
  });
});
