/**
 * Request budgets: how much one client, one token or one controller may ask
 * of the server per second. Everything that counts requests talks to the
 * `RateLimiter` interface only, so a shared store (Redis, when several
 * instances serve one campus) can replace the in-memory one without touching
 * the callers.
 *
 * The Redis implementation (redis-rate-limiter.ts) keeps the same contract
 * in one atomic script per `take` (read tokens and timestamp, refill by
 * elapsed time, subtract `cost` when enough, write back with a TTL of
 * `capacity / refillPerSecond`), so two instances never both spend the last
 * token. `take` therefore returns a promise on both; the in-memory one
 * answers at once (`takeNow`) and wraps that.
 */

export interface RateDecision {
  ok: boolean;
  /** When refused: how long until `cost` tokens are there again (0 when ok). */
  retryAfterMs: number;
}

export interface RateLimiter {
  /** Spends `cost` tokens of `key`'s bucket if it holds that many; refuses (spending nothing) otherwise. */
  take(key: string, cost?: number): Promise<RateDecision>;
}

export interface TokenBucketOptions {
  /** Tokens a bucket holds when full: the burst a quiet client may spend at once. */
  capacity: number;
  /** Tokens added per second up to `capacity`: the sustained rate. */
  refillPerSecond: number;
  /** Buckets kept at most; beyond it the least recently used ones are forgotten (they were nearly full anyway). */
  maxKeys?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets in a Map, one per key. A bucket starts full, refills
 * continuously and is forgotten once it would be full again, so memory follows
 * the clients active in the last `capacity / refillPerSecond` seconds.
 */
export function createMemoryRateLimiter(
  opts: TokenBucketOptions,
): RateLimiter & { takeNow(key: string, cost?: number): RateDecision; size(): number } {
  const { capacity, refillPerSecond } = opts;
  const maxKeys = opts.maxKeys ?? 100_000;
  const now = opts.now ?? (() => performance.now());
  const buckets = new Map<string, Bucket>();
  const fullAfterMs = (capacity / refillPerSecond) * 1000;
  let lastSweep = now();

  const refilled = (b: Bucket, t: number) =>
    Math.min(capacity, b.tokens + ((t - b.updatedAt) / 1000) * refillPerSecond);

  /** Drops buckets that have refilled completely: forgetting them changes no decision. */
  function sweep(t: number) {
    lastSweep = t;
    for (const [key, b] of buckets) if (t - b.updatedAt >= fullAfterMs) buckets.delete(key);
  }

  function takeNow(key: string, cost = 1): RateDecision {
    const t = now();
    if (t - lastSweep > Math.max(fullAfterMs, 10_000)) sweep(t);
    const existing = buckets.get(key);
    const tokens = existing ? refilled(existing, t) : capacity;
    // Re-inserting keeps the Map in least-recently-used order for the cap below.
    buckets.delete(key);
    if (tokens >= cost) {
      buckets.set(key, { tokens: tokens - cost, updatedAt: t });
      if (buckets.size > maxKeys) {
        sweep(t);
        for (const oldest of buckets.keys()) {
          if (buckets.size <= maxKeys) break;
          buckets.delete(oldest);
        }
      }
      return { ok: true, retryAfterMs: 0 };
    }
    buckets.set(key, { tokens, updatedAt: t });
    return { ok: false, retryAfterMs: Math.ceil(((cost - tokens) / refillPerSecond) * 1000) };
  }

  return {
    takeNow,
    take: (key, cost) => Promise.resolve(takeNow(key, cost)),
    size: () => buckets.size,
  };
}
