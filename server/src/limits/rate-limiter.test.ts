/**
 * The RateLimiter contract, run against the in-memory buckets and the Redis
 * ones (a throwaway redis-server), then what only each of them does.
 */
import { describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../../test/helpers/redis.js';
import { createMemoryRateLimiter, type RateLimiter, type TokenBucketOptions } from './rate-limiter.js';
import { createRedisRateLimiter } from './redis-rate-limiter.js';

function clock() {
  // Milliseconds like performance.now() or Date.now(); the contract does not care where time starts.
  let t = 1_764_650_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

type Make = (opts: Pick<TokenBucketOptions, 'capacity' | 'refillPerSecond' | 'now'>) => Promise<RateLimiter>;

const implementations: [string, Make][] = [
  ['in-memory', (opts) => Promise.resolve(createMemoryRateLimiter(opts))],
  ['redis', async (opts) => createRedisRateLimiter({ redis: (await startRedis()).client(), name: 'test', ...opts })],
];

describe.each(implementations)('the %s token bucket', (_name, make) => {
  it('gives a quiet key its whole burst, then refuses with the time until the next token', async () => {
    const c = clock();
    const limiter = await make({ capacity: 3, refillPerSecond: 2, now: c.now });
    const burst = [];
    for (let i = 0; i < 3; i++) burst.push((await limiter.take('a')).ok);
    expect(burst).toEqual([true, true, true]);
    expect(await limiter.take('a')).toEqual({ ok: false, retryAfterMs: 500 });
    c.advance(500);
    expect((await limiter.take('a')).ok).toBe(true);
  });

  it('keeps keys apart and charges the cost asked for', async () => {
    const c = clock();
    const limiter = await make({ capacity: 10, refillPerSecond: 1, now: c.now });
    expect((await limiter.take('a', 10)).ok).toBe(true);
    expect((await limiter.take('a')).ok).toBe(false);
    expect((await limiter.take('b', 10)).ok).toBe(true);
    // A refused take spends nothing: 4 s later 4 tokens are there, not 4 minus the refused ones.
    expect((await limiter.take('a', 5)).ok).toBe(false);
    c.advance(4_000);
    expect((await limiter.take('a', 4)).ok).toBe(true);
    expect(await limiter.take('a', 1)).toEqual({ ok: false, retryAfterMs: 1_000 });
  });

  it('refills no further than the capacity, by fractions of a token', async () => {
    const c = clock();
    const limiter = await make({ capacity: 4, refillPerSecond: 4, now: c.now });
    expect((await limiter.take('a', 4)).ok).toBe(true);
    c.advance(125); // half a token
    expect(await limiter.take('a')).toEqual({ ok: false, retryAfterMs: 125 });
    c.advance(60_000);
    expect((await limiter.take('a', 4)).ok).toBe(true);
    expect((await limiter.take('a')).ok).toBe(false);
  });
});

describe('the in-memory token bucket', () => {
  it('forgets buckets once they are full again, and never holds more than maxKeys', () => {
    const c = clock();
    const limiter = createMemoryRateLimiter({ capacity: 2, refillPerSecond: 1, maxKeys: 100, now: c.now });
    for (let i = 0; i < 1_000; i++) limiter.takeNow(`k${i}`);
    expect(limiter.size()).toBeLessThanOrEqual(100);
    c.advance(20_000);
    limiter.takeNow('fresh');
    expect(limiter.size()).toBe(1);
  });
});

describe('the Redis token bucket', () => {
  const twoInstances = (redis: TestRedis, opts: { capacity: number; refillPerSecond: number }) =>
    [redis.client(), redis.client()].map((c) => createRedisRateLimiter({ redis: c, name: 'client', ...opts }));

  it('shares one budget between instances: spent on A is spent on B, and concurrent takes never overspend', async () => {
    const redis = await startRedis();
    const [a, b] = twoInstances(redis, { capacity: 10, refillPerSecond: 0.001 });
    expect((await a!.take('ip:1', 6)).ok).toBe(true);
    expect((await b!.take('ip:1', 5)).ok).toBe(false);
    expect((await b!.take('ip:1', 4)).ok).toBe(true);
    expect((await a!.take('ip:1')).ok).toBe(false);
    // 200 takes at once from both instances for a bucket of 10: exactly 10 succeed.
    const takes = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a! : b!).take('ip:2')));
    expect(takes.filter((d) => d.ok)).toHaveLength(10);
  });

  it("refills by Redis's clock and lets a bucket expire once it would be full again", async () => {
    const redis = await startRedis();
    const admin = redis.client();
    const [a] = twoInstances(redis, { capacity: 2, refillPerSecond: 10 });
    expect((await a!.take('k', 2)).ok).toBe(true);
    const refused = await a!.take('k');
    expect(refused.ok).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(100);
    const ttl = await admin.pttl('baylight:rate:client:k');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(200);
    await new Promise((r) => setTimeout(r, 250));
    expect(await admin.exists('baylight:rate:client:k')).toBe(0);
    expect((await a!.take('k', 2)).ok).toBe(true);
  });

  it('sends the script again when Redis has forgotten it (EVALSHA, then EVAL on NOSCRIPT)', async () => {
    const redis = await startRedis();
    const admin = redis.client();
    const [a] = twoInstances(redis, { capacity: 3, refillPerSecond: 0.001 });
    expect((await a!.take('k')).ok).toBe(true);
    await admin.script('FLUSH');
    expect((await a!.take('k', 2)).ok).toBe(true);
    expect((await a!.take('k')).ok).toBe(false);
  });

  it('decides locally, with the same numbers, while Redis is away', async () => {
    const redis = await startRedis();
    let fallbacks = 0;
    const limiter = createRedisRateLimiter({
      redis: redis.client(),
      name: 'client',
      capacity: 2,
      refillPerSecond: 0.001,
      onFallback: () => fallbacks++,
    });
    await redis.kill();
    const started = Date.now();
    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push((await limiter.take('k')).ok);
    expect(decisions).toEqual([true, true, false]);
    expect(fallbacks).toBe(3);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
