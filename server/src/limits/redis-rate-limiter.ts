/**
 * Token buckets in Redis, shared by every instance (REDIS_URL set): a budget
 * spent on instance A is spent on B. Same contract as the in-memory limiter
 * (rate-limiter.ts): a bucket starts full, refills continuously up to
 * `capacity`, a take spends `cost` only when that many are there, a refusal
 * spends nothing and says when `cost` tokens will be back.
 *
 * One Lua script per take, so read–refill–spend–write is atomic: two
 * instances never both spend the last token. It runs by EVALSHA; when Redis
 * does not know the script (first use, a restart, SCRIPT FLUSH) it is sent
 * once with EVAL, which caches it again. Time is Redis's own (TIME), so
 * instances whose clocks differ still refill one bucket alike. A bucket is a
 * hash with a TTL of `capacity / refillPerSecond`: by then it would be full,
 * so forgetting it changes nothing, and Redis holds only active clients.
 *
 * While Redis cannot answer (not connected, an error, no answer within
 * `timeoutMs`), takes are decided by an in-memory limiter with the same
 * numbers: each instance then enforces the budget on its own, rather than
 * refusing everyone or letting everything through until Redis is back.
 */
import type { Redis } from 'ioredis';
import { redisScript } from '../cluster/redis-script.js';
import { createMemoryRateLimiter, type RateDecision, type RateLimiter } from './rate-limiter.js';

const takeScript = redisScript(`
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
if tokens == nil then
  tokens = capacity
else
  local elapsed = now - tonumber(b[2])
  if elapsed < 0 then elapsed = 0 end
  tokens = math.min(capacity, tokens + elapsed / 1000 * rate)
end
if tokens >= cost then
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens - cost), 'at', string.format('%.17g', now))
  redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000))
  return {1, 0}
end
return {0, math.ceil((cost - tokens) / rate * 1000)}
`);
const OFFLINE = new Set(['reconnecting', 'close', 'end']);

export interface RedisRateLimiterOptions {
  redis: Redis;
  /** Which budget (client, token, device): part of every key, so budgets never share a bucket. */
  name: string;
  capacity: number;
  refillPerSecond: number;
  /** Key prefix (default `baylight:`). */
  prefix?: string;
  /** Milliseconds; tests only. Default: Redis's clock. */
  now?: () => number;
  /** How long a take waits for Redis before the local limiter decides (default 250 ms). */
  timeoutMs?: number;
  /** Told when a take was decided locally because Redis could not answer. */
  onFallback?(err: unknown): void;
}

export function createRedisRateLimiter(opts: RedisRateLimiterOptions): RateLimiter {
  const { redis, capacity, refillPerSecond } = opts;
  const keyPrefix = `${opts.prefix ?? 'baylight:'}rate:${opts.name}:`;

  const run = (key: string, cost: number) =>
    takeScript(
      redis,
      [keyPrefix + key],
      [capacity, refillPerSecond, cost, opts.now ? String(opts.now()) : ''],
    ) as Promise<[number, number]>;

  const local = createMemoryRateLimiter({ capacity, refillPerSecond, ...(opts.now ? { now: opts.now } : {}) });
  const timeoutMs = opts.timeoutMs ?? 250;

  return {
    async take(key, cost = 1): Promise<RateDecision> {
      // Lost and not back: ioredis would queue the command until it reconnects; decide now instead.
      if (OFFLINE.has(redis.status)) {
        opts.onFallback?.(new Error(`redis is ${redis.status}`));
        return local.takeNow(key, cost);
      }
      let timer: NodeJS.Timeout | undefined;
      try {
        const [ok, retryAfterMs] = await Promise.race([
          run(key, cost),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`redis did not answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return { ok: ok === 1, retryAfterMs };
      } catch (err) {
        opts.onFallback?.(err);
        return local.takeNow(key, cost);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
