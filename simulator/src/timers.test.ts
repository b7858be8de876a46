import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMEOUT_MS, setLongTimeout } from './timers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('setLongTimeout', () => {
  it('waits out a delay beyond 2^31 − 1 ms instead of firing at once (setTimeout would)', () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    setLongTimeout(fired, MAX_TIMEOUT_MS + 10_000);
    vi.advanceTimersByTime(1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(MAX_TIMEOUT_MS);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(10_000);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('fires short delays once, never fires when cancelled or Infinity', () => {
    vi.useFakeTimers();
    const short = vi.fn();
    const cancelled = vi.fn();
    const never = vi.fn();
    setLongTimeout(short, 5);
    setLongTimeout(cancelled, 3 * MAX_TIMEOUT_MS).cancel();
    setLongTimeout(never, Number.POSITIVE_INFINITY);
    vi.advanceTimersByTime(4 * MAX_TIMEOUT_MS);
    expect(short).toHaveBeenCalledTimes(1);
    expect(cancelled).not.toHaveBeenCalled();
    expect(never).not.toHaveBeenCalled();
  });
});
