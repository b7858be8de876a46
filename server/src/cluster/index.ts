/**
 * The cluster adapters, chosen once at start from the config: with REDIS_URL
 * unset (the embedded default) everything stays in this process, exactly as
 * one instance always ran; with REDIS_URL set, the Bus, the three rate
 * limiters and the bank leases live in Redis and are shared by every
 * instance that points at it.
 *
 * One command connection per instance serves the bus's publishes, the
 * limiters' scripts, the leases and `ready()`; the bus adds its one
 * subscriber connection. `close()` closes both (app.ts, on shutdown).
 */
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { createInProcessBus, type Bus } from '../bus/index.js';
import { createRedisBus } from '../bus/redis.js';
import type { Config } from '../config/index.js';
import { budgetsOf, type Limiters } from '../limits/index.js';
import { createRedisRateLimiter } from '../limits/redis-rate-limiter.js';
import type { Logger } from '../shared/logger.js';
import { createInProcessBankLeases, createRedisBankLeases, type BankLeases } from './leases.js';

export type Readiness = { ok: true } | { ok: false; error: string };

export interface ClusterAdapters {
  mode: 'embedded' | 'redis';
  /** INSTANCE_ID, or host name and process id. */
  instanceId: string;
  bus: Bus;
  /** Empty when embedded: createApiLimits then builds the in-memory buckets it always did. */
  limiters: Partial<Limiters>;
  leases: BankLeases;
  /** For /readyz: Redis answers PING within a second (always ok when embedded). */
  ready(): Promise<Readiness>;
  close(): Promise<void>;
}

export { BUS_RESYNC_TOPIC, type BusResync } from '../bus/index.js';
export * from './leases.js';
export * from './bank-channel.js';

export async function createClusterAdapters(config: Config, logger: Logger): Promise<ClusterAdapters> {
  const instanceId = config.INSTANCE_ID ?? `${hostname()}:${process.pid}`;
  if (!config.REDIS_URL) {
    return {
      mode: 'embedded',
      instanceId,
      bus: createInProcessBus(),
      limiters: {},
      leases: createInProcessBankLeases({ ttlMs: config.BANK_LEASE_TTL_MS }),
      ready: () => Promise.resolve({ ok: true }),
      close: () => Promise.resolve(),
    };
  }

  const log = logger.child({ domain: 'redis' });
  const redis = new Redis(config.REDIS_URL, {
    lazyConnect: true,
    // Commands wait through a short outage, not a long one: the limiters decide locally meanwhile,
    // and a lease refresh is retried at its next tick.
    maxRetriesPerRequest: 3,
    connectionName: `baylight:${instanceId}`,
  });
  let lastError = '';
  redis.on('error', (err: Error) => {
    if (err.message !== lastError) log.warn({ err: err.message }, 'redis connection error');
    lastError = err.message;
  });
  redis.on('ready', () => {
    if (lastError) log.info('redis connection is back');
    lastError = '';
  });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(`Redis at REDIS_URL did not answer: ${(err as Error).message}`, { cause: err });
  }
  const bus = await createRedisBus({ redis, instanceId, logger: log });
  const budgets = budgetsOf(config);
  let fallbacks = 0;
  const onFallback = (err: unknown) => {
    // Once per outage, roughly: every request meanwhile would say it again.
    if (fallbacks++ % 1_000 === 0) log.warn({ err: String(err) }, 'rate limits decided on this instance: Redis away');
  };
  const limiter = (name: keyof Limiters) => createRedisRateLimiter({ redis, name, ...budgets[name], onFallback });
  log.info({ instanceId }, 'cluster mode: bus, rate limits and bank leases in Redis');

  return {
    mode: 'redis',
    instanceId,
    bus,
    limiters: { client: limiter('client'), token: limiter('token'), device: limiter('device') },
    leases: createRedisBankLeases({ redis, ttlMs: config.BANK_LEASE_TTL_MS }),
    async ready() {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          redis.ping(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('no answer to PING within 1 s')), 1_000);
          }),
        ]);
        return { ok: true };
      } catch (err) {
        return { ok: false, error: `redis: ${(err as Error).message}` };
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await bus.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
