/**
 * Reconnect back-off: exponential growth with jitter, bounded.
 *
 * delay(n) is drawn uniformly from [minMs, min(maxMs, minMs·2^(n+1))], so
 * - it is never shorter than minMs and never longer than maxMs;
 * - its upper end doubles with every failed attempt until it reaches maxMs;
 * - banks that lost the server at the same moment (a restart) spread their
 *   reconnects over the window instead of arriving together.
 */
export interface RetryOptions {
  minMs: number;
  maxMs: number;
}

/** PROTOCOL.md 2: 1 s, 2 s, 4 s … capped at 30 s, randomised. */
export const DEFAULT_RETRY: RetryOptions = { minMs: 1000, maxMs: 30_000 };

export function validateRetry(retry: RetryOptions): RetryOptions {
  const { minMs, maxMs } = retry;
  if (!Number.isFinite(minMs) || !Number.isFinite(maxMs) || minMs < 0 || maxMs < minMs) {
    throw new RangeError(`retry needs 0 ≤ minMs ≤ maxMs (finite), got minMs=${minMs} maxMs=${maxMs}`);
  }
  return { minMs, maxMs };
}

/**
 * @param attempt 0 for the first retry after a success, then 1, 2, …
 * @param random a source in [0, 1); Math.random by default
 */
export function backoffDelay(attempt: number, retry: RetryOptions, random: () => number = Math.random): number {
  const { minMs, maxMs } = retry;
  const n = Math.max(0, Math.floor(attempt));
  // 2 ** n overflows to Infinity for large n, which Math.min caps correctly.
  const ceiling = Math.min(maxMs, Math.max(minMs, minMs * 2 ** (n + 1)));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(minMs + r * (ceiling - minMs));
}
